/* cmd_alerts.c: PLACEHOLDER while `hotline alerts` is being written; replaced by its real implementation. */
#include <stdio.h>

#include "cmd/cli.h"

int hl_cmd_alerts(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "hotline alerts: not built yet\n");
    return 1;
}
