/* cmd_config.c: `hotline config`: the effective configuration, its help and
 * its generated documentation. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"

static void help(FILE *out) {
    fprintf(out, "usage: hotline config [--check | --doc] [-c FILE] [-X key=value]...\n\n"
                 "  --check   load the configuration (file < env < -X), report the first\n"
                 "            error as file:line: message, else print every key's\n"
                 "            effective value with secrets masked\n"
                 "  --doc     print docs/configuration.md, generated from the table\n");
    hl_cli_common_help(out);
    fprintf(out, "\nkeys:\n");
    hl_conf_help(out);
}

int hl_cmd_config(int argc, char **argv) {
    hl_cli_common_t common = {0};
    int doc = 0;
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--doc") == 0) {
            doc = 1;
        } else if (strcmp(argv[i], "--check") == 0) {
            doc = 0;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        } else {
            fprintf(stderr, "hotline config: unknown option \"%s\"\n", argv[i]);
            help(stderr);
            return 2;
        }
    }
    if (doc) {
        hl_conf_doc_markdown(stdout);
        return 0;
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    hl_conf_dump(conf, stdout);
    hl_conf_destroy(conf);
    return 0;
}
