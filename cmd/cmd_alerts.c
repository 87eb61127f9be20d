/* cmd_alerts.c: `hotline alerts`: the alerts the ingester raised (repeat
 * 重复诉求, multi 一人多诉, cluster 多人同诉, urgent), merged over the
 * partitions' lists in Redis, newest first. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"
#include "store/hotspots.h"
#include "store/query_buckets.h"

static void help(FILE *out) {
    fprintf(out, "usage: hotline alerts [options]\n\n"
                 "Lists the alerts kept in Redis (the last 10000 per partition), newest first.\n\n"
                 "  --since T    only alerts of tickets at or after T (RFC 3339, 2023-02-15,\n"
                 "               2023-02-15T09:00 in CST)\n"
                 "  --type T     repeat, multi, cluster or urgent\n"
                 "  --limit N    at most N (default 100, at most 10000)\n"
                 "  --json       {\"total\":N,\"alerts\":[…]} with the alerts as the ingester wrote them\n");
    hl_cli_common_help(out);
}

int hl_cmd_alerts(int argc, char **argv) {
    hl_cli_common_t common = {0};
    const char *keys[8], *vals[8];
    size_t n = 0;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help(stdout);
            return 0;
        }
        if (strcmp(a, "--json") == 0) {
            as_json = 1;
            continue;
        }
        if ((strcmp(a, "--since") == 0 || strcmp(a, "--type") == 0 || strcmp(a, "--limit") == 0) &&
            n < 8) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hotline alerts: %s needs a value\n", a);
                return 2;
            }
            keys[n] = a + 2, vals[n++] = argv[++i];
            continue;
        }
        fprintf(stderr, "hotline alerts: unknown option \"%s\" (see --help)\n", a);
        return 2;
    }
    char err[HL_ERRSTR_SIZE];
    hl_hs_request_t req;
    if (hl_hs_request_parse(&req, HL_HS_KIND_ALERTS, keys, vals, n, (int64_t)time(NULL), err,
                            sizeof err)) {
        fprintf(stderr, "hotline alerts: %s\n", err);
        return 2;
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    hl_redis_opts_t qo = hl_redis_opts_from_conf(conf);
    hl_qb_t *qb = hl_qb_new(&qo, err, sizeof err);
    hl_qb_texts_t texts = {0};
    json_t *answer = NULL;
    int rc = 1;
    if (qb && hl_qb_lists(qb, conf->topic_tickets, "alerts", 10000, &texts, err, sizeof err) == HL_OK) {
        answer = hl_hs_alerts(&req, (const char *const *)texts.texts, texts.lens, texts.count);
        if (!answer)
            snprintf(err, sizeof err, "out of memory");
    }
    if (!answer) {
        fprintf(stderr, "hotline alerts: %s\n", err);
    } else {
        if (as_json) {
            json_dumpf(answer, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
        } else {
            hl_hs_print_alerts(stdout, answer);
        }
        rc = fflush(stdout) == 0 ? 0 : 1;
    }
    json_decref(answer);
    hl_qb_texts_free(&texts);
    hl_qb_destroy(qb);
    hl_conf_destroy(conf);
    return rc;
}
