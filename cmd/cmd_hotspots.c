/* cmd_hotspots.c: PLACEHOLDER while `hotline hotspots` is being written; replaced by its real implementation. */
#include <stdio.h>

#include "cmd/cli.h"

int hl_cmd_hotspots(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "hotline hotspots: not built yet\n");
    return 1;
}
