/* cmd_publish.c: `hotline publish`: JSON lines to a Kafka topic, each keyed
 * by its "id" member (the ticket id), for loading sample or replayed streams. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "common/hl.h"
#include "ingest/kafka.h"

static void help(FILE *out) {
    fprintf(out, "usage: hotline publish [options] [--topic T] [FILE...]\n\n"
                 "Publishes each line of FILE (stdin when none) as one message to topic T\n"
                 "(default topic.tickets), keyed by the line's \"id\" member when it has one.\n"
                 "Waits for every delivery; exits 1 if any failed.\n");
    hl_cli_common_help(out);
}

/* The value of the first "id":"..." member, or none (lines may be invalid on purpose). */
static const char *find_id(const char *line, size_t len, size_t *id_len) {
    const char *p = line, *end = line + len;
    while ((p = memmem(p, (size_t)(end - p), "\"id\"", 4)) != NULL) {
        const char *q = p + 4;
        while (q < end && (*q == ' ' || *q == ':'))
            q++;
        if (q < end && *q == '"') {
            const char *e = memchr(q + 1, '"', (size_t)(end - q - 1));
            if (e && e - q - 1 <= 64) {
                *id_len = (size_t)(e - q - 1);
                return q + 1;
            }
        }
        p += 4;
    }
    *id_len = 0;
    return NULL;
}

int hl_cmd_publish(int argc, char **argv) {
    hl_cli_common_t common = {0};
    const char *topic = NULL;
    const char *files[64];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--topic") == 0 && i + 1 < argc) {
            topic = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hotline publish: unknown option \"%s\"\n", argv[i]);
            return 2;
        } else if (nfiles < 64) {
            files[nfiles++] = argv[i];
        }
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    if (!topic)
        topic = conf->topic_tickets;
    char err[HL_ERRSTR_SIZE];
    hl_producer_t *p = hl_producer_new(conf, err, sizeof err);
    if (!p) {
        fprintf(stderr, "hotline publish: %s\n", err);
        hl_conf_destroy(conf);
        return 1;
    }
    long sent = 0;
    int status = 0;
    char *line = NULL;
    size_t cap = 0;
    for (int f = 0; f < (nfiles ? nfiles : 1) && status == 0; f++) {
        FILE *in = nfiles ? fopen(files[f], "r") : stdin;
        if (!in) {
            perror(files[f]);
            status = 1;
            break;
        }
        ssize_t n;
        while ((n = getline(&line, &cap, in)) >= 0) {
            size_t len = (size_t)n;
            if (len && line[len - 1] == '\n')
                len--;
            size_t id_len;
            const char *id = find_id(line, len, &id_len);
            if (hl_producer_send(p, topic, id, id_len, line, len, err, sizeof err)) {
                fprintf(stderr, "hotline publish: %s\n", err);
                status = 1;
                break;
            }
            sent++;
        }
        if (in != stdin)
            fclose(in);
    }
    free(line);
    if (hl_producer_flush(p, 60000, err, sizeof err)) {
        fprintf(stderr, "hotline publish: %s\n", err);
        status = 1;
    }
    hl_producer_destroy(p);
    if (status == 0)
        fprintf(stderr, "published %ld messages to %s\n", sent, topic);
    hl_conf_destroy(conf);
    return status;
}
