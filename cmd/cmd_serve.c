/* cmd_serve.c: PLACEHOLDER while `hotline serve` is being written; replaced by its real implementation. */
#include <stdio.h>

#include "cmd/cli.h"

int hl_cmd_serve(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "hotline serve: not built yet\n");
    return 1;
}
