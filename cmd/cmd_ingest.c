/* cmd_ingest.c: `hotline ingest`: signals, configuration, the ingester. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "classify/classify.h"
#include "cmd/cli.h"
#include "common/hl.h"
#include "ingest/event.h"
#include "ingest/ingester.h"

static volatile sig_atomic_t run = 1;
static volatile sig_atomic_t reload = 0;

static void on_stop(int sig) {
    (void)sig;
    run = 0;
}
static void on_hup(int sig) {
    (void)sig;
    reload = 1;
}

static void help(FILE *out) {
    fprintf(out, "usage: hotline ingest [options]\n\n"
                 "Consumes ticket events from topic.tickets in consumer group kafka.group.id,\n"
                 "dead-letters bad messages (topic.deadletter, with the reason in headers),\n"
                 "classifies created tickets with classify.keywords, and keeps the counts in\n"
                 "Redis exactly once. SIGTERM/SIGINT stop it cleanly; SIGHUP reloads the\n"
                 "keyword table between batches (a broken table is refused and logged).\n\n"
                 "  --until-caught-up   exit once every assigned partition is consumed to its\n"
                 "                      end and written (for batch jobs and tests)\n");
    hl_cli_common_help(out);
}

int hl_cmd_ingest(int argc, char **argv) {
    hl_cli_common_t common = {0};
    int until_caught_up = 0;
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--until-caught-up") == 0) {
            until_caught_up = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        } else {
            fprintf(stderr, "hotline ingest: unknown option \"%s\"\n", argv[i]);
            help(stderr);
            return 2;
        }
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    hl_classifier_opts_t opts = {conf->title_weight, conf->min_score};
    hl_diag_t diag = {0};
    hl_classifier_t *clf = hl_classifier_load(conf->keywords_path, &opts, &diag);
    if (!clf) {
        fputs(diag.text ? diag.text : "cannot load the keyword table\n", stderr);
        hl_diag_free(&diag);
        hl_conf_destroy(conf);
        return 1;
    }
    char err[HL_ERRSTR_SIZE];
    hl_ingester_t *ing = hl_ingester_new(conf, clf, err, sizeof err);
    if (!ing) {
        fprintf(stderr, "hotline ingest: %s\n", err);
        hl_classifier_destroy(clf);
        hl_conf_destroy(conf);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    int rc = hl_ingester_run(ing, &run, &reload, until_caught_up);
    hl_ingest_totals_t t;
    hl_ingester_totals(ing, &t);
    hl_ingester_destroy(ing);
    printf("ingested %llu messages: created %llu, dispatched %llu, resolved %llu, reviewed %llu, "
           "reopened %llu; dead-lettered %llu; %llu batches, %llu Redis round trips "
           "(%.4f per message)\n",
           (unsigned long long)t.messages, (unsigned long long)t.by_type[HL_EV_CREATED],
           (unsigned long long)t.by_type[HL_EV_DISPATCHED],
           (unsigned long long)t.by_type[HL_EV_RESOLVED],
           (unsigned long long)t.by_type[HL_EV_REVIEWED],
           (unsigned long long)t.by_type[HL_EV_REOPENED], (unsigned long long)t.deadlettered,
           (unsigned long long)t.batches, (unsigned long long)t.redis_round_trips,
           t.messages ? (double)t.redis_round_trips / (double)t.messages : 0.0);
    printf("writer: %.3f s waiting for Redis, %.3f s lifecycle, %.3f s waiting for Kafka, "
           "%.3f s sending; the consumer waited %.3f s for it\n",
           (double)t.writer_us[HL_STAGE_REDIS] / 1e6, (double)t.writer_us[HL_STAGE_LIFECYCLE] / 1e6,
           (double)t.writer_us[HL_STAGE_KAFKA] / 1e6, (double)t.writer_us[HL_STAGE_COMMIT] / 1e6,
           (double)t.consumer_wait_us / 1e6);
    hl_conf_destroy(conf);
    return rc ? 1 : 0;
}
