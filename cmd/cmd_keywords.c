/* cmd_keywords.c: `hotline keywords --check FILE`: validate a keyword table
 * the way the ingester will load it, reporting every problem. */
#include <stdio.h>
#include <string.h>

#include "classify/classify.h"
#include "cmd/cli.h"
#include "common/taxonomy.h"

static void help(FILE *out) {
    fprintf(out, "usage: hotline keywords --check FILE\n\n"
                 "Loads the keyword table FILE (TSV: keyword, topic, department, weight,\n"
                 "flags; see docs/keywords.md), reports every problem as file:line: message\n"
                 "and exits 1, or prints a summary and exits 0.\n");
}

int hl_cmd_keywords(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        } else {
            help(stderr);
            return 2;
        }
    }
    if (!path) {
        help(stderr);
        return 2;
    }
    hl_diag_t diag = {0};
    hl_classifier_opts_t opts = {1.0, 0.0};
    hl_classifier_t *clf = hl_classifier_load(path, &opts, &diag);
    if (!clf) {
        fputs(diag.text ? diag.text : "unknown error\n", stderr);
        fprintf(stderr, "%s: %d problem%s\n", path, diag.count, diag.count == 1 ? "" : "s");
        hl_diag_free(&diag);
        return 1;
    }
    const hl_rules_t *rules = hl_classifier_rules(clf);
    int per_topic[HL_TOPIC_COUNT] = {0}, flag_only = 0, overrides = 0;
    for (size_t i = 0; i < rules->count; i++) {
        if (rules->rules[i].topic == HL_TOPIC_NONE)
            flag_only++;
        else
            per_topic[rules->rules[i].topic]++;
        overrides += rules->rules[i].dept >= 0;
    }
    printf("%s: ok, %zu keywords (%d with a department override, %d flag-only), "
           "version %s, compiled %zu bytes\n",
           path, rules->count, overrides, flag_only, rules->version,
           hl_classifier_db_size(clf));
    for (int t = 0; t < HL_TOPIC_OTHER; t++)
        if (per_topic[t] == 0)
            printf("warning: topic %s has no keywords\n", hl_topics[t].code);
    hl_classifier_destroy(clf);
    return 0;
}
