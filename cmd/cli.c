/* cli.c: configuration loading shared by every subcommand. */
#include "cmd/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hl.h"

extern char **environ;

#define DEFAULT_CONF "config/hotline.conf"

int hl_cli_common_opt(hl_cli_common_t *common, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    if (strcmp(a, "-c") != 0 && strcmp(a, "--config") != 0 && strcmp(a, "-X") != 0)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "hotline: %s needs a value\n", a);
        return -1;
    }
    const char *v = argv[++*i];
    if (strcmp(a, "-X") == 0) {
        if (!strchr(v, '=')) {
            fprintf(stderr, "hotline: -X expects key=value, got \"%s\"\n", v);
            return -1;
        }
        if (common->nsets == (int)(sizeof common->sets / sizeof common->sets[0])) {
            fprintf(stderr, "hotline: too many -X options\n");
            return -1;
        }
        common->sets[common->nsets++] = v;
    } else {
        common->conf_path = v;
    }
    return 1;
}

hl_conf_t *hl_cli_load_conf(const hl_cli_common_t *common) {
    char errstr[HL_ERRSTR_SIZE];
    hl_conf_t *conf = hl_conf_new();
    if (!conf) {
        fprintf(stderr, "hotline: out of memory\n");
        return NULL;
    }
    const char *path = common->conf_path;
    if (!path && access(DEFAULT_CONF, R_OK) == 0)
        path = DEFAULT_CONF;
    if (path && hl_conf_load_file(conf, path, errstr, sizeof errstr))
        goto fail;
    if (hl_conf_load_env(conf, environ, errstr, sizeof errstr))
        goto fail;
    for (int i = 0; i < common->nsets; i++) {
        const char *eqp = strchr(common->sets[i], '=');
        char key[256];
        size_t klen = (size_t)(eqp - common->sets[i]);
        if (klen >= sizeof key)
            klen = sizeof key - 1;
        memcpy(key, common->sets[i], klen);
        key[klen] = '\0';
        char msg[HL_ERRSTR_SIZE];
        if (hl_conf_set(conf, key, eqp + 1, msg, sizeof msg)) {
            fprintf(stderr, "hotline: -X %s: %s\n", key, msg);
            hl_conf_destroy(conf);
            return NULL;
        }
    }
    return conf;
fail:
    fprintf(stderr, "hotline: %s\n", errstr);
    hl_conf_destroy(conf);
    return NULL;
}

void hl_cli_common_help(FILE *out) {
    fprintf(out, "  -c, --config FILE   configuration file (default %s when present)\n"
                 "  -X key=value        set a configuration key (see `hotline config --help`)\n"
                 "  -h, --help          this help\n",
            DEFAULT_CONF);
}
