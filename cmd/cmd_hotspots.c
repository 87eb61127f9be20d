/* cmd_hotspots.c: `hotline hotspots`: counts by topic x district (or
 * department, park, environment, appeal type) over a window, rising items
 * and hot words, read from the hour/day buckets in Redis. The options are
 * the HTTP API's parameters (store/hotspots.h validates both). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"
#include "store/hotspots.h"
#include "store/query_buckets.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hotline hotspots [options]\n\n"
            "Tickets received in a window (CST), grouped, ranked, against the previous\n"
            "window of the same length; rising items; hot words (热词).\n\n"
            "  --window W       1h..168h (ends at the hour boundary at or after --at),\n"
            "                   1d..366d (ends at the midnight at or after --at), or a\n"
            "                   quarter like 2023Q1 (default 24h)\n"
            "  --from T --to T  an explicit window on whole hours instead\n"
            "  --at T           anchor of a named window (default now); T is RFC 3339,\n"
            "                   2023-02-15, 2023-02-15T09:00 (CST) or now\n"
            "  --by B           dt (district x topic, default), topic, district, env,\n"
            "                   dept, park, appeal\n"
            "  --topic C --district C --env C --dept C --appeal C --park NAME   filters\n"
            "  --urgent         only tickets flagged urgent (by dt, topic, district, env)\n"
            "  --top N          items and rising items shown (default 20, at most 500)\n"
            "  --min N          rising: at least N in the window (default 5)\n"
            "  --words N        hot words shown (default 20, 0 none)\n"
            "  --rising         only the rising items;  --hot-words  only the hot words\n"
            "  --json           one JSON document (see docs/hotspots.md)\n");
    hl_cli_common_help(out);
}

typedef struct fetch_ctx_s {
    hl_qb_t *qb;
    const char *topic;
} fetch_ctx_t;

static hl_err_t fetch(void *opaque, const char *const *suffixes, size_t n, int each,
                      hl_strmap_t *out, char *errstr, size_t errstr_size) {
    fetch_ctx_t *f = opaque;
    return hl_qb_sum(f->qb, f->topic, suffixes, n, each, out, errstr, errstr_size);
}

int hl_cmd_hotspots(int argc, char **argv) {
    static const char *const valued[] = {"window", "from", "to", "at", "by", "topic", "district",
                                         "env", "dept", "appeal", "park", "top", "min", "words",
                                         "sections", NULL};
    hl_cli_common_t common = {0};
    const char *keys[64], *vals[64];
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
        if (n + 1 >= sizeof keys / sizeof keys[0]) {
            fprintf(stderr, "hotline hotspots: too many options\n");
            return 2;
        }
        if (strcmp(a, "--json") == 0) {
            as_json = 1;
            continue;
        }
        if (strcmp(a, "--urgent") == 0) {
            keys[n] = "urgent", vals[n++] = "1";
            continue;
        }
        if (strcmp(a, "--rising") == 0 || strcmp(a, "--hot-words") == 0) {
            keys[n] = "sections", vals[n++] = a[2] == 'r' ? "rising" : "words";
            continue;
        }
        int k = -1;
        for (int j = 0; valued[j]; j++)
            if (strncmp(a, "--", 2) == 0 && strcmp(a + 2, valued[j]) == 0)
                k = j;
        if (k < 0) {
            fprintf(stderr, "hotline hotspots: unknown option \"%s\" (see --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "hotline hotspots: %s needs a value\n", a);
            return 2;
        }
        keys[n] = valued[k], vals[n++] = argv[++i];
    }
    char err[HL_ERRSTR_SIZE];
    hl_hs_request_t req;
    if (hl_hs_request_parse(&req, HL_HS_KIND_HOTSPOTS, keys, vals, n, (int64_t)time(NULL), err,
                            sizeof err)) {
        fprintf(stderr, "hotline hotspots: %s\n", err);
        return 2;
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    int rc = 1;
    hl_redis_opts_t qo = hl_redis_opts_from_conf(conf);
    hl_qb_t *qb = hl_qb_new(&qo, err, sizeof err);
    json_t *answer = NULL;
    if (qb) {
        fetch_ctx_t ctx = {qb, conf->topic_tickets};
        answer = hl_hs_answer(&req, fetch, &ctx, err, sizeof err);
    }
    if (!answer) {
        fprintf(stderr, "hotline hotspots: %s\n", err);
    } else {
        if (as_json) {
            json_dumpf(answer, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
        } else {
            hl_hs_print(stdout, answer);
        }
        rc = fflush(stdout) == 0 ? 0 : 1;
    }
    json_decref(answer);
    hl_qb_destroy(qb);
    hl_conf_destroy(conf);
    return rc;
}
