/* cmd_report.c: PLACEHOLDER while `hotline report` is being written; replaced by its real implementation. */
#include <stdio.h>

#include "cmd/cli.h"

int hl_cmd_report(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "hotline report: not built yet\n");
    return 1;
}
