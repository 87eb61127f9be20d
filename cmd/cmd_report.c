/* cmd_report.c: `hotline report`: the quarterly health check (季度体检).
 * The I/O shell around store/report.h: reads the quarter's cohort counters
 * (and those of the previous quarter and of a year before) from Redis through
 * store/query.h, loads the card rules, renders, prints, writes the bulletins
 * to a directory and/or publishes the JSON to the health-check topic keyed
 * by the quarter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "common/strmap.h"
#include "ingest/kafka.h"
#include "store/query.h"
#include "store/report.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hotline report (--quarter YYYYQn | --all) [--format json|md|csv|html]\n"
            "                      [--write [DIR]] [--emit] [options]\n\n"
            "The quarterly health check (季度体检) computed from the counts in Redis:\n"
            "totals with change against the previous quarter and the same quarter a year\n"
            "before, by environment, topic, department, district and park, hotspots,\n"
            "fastest-rising topics, red/yellow/green cards under the rules of report.rules\n"
            "(config/cards.tsv) and a ranking of districts and departments. The same Redis\n"
            "state always gives the same bytes. JSON schema: docs/report-schema.md.\n\n"
            "  --quarter Q     the quarter, e.g. 2023Q1\n"
            "  --all           every quarter that has counts, oldest first\n"
            "  --format F      print as json (default), md, csv or html\n"
            "  --write [DIR]   write report-Q.json, .md, .csv, -hotspots.csv and .html into\n"
            "                  DIR (default report.out.dir, \"reports\"); prints the paths\n"
            "  --emit          publish the JSON to topic.healthcheck, key = the quarter\n"
            "  -h, --help      this help\n"
            "Without --write or --emit the report is printed; with them, only when --format\n"
            "is given.\n");
    hl_cli_common_help(out);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int mkdirs(const char *dir) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return -1;
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(path, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/* Writes @p data to DIR/NAME through a temporary file and rename(). */
static int write_file(const char *dir, const char *name, const char *data) {
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    size_t len = strlen(data);
    if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "hotline report: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    fprintf(stderr, "wrote %s\n", path);
    return 0;
}

typedef struct opts_s {
    const char *quarter;
    int all;
    int format; /* -1 = not given */
    const char *write_dir;
    int write;
    int emit;
} opts_t;

/* Fetches q:<quarter> summed over partitions into @p out. */
static int fetch(hl_query_t *q, const hl_conf_t *conf, const char *quarter, hl_strmap_t *out) {
    char suffix[32], err[HL_ERRSTR_SIZE];
    snprintf(suffix, sizeof suffix, "q:%s", quarter);
    if (hl_query_hash_sum(q, conf->topic_tickets, suffix, out, err, sizeof err)) {
        fprintf(stderr, "hotline report: %s\n", err);
        return -1;
    }
    return 0;
}

static int one_quarter(const opts_t *o, const hl_conf_t *conf, hl_query_t *q,
                       const hl_report_rules_t *rules, hl_producer_t *prod, const char *quarter) {
    hl_strmap_t cur = {0}, prev = {0}, ya = {0};
    char pq[8], yq[8], err[HL_ERRSTR_SIZE];
    hl_report_t *rpt = NULL;
    int rc = 1;
    if (hl_report_quarter_shift(quarter, -1, pq, sizeof pq) ||
        hl_report_quarter_shift(quarter, -4, yq, sizeof yq)) {
        fprintf(stderr, "hotline report: bad quarter \"%s\": expected YYYYQn, e.g. 2023Q1\n",
                quarter);
        return 2;
    }
    if (fetch(q, conf, quarter, &cur) || fetch(q, conf, pq, &prev) || fetch(q, conf, yq, &ya))
        goto out;
    const hl_strmap_entry_t *e = hl_strmap_find(&cur, "all|received|", 13);
    if (!e || e->value <= 0) {
        fprintf(stderr, "hotline report: no tickets counted for %s in topic %s\n", quarter,
                conf->topic_tickets);
        goto out;
    }
    rpt = hl_report_build(quarter, &cur, &prev, &ya, rules, err, sizeof err);
    if (!rpt) {
        fprintf(stderr, "hotline report: %s\n", err);
        goto out;
    }
    char *json = hl_report_render(rpt, HL_RPT_FMT_JSON);
    if (!json) {
        fprintf(stderr, "hotline report: out of memory\n");
        goto out;
    }
    int ok = 1;
    int print = o->format >= 0 || (!o->write && !o->emit);
    if (print) {
        int f = o->format >= 0 ? o->format : HL_RPT_FMT_JSON;
        char *s = f == HL_RPT_FMT_JSON ? NULL : hl_report_render(rpt, (hl_report_format_t)f);
        const char *out = f == HL_RPT_FMT_JSON ? json : s;
        if (!out || fputs(out, stdout) == EOF)
            ok = 0;
        free(s);
    }
    if (ok && o->write) {
        static const struct {
            hl_report_format_t fmt;
            const char *ext;
        } files[] = {{HL_RPT_FMT_JSON, ".json"},
                     {HL_RPT_FMT_MARKDOWN, ".md"},
                     {HL_RPT_FMT_CSV, ".csv"},
                     {HL_RPT_FMT_CSV_HOTSPOTS, "-hotspots.csv"},
                     {HL_RPT_FMT_HTML, ".html"}};
        for (size_t i = 0; ok && i < sizeof files / sizeof files[0]; i++) {
            char name[64];
            snprintf(name, sizeof name, "report-%s%s", quarter, files[i].ext);
            char *s = files[i].fmt == HL_RPT_FMT_JSON ? json : hl_report_render(rpt, files[i].fmt);
            if (!s || write_file(o->write_dir, name, s))
                ok = 0;
            if (s != json)
                free(s);
        }
    }
    if (ok && o->emit) {
        if (hl_producer_send(prod, conf->topic_healthcheck, quarter, strlen(quarter), json,
                             strlen(json), err, sizeof err)) {
            fprintf(stderr, "hotline report: publishing to %s: %s\n", conf->topic_healthcheck, err);
            ok = 0;
        }
    }
    free(json);
    rc = ok ? 0 : 1;
out:
    hl_report_destroy(rpt);
    hl_strmap_free(&cur);
    hl_strmap_free(&prev);
    hl_strmap_free(&ya);
    return rc;
}

static int parse_args(int argc, char **argv, hl_cli_common_t *common, opts_t *o) {
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help(stdout);
            return 1;
        } else if (strcmp(a, "--quarter") == 0 && i + 1 < argc) {
            o->quarter = argv[++i];
        } else if (strcmp(a, "--all") == 0) {
            o->all = 1;
        } else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            o->format = strcmp(f, "json") == 0   ? HL_RPT_FMT_JSON
                        : strcmp(f, "md") == 0   ? HL_RPT_FMT_MARKDOWN
                        : strcmp(f, "csv") == 0  ? HL_RPT_FMT_CSV
                        : strcmp(f, "html") == 0 ? HL_RPT_FMT_HTML
                                                 : -2;
            if (o->format == -2) {
                fprintf(stderr, "hotline report: unknown format \"%s\" (json, md, csv or html)\n", f);
                return 2;
            }
        } else if (strcmp(a, "--write") == 0) {
            o->write = 1;
            if (i + 1 < argc && argv[i + 1][0] != '-')
                o->write_dir = argv[++i];
        } else if (strcmp(a, "--emit") == 0) {
            o->emit = 1;
        } else {
            fprintf(stderr, "hotline report: unknown option or missing value \"%s\" (see --help)\n",
                    a);
            return 2;
        }
    }
    int y, qn;
    if (!o->all && !o->quarter) {
        fprintf(stderr, "hotline report: --quarter YYYYQn or --all is required (see --help)\n");
        return 2;
    }
    if (o->quarter && hl_report_quarter_parse(o->quarter, &y, &qn)) {
        fprintf(stderr, "hotline report: bad quarter \"%s\": expected YYYYQn, e.g. 2023Q1\n",
                o->quarter);
        return 2;
    }
    return 0;
}

int hl_cmd_report(int argc, char **argv) {
    hl_cli_common_t common = {0};
    opts_t o = {NULL, 0, -1, NULL, 0, 0};
    int r = parse_args(argc, argv, &common, &o);
    if (r)
        return r == 1 ? 0 : r;
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    char err[HL_ERRSTR_SIZE];
    int rc = 1;
    hl_query_t *q = NULL;
    hl_producer_t *prod = NULL;
    hl_strmap_t quarters = {0};
    const char **names = NULL;
    size_t nnames = 0;
    hl_report_rules_t *rules = hl_report_rules_load(conf->report_rules_path, err, sizeof err);
    if (!rules) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (o.write && !o.write_dir)
        o.write_dir = conf->report_out_dir;
    if (o.write && mkdirs(o.write_dir)) {
        fprintf(stderr, "hotline report: cannot create %s: %s\n", o.write_dir, strerror(errno));
        goto out;
    }
    q = hl_query_from_conf(conf, err, sizeof err);
    if (!q) {
        fprintf(stderr, "hotline report: %s\n", err);
        goto out;
    }
    if (o.emit && !(prod = hl_producer_new(conf, err, sizeof err))) {
        fprintf(stderr, "hotline report: %s\n", err);
        goto out;
    }
    if (o.all) {
        if (hl_query_quarters(q, conf->topic_tickets, &quarters, err, sizeof err)) {
            fprintf(stderr, "hotline report: %s\n", err);
            goto out;
        }
        names = calloc(quarters.count + 1, sizeof *names);
        if (!names)
            goto out;
        for (size_t i = 0; i < quarters.count; i++) {
            const char *k = hl_strmap_key(&quarters, &quarters.entries[i]);
            int y, qn;
            if (hl_report_quarter_parse(k, &y, &qn) == 0)
                names[nnames++] = k;
        }
        qsort(names, nnames, sizeof *names, cmp_str);
        if (nnames == 0) {
            fprintf(stderr, "hotline report: no quarters counted in topic %s\n", conf->topic_tickets);
            goto out;
        }
    } else {
        names = calloc(1, sizeof *names);
        if (!names)
            goto out;
        names[nnames++] = o.quarter;
    }
    rc = 0;
    for (size_t i = 0; i < nnames && rc == 0; i++)
        rc = one_quarter(&o, conf, q, rules, prod, names[i]);
    if (rc == 0 && prod && hl_producer_flush(prod, 30000, err, sizeof err)) {
        fprintf(stderr, "hotline report: publishing to %s: %s\n", conf->topic_healthcheck, err);
        rc = 1;
    }
    if (rc == 0 && o.emit)
        fprintf(stderr, "hotline report: published %zu report%s to %s\n", nnames,
                nnames == 1 ? "" : "s", conf->topic_healthcheck);
out:
    free(names);
    hl_strmap_free(&quarters);
    hl_producer_destroy(prod);
    hl_query_destroy(q);
    hl_report_rules_destroy(rules);
    hl_conf_destroy(conf);
    return rc;
}
