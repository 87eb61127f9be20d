/* cmd_sample.c: `hotline sample`: the deterministic sample stream (sample/)
 * written as JSON lines, or published straight to Kafka keyed by ticket id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "common/hl.h"
#include "ingest/kafka.h"
#include "sample/sample.h"

static void help(FILE *out) {
    fprintf(out, "usage: hotline sample [options] [--publish [--topic T]]\n\n"
                 "Generates a realistic, deterministic stream of ticket events (a year of\n"
                 "tickets across all districts and topics with the whole lifecycle,\n"
                 "at-least-once duplicates and a few malformed messages) and writes it as\n"
                 "JSON lines to stdout, or with --publish to topic T (default topic.tickets)\n"
                 "keyed by ticket id. A summary goes to stderr.\n\n"
                 "  --seed N            (default 1)\n"
                 "  --tickets N         tickets to create (default 20000)\n"
                 "  --events N          stop after exactly N messages (default: no limit)\n"
                 "  --year Y --days D   period of the created tickets (default 2023, 365)\n"
                 "  --duplicates R      share of messages re-sent (default 0.02)\n"
                 "  --invalid R         malformed messages per valid one (default 0.001)\n"
                 "  --content-bytes B   approximate content size (default: natural)\n"
                 "  --label             add \"expected\":{\"topic\",\"department\"} to created\n"
                 "                      events (what the text was written for)\n");
    hl_cli_common_help(out);
}

typedef struct sink_s {
    FILE *out;
    hl_producer_t *producer;
    const char *topic;
    char err[HL_ERRSTR_SIZE];
} sink_t;

static int emit(void *opaque, const char *key, size_t key_len, const char *payload, size_t len) {
    sink_t *s = opaque;
    if (s->producer)
        return hl_producer_send(s->producer, s->topic, key, key_len, payload, len, s->err,
                                sizeof s->err) ? 1 : 0;
    if (fwrite(payload, 1, len, s->out) != len || fputc('\n', s->out) == EOF) {
        snprintf(s->err, sizeof s->err, "write: %s", strerror(errno));
        return 1;
    }
    return 0;
}

static int num_opt(const char *name, const char *v, double *out) {
    char *end;
    errno = 0;
    *out = strtod(v, &end);
    if (errno || end == v || *end || *out < 0) {
        fprintf(stderr, "hotline sample: %s expects a non-negative number, got \"%s\"\n", name, v);
        return -1;
    }
    return 0;
}

int hl_cmd_sample(int argc, char **argv) {
    hl_cli_common_t common = {0};
    hl_sample_opts_t opts;
    hl_sample_opts_default(&opts);
    int publish = 0;
    const char *topic = NULL;
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        const char *a = argv[i];
        double v;
        if (strcmp(a, "--publish") == 0) {
            publish = 1;
        } else if (strcmp(a, "--label") == 0) {
            opts.label = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help(stdout);
            return 0;
        } else if (i + 1 < argc && strcmp(a, "--topic") == 0) {
            topic = argv[++i];
        } else if (i + 1 < argc && (strcmp(a, "--seed") == 0 || strcmp(a, "--tickets") == 0 ||
                                    strcmp(a, "--events") == 0 || strcmp(a, "--year") == 0 ||
                                    strcmp(a, "--days") == 0 || strcmp(a, "--duplicates") == 0 ||
                                    strcmp(a, "--invalid") == 0 ||
                                    strcmp(a, "--content-bytes") == 0)) {
            if (num_opt(a, argv[++i], &v))
                return 2;
            if (strcmp(a, "--seed") == 0)
                opts.seed = (uint64_t)v;
            else if (strcmp(a, "--tickets") == 0)
                opts.tickets = (uint64_t)v;
            else if (strcmp(a, "--events") == 0)
                opts.max_events = (uint64_t)v;
            else if (strcmp(a, "--year") == 0)
                opts.start_year = (int)v;
            else if (strcmp(a, "--days") == 0)
                opts.days = (int)v;
            else if (strcmp(a, "--duplicates") == 0)
                opts.duplicate_rate = v;
            else if (strcmp(a, "--invalid") == 0)
                opts.invalid_rate = v;
            else
                opts.content_bytes = (size_t)v;
        } else {
            fprintf(stderr, "hotline sample: unknown option \"%s\"\n", a);
            help(stderr);
            return 2;
        }
    }
    sink_t sink = {stdout, NULL, NULL, ""};
    hl_conf_t *conf = NULL;
    if (publish) {
        conf = hl_cli_load_conf(&common);
        if (!conf)
            return 1;
        sink.topic = topic ? topic : conf->topic_tickets;
        sink.producer = hl_producer_new(conf, sink.err, sizeof sink.err);
        if (!sink.producer) {
            fprintf(stderr, "hotline sample: %s\n", sink.err);
            hl_conf_destroy(conf);
            return 1;
        }
    }
    hl_sample_stats_t st;
    char err[HL_ERRSTR_SIZE];
    int rc = hl_sample_generate_ex(&opts, emit, &sink, &st, err, sizeof err);
    if (rc == 0 && sink.producer && hl_producer_flush(sink.producer, 120000, sink.err, sizeof sink.err))
        rc = 1;
    if (rc) {
        fprintf(stderr, "hotline sample: %s\n", rc < 0 ? err : sink.err);
    } else {
        fprintf(stderr, "sample: %llu messages (%llu bytes) for %llu tickets: created %llu, "
                        "dispatched %llu, resolved %llu, reviewed %llu, reopened %llu, "
                        "duplicates %llu, malformed %llu%s%s\n",
                (unsigned long long)st.messages, (unsigned long long)st.bytes,
                (unsigned long long)st.tickets,
                (unsigned long long)st.events[HL_SAMPLE_EV_CREATED],
                (unsigned long long)st.events[HL_SAMPLE_EV_DISPATCHED],
                (unsigned long long)st.events[HL_SAMPLE_EV_RESOLVED],
                (unsigned long long)st.events[HL_SAMPLE_EV_REVIEWED],
                (unsigned long long)st.events[HL_SAMPLE_EV_REOPENED],
                (unsigned long long)st.duplicates, (unsigned long long)st.invalid,
                sink.topic ? " -> " : "", sink.topic ? sink.topic : "");
    }
    hl_producer_destroy(sink.producer);
    hl_conf_destroy(conf);
    if (!publish && fflush(stdout))
        rc = 1;
    return rc ? 1 : 0;
}
