/* fuzz_config.c: libFuzzer target for the configuration file parser,
 * hl_conf_load_buf() (config/config.h), on arbitrary bytes. Every input
 * starts from fresh defaults; after a successful load the effective
 * configuration is dumped (secrets masked) to exercise every value, and
 * every table value must still lie in its range. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl.h"
#include "config/config.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    hl_conf_t *conf = hl_conf_new();
    CHECK(conf);
    char err[HL_ERRSTR_SIZE];
    err[0] = '\0';
    int r = hl_conf_load_buf(conf, (const char *)data, size, "fuzz.conf", err, sizeof err);
    if (r) {
        CHECK(r == -1 && strncmp(err, "fuzz.conf:", 10) == 0);
    } else {
        CHECK(conf->redis_port >= 1 && conf->redis_port <= 65535);
        CHECK(conf->serve_port >= 1 && conf->serve_port <= 65535);
        CHECK(conf->metrics_port >= 0 && conf->metrics_port <= 65535);
        CHECK(conf->batch_size >= 1 && conf->batch_size <= 1000000);
        CHECK(conf->max_message_bytes >= 1024);
        CHECK(conf->title_weight >= 0 && conf->title_weight <= 100);
        CHECK(conf->min_score >= 0 && conf->min_score <= 10000);
        CHECK(conf->topic_tickets && conf->redis_host && conf->keywords_path);
        for (size_t i = 0; i < conf->kafka_count; i++) {
            CHECK(conf->kafka_keys[i][0] != '\0');
            CHECK(hl_conf_kafka_get(conf, conf->kafka_keys[i]) == conf->kafka_values[i]);
        }
        hl_conf_dump(conf, devnull);
    }
    hl_conf_destroy(conf);
    return 0;
}
