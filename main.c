/* main.c: only main(): picks the subcommand. Each subcommand parses its own
 * options, loads the configuration, wires the modules and owns shutdown. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"ingest", hl_cmd_ingest, "consume ticket events from Kafka, classify and count them"},
    {"classify", hl_cmd_classify, "classify ticket events (JSON lines) or one --text"},
    {"keywords", hl_cmd_keywords, "check a keyword table (--check FILE)"},
    {"sample", hl_cmd_sample, "write a realistic sample stream of ticket events"},
    {"publish", hl_cmd_publish, "publish JSON lines to a Kafka topic, keyed by ticket id"},
    {"feed", hl_cmd_feed, "follow the real-time classified feed (--json, --urgent)"},
    {"hotspots", hl_cmd_hotspots, "what is rising, where, against whom: counts over a window"},
    {"alerts", hl_cmd_alerts, "repeat callers, clusters and urgent tickets"},
    {"serve", hl_cmd_serve, "HTTP API and live dashboard for supervisors"},
    {"report", hl_cmd_report, "quarterly health check (季度体检): JSON, Markdown, CSV, HTML"},
    {"counts", hl_cmd_counts, "print the live counts kept in Redis, per quarter"},
    {"config", hl_cmd_config, "print the effective configuration (--check) or its docs"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
    fprintf(out, "usage: hotline <command> [options]   (hotline <command> --help)\n\n"
                 "hotline turns the 12345 business-environment hotline's ticket events\n"
                 "into classified, exactly-once counts.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hotline: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
