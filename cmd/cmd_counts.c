/* cmd_counts.c: `hotline counts`: the live counts read back from Redis, per
 * quarter: the cohort totals and the biggest topics. (The quarterly health
 * check with rates, rankings and cards is `hotline report`.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "common/strmap.h"
#include "common/taxonomy.h"
#include "store/query.h"

static void help(FILE *out) {
    fprintf(out, "usage: hotline counts [options]\n\n"
                 "Prints, for every quarter with tickets, the counts the ingester keeps in\n"
                 "Redis (summed over partitions): received, dispatched, resolved, resolved\n"
                 "on time, reopened, reviewed and satisfied, the five biggest topics, and\n"
                 "the messages dead-lettered by reason.\n");
    hl_cli_common_help(out);
}

static int64_t get(const hl_strmap_t *m, const char *field) {
    const hl_strmap_entry_t *e = hl_strmap_find(m, field, strlen(field));
    return e ? e->value : 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int hl_cmd_counts(int argc, char **argv) {
    hl_cli_common_t common = {0};
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        }
        fprintf(stderr, "hotline counts: unknown option \"%s\"\n", argv[i]);
        return 2;
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    char err[HL_ERRSTR_SIZE];
    hl_query_t *q = hl_query_from_conf(conf, err, sizeof err);
    hl_strmap_t quarters = {0}, h = {0};
    int rc = 1;
    if (!q || hl_query_quarters(q, conf->topic_tickets, &quarters, err, sizeof err)) {
        fprintf(stderr, "hotline counts: %s\n", err);
        goto out;
    }
    const char **names = calloc(quarters.count + 1, sizeof *names);
    for (size_t i = 0; i < quarters.count; i++)
        names[i] = hl_strmap_key(&quarters, &quarters.entries[i]);
    qsort(names, quarters.count, sizeof *names, cmp_str);
    printf("%-7s %9s %10s %9s %8s %8s %8s %9s  %s\n", "quarter", "received", "dispatched",
           "resolved", "on time", "reopened", "reviewed", "satisfied", "top topics");
    for (size_t i = 0; i < quarters.count; i++) {
        char suffix[32];
        snprintf(suffix, sizeof suffix, "q:%s", names[i]);
        if (hl_query_hash_sum(q, conf->topic_tickets, suffix, &h, err, sizeof err)) {
            fprintf(stderr, "hotline counts: %s\n", err);
            free(names);
            goto out;
        }
        printf("%-7s %9lld %10lld %9lld %8lld %8lld %8lld %9lld  ", names[i],
               (long long)get(&h, "all|received|"), (long long)get(&h, "all|dispatched|"),
               (long long)get(&h, "all|resolved|"), (long long)get(&h, "all|resolved_on_time|"),
               (long long)get(&h, "all|reopened|"), (long long)get(&h, "all|reviewed|"),
               (long long)(get(&h, "all|satisfied|") + get(&h, "all|basically_satisfied|")));
        int shown[HL_TOPIC_COUNT] = {0};
        for (int k = 0; k < 5; k++) {
            int best = -1;
            int64_t best_n = 0;
            for (int t = 0; t < HL_TOPIC_COUNT; t++) {
                char f[64];
                snprintf(f, sizeof f, "topic|received|%s", hl_topics[t].code);
                int64_t n = get(&h, f);
                if (!shown[t] && n > best_n)
                    best = t, best_n = n;
            }
            if (best < 0)
                break;
            shown[best] = 1;
            printf("%s%s %lld", k ? ", " : "", hl_topics[best].name_zh, (long long)best_n);
        }
        printf("\n");
    }
    free(names);
    if (hl_query_hash_sum(q, conf->topic_tickets, "stats", &h, err, sizeof err)) {
        fprintf(stderr, "hotline counts: %s\n", err);
        goto out;
    }
    int64_t dead = 0;
    for (size_t i = 0; i < h.count; i++)
        if (strncmp(hl_strmap_key(&h, &h.entries[i]), "deadletter|", 11) == 0)
            dead += h.entries[i].value;
    printf("dead-lettered: %lld", (long long)dead);
    for (size_t i = 0; i < h.count; i++) {
        const char *k = hl_strmap_key(&h, &h.entries[i]);
        if (strncmp(k, "deadletter|", 11) == 0 && h.entries[i].value)
            printf(" %s=%lld", k + 11, (long long)h.entries[i].value);
    }
    printf("\n");
    rc = 0;
out:
    hl_strmap_free(&quarters);
    hl_strmap_free(&h);
    hl_query_destroy(q);
    hl_conf_destroy(conf);
    return rc;
}
