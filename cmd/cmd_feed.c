/* cmd_feed.c: `hotline feed`: follows the classified feed (topic.classified)
 * and prints one line per ticket for a person, or the JSON with --json. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "common/hl.h"
#include "common/taxonomy.h"
#include "ingest/kafka.h"

static volatile sig_atomic_t run = 1;
static void on_stop(int sig) {
    (void)sig;
    run = 0;
}

static void help(FILE *out) {
    fprintf(out, "usage: hotline feed [options]\n\n"
                 "Follows topic.classified: one line per new ticket (time, district, topic,\n"
                 "department, flags) and per status change, as they arrive.\n\n"
                 "  --json             print the messages as JSON lines\n"
                 "  --urgent           only tickets flagged urgent\n"
                 "  --from-beginning   start at the oldest message (default: new ones only)\n"
                 "  --until-end        exit once everything so far has been printed\n");
    hl_cli_common_help(out);
}

static const char *str(json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int code_index(const char *code, const hl_label_t *labels, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(labels[i].code, code) == 0)
            return i;
    return -1;
}

/* One line for a person: "2023-02-15 09:31  京口区  行政审批效率  → 市行政审批局  [urgent]  id". */
static void print_human(json_t *o) {
    const char *ts = str(o, "ts");
    int dept = code_index(str(o, "department"), hl_depts, HL_DEPT_COUNT);
    const char *dept_zh = dept >= 0 ? hl_depts[dept].name_zh : str(o, "department");
    if (strcmp(str(o, "type"), "ticket") == 0) {
        int d = code_index(str(o, "district"), hl_districts, HL_DISTRICT_COUNT);
        int t = hl_topic_find(str(o, "topic"), strlen(str(o, "topic")));
        char flags[64] = "";
        json_t *f;
        size_t i;
        json_array_foreach(json_object_get(o, "flags"), i, f) {
            size_t l = strlen(flags);
            snprintf(flags + l, sizeof flags - l, "%s%s", l ? "," : "[", json_string_value(f));
        }
        if (*flags)
            strncat(flags, "]", sizeof flags - strlen(flags) - 1);
        printf("%.10s %.5s  %-8s %-12s → %s  %s %s\n", ts, ts + 11,
               d >= 0 ? hl_districts[d].name_zh : "?", t >= 0 ? hl_topics[t].name_zh : "?",
               dept_zh, flags, str(o, "id"));
    } else {
        printf("%.10s %.5s  %s %s → %s (%s)\n", ts, ts + 11, str(o, "id"), str(o, "event"), dept_zh,
               str(o, "status"));
    }
}

static int is_urgent(json_t *o) {
    json_t *f;
    size_t i;
    json_array_foreach(json_object_get(o, "flags"), i, f)
        if (strcmp(json_string_value(f), "urgent") == 0)
            return 1;
    return 0;
}

int hl_cmd_feed(int argc, char **argv) {
    hl_cli_common_t common = {0};
    int as_json = 0, urgent = 0, from_beginning = 0, until_end = 0;
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "--urgent") == 0)
            urgent = 1;
        else if (strcmp(argv[i], "--from-beginning") == 0)
            from_beginning = 1;
        else if (strcmp(argv[i], "--until-end") == 0)
            until_end = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        } else {
            fprintf(stderr, "hotline feed: unknown option \"%s\"\n", argv[i]);
            help(stderr);
            return 2;
        }
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    char err[HL_ERRSTR_SIZE];
    hl_reader_t *r = hl_reader_new(conf, conf->topic_classified, from_beginning, err, sizeof err);
    if (!r) {
        fprintf(stderr, "hotline feed: %s\n", err);
        hl_conf_destroy(conf);
        return 1;
    }
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    int rc = 0;
    while (run) {
        hl_kmsg_t m;
        int at_end = 0;
        int got = hl_reader_poll(r, 200, &m, &at_end, err, sizeof err);
        if (got < 0) {
            fprintf(stderr, "hotline feed: %s\n", err);
            rc = 1;
            break;
        }
        if (got == 0) {
            if (until_end && at_end)
                break;
            continue;
        }
        json_error_t jerr;
        json_t *o = json_loadb(m.payload, m.len, 0, &jerr);
        if (o && (!urgent || is_urgent(o))) {
            if (as_json)
                printf("%.*s\n", (int)m.len, m.payload);
            else
                print_human(o);
            fflush(stdout);
        }
        json_decref(o);
        hl_kafka_msg_done(&m);
    }
    hl_reader_destroy(r);
    hl_conf_destroy(conf);
    return rc;
}
