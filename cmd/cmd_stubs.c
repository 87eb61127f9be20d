#include "cmd/cli.h"

int hl_cmd_sample(int argc, char **argv) { (void)argc; (void)argv; return 1; }

