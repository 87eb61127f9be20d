/* cli.h: what the subcommands share: loading the configuration in its fixed
 * order (defaults < file < env < -X) and the subcommand entry points. */
#ifndef HL_CLI_H
#define HL_CLI_H

#include "config/config.h"

/* Options every subcommand accepts. */
typedef struct hl_cli_common_s {
    const char *conf_path; /* -c FILE; NULL = config/hotline.conf if present */
    int nsets;
    const char *sets[64];  /* -X key=value, in order */
} hl_cli_common_t;

/* Handles "-c FILE" and "-X key=value" at argv[*i] (advancing *i).
 * @returns 1 when consumed, 0 when not a common option, -1 on error (printed). */
int hl_cli_common_opt(hl_cli_common_t *common, int argc, char **argv, int *i);

/* Builds the effective configuration from @p common.
 * @returns a new hl_conf_t (free with hl_conf_destroy()) or NULL after
 * printing "file:line: message" to stderr. */
hl_conf_t *hl_cli_load_conf(const hl_cli_common_t *common);

/* Prints the options every subcommand accepts. */
void hl_cli_common_help(FILE *out);

int hl_cmd_config(int argc, char **argv);
int hl_cmd_classify(int argc, char **argv);
int hl_cmd_keywords(int argc, char **argv);
int hl_cmd_ingest(int argc, char **argv);
int hl_cmd_sample(int argc, char **argv);
int hl_cmd_publish(int argc, char **argv);
int hl_cmd_counts(int argc, char **argv);
int hl_cmd_feed(int argc, char **argv);
int hl_cmd_report(int argc, char **argv);
int hl_cmd_hotspots(int argc, char **argv);
int hl_cmd_alerts(int argc, char **argv);
int hl_cmd_serve(int argc, char **argv);

#endif
