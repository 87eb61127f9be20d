/* test_config.c: the property table, file parsing, env and precedence. */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/unit.h"

static int test_config_defaults_and_set(void) {
    int fails = 0;
    hl_conf_t *conf = hl_conf_new();
    char err[512];
    TEST_STREQ(conf->topic_tickets, "hotline.tickets");
    TEST_ASSERT(conf->redis_port == 16379, "port %lld", (long long)conf->redis_port);
    TEST_STREQ(hl_conf_kafka_get(conf, "bootstrap.servers"), "127.0.0.1:19092");
    /* the consumer's prefetch and the refresh that wakes its fetcher (without
     * it librdkafka 2.0.2 starved the ingester), and the metadata age that
     * must not follow the refresh down to 150 ms */
    TEST_STREQ(hl_conf_kafka_get(conf, "queued.max.messages.kbytes"), "8192");
    TEST_STREQ(hl_conf_kafka_get(conf, "topic.metadata.refresh.interval.ms"), "50");
    TEST_STREQ(hl_conf_kafka_get(conf, "metadata.max.age.ms"), "900000");
    TEST_ASSERT(hl_conf_set(conf, "kafka.topic.metadata.refresh.interval.ms", "200", err,
                            sizeof err) == HL_CONF_OK, "%s", err);
    TEST_STREQ(hl_conf_kafka_get(conf, "topic.metadata.refresh.interval.ms"), "200");
    TEST_ASSERT(hl_conf_set(conf, "redis.port", "6380", err, sizeof err) == HL_CONF_OK, "%s", err);
    TEST_ASSERT(conf->redis_port == 6380, "set");
    TEST_ASSERT(hl_conf_set(conf, "redis.port", "70000", err, sizeof err) == HL_CONF_INVALID, "range");
    TEST_ASSERT(strstr(err, "redis.port") != NULL, "message names the key: %s", err);
    TEST_ASSERT(hl_conf_set(conf, "redis.port", "12x", err, sizeof err) == HL_CONF_INVALID, "junk");
    TEST_ASSERT(hl_conf_set(conf, "classify.min_score", "1.5", err, sizeof err) == HL_CONF_OK, "dbl");
    TEST_ASSERT(conf->min_score == 1.5, "min_score");
    TEST_ASSERT(hl_conf_set(conf, "no.such", "1", err, sizeof err) == HL_CONF_UNKNOWN, "unknown");
    TEST_STREQ(err, "No such configuration property: \"no.such\"");
    TEST_ASSERT(hl_conf_set(conf, "kafka.sasl.password", "s3cret", err, sizeof err) == HL_CONF_OK, "kafka");
    TEST_ASSERT(hl_conf_set(conf, "kafka.bootstrap.servers", "h:1", err, sizeof err) == HL_CONF_OK, "kafka");
    TEST_STREQ(hl_conf_kafka_get(conf, "bootstrap.servers"), "h:1");
    hl_conf_destroy(conf);
    return fails;
}

static int test_config_file_errors(void) {
    int fails = 0;
    hl_conf_t *conf = hl_conf_new();
    char err[512];
    const char *good = "# comment\n\n  redis.host = example \r\ningest.batch.size=10\nkafka.acks = all\n";
    TEST_ASSERT(hl_conf_load_buf(conf, good, strlen(good), "a.conf", err, sizeof err) == 0, "%s", err);
    TEST_STREQ(conf->redis_host, "example");
    TEST_ASSERT(conf->batch_size == 10, "batch");
    TEST_STREQ(hl_conf_kafka_get(conf, "acks"), "all");
    const char *bad1 = "redis.host = x\n\nredis.colour = blue\n";
    TEST_ASSERT(hl_conf_load_buf(conf, bad1, strlen(bad1), "b.conf", err, sizeof err) == -1, "unknown key");
    TEST_STREQ(err, "b.conf:3: No such configuration property: \"redis.colour\"");
    const char *bad2 = "ingest.batch.size = 0\n";
    TEST_ASSERT(hl_conf_load_buf(conf, bad2, strlen(bad2), "c.conf", err, sizeof err) == -1, "range");
    TEST_ASSERT(strncmp(err, "c.conf:1: \"ingest.batch.size\"", 29) == 0, "%s", err);
    const char *bad3 = "just words\n";
    TEST_ASSERT(hl_conf_load_buf(conf, bad3, strlen(bad3), "d.conf", err, sizeof err) == -1, "no =");
    TEST_STREQ(err, "d.conf:1: expected \"key = value\"");
    TEST_ASSERT(hl_conf_load_file(conf, "/nonexistent/x.conf", err, sizeof err) == -1, "missing file");
    hl_conf_destroy(conf);
    return fails;
}

static int test_config_env_and_mask(void) {
    int fails = 0;
    hl_conf_t *conf = hl_conf_new();
    char err[512];
    char *envp[] = {"PATH=/bin", "HOTLINE_REDIS_PORT=7000", "HOTLINE_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:5",
                    "HOTLINE_REDIS_PASSWORD=pw", "HOTLINE_KAFKA_SASL_PASSWORD=kpw",
                    "HOTLINE_KAFKA_PORT=29092" /* scripts/services' own: not a kafka.* key */, NULL};
    TEST_ASSERT(hl_conf_load_env(conf, envp, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(conf->redis_port == 7000, "env port");
    TEST_STREQ(hl_conf_kafka_get(conf, "bootstrap.servers"), "127.0.0.1:5");
    TEST_ASSERT(hl_conf_kafka_get(conf, "port") == NULL, "HOTLINE_KAFKA_PORT taken as kafka.port");
    char *bad[] = {"HOTLINE_REDIS_PORT=x", NULL};
    TEST_ASSERT(hl_conf_load_env(conf, bad, err, sizeof err) == -1, "bad env");
    TEST_ASSERT(strncmp(err, "env HOTLINE_REDIS_PORT:", 23) == 0, "%s", err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hl_conf_dump(conf, f);
    fclose(f);
    TEST_ASSERT(strstr(buf, "redis.password = ***\n") != NULL, "masked redis");
    TEST_ASSERT(strstr(buf, "kafka.sasl.password = ***\n") != NULL, "masked kafka");
    TEST_ASSERT(strstr(buf, "pw\n") == NULL, "no secret in clear:\n%s", buf);
    free(buf);
    hl_conf_destroy(conf);
    return fails;
}

/* docs/configuration.md is generated from the table: it must not be stale. */
static int test_config_doc_current(void) {
    int fails = 0;
    char *gen = NULL;
    size_t glen = 0;
    FILE *f = open_memstream(&gen, &glen);
    hl_conf_doc_markdown(f);
    fclose(f);
    FILE *d = fopen(HL_SOURCE_DIR "/docs/configuration.md", "r");
    TEST_ASSERT(d, "docs/configuration.md missing");
    if (d) {
        char *doc = malloc(glen + 2);
        size_t n = fread(doc, 1, glen + 1, d);
        fclose(d);
        TEST_ASSERT(n == glen && memcmp(doc, gen, glen) == 0,
                    "docs/configuration.md is stale: run build/hotline config --doc > docs/configuration.md");
        free(doc);
    }
    free(gen);
    return fails;
}

/* config/hotline.conf, the shipped file, loads. */
static int test_config_shipped_file(void) {
    int fails = 0;
    hl_conf_t *conf = hl_conf_new();
    char err[512];
    TEST_ASSERT(hl_conf_load_file(conf, HL_SOURCE_DIR "/config/hotline.conf", err, sizeof err) == 0, "%s", err);
    hl_conf_destroy(conf);
    return fails;
}

/* A stored identity hash is only as secret as alerts.hash.key: the default
 * and short keys are reported weak (the ingester warns). */
static int test_config_hash_key_weak(void) {
    int fails = 0;
    hl_conf_t *conf = hl_conf_new();
    char err[512];
    TEST_ASSERT(hl_conf_hash_key_weak(conf), "the published default is weak");
    TEST_ASSERT(hl_conf_set(conf, "alerts.hash.key", "s3cret-but-short", err, sizeof err) == HL_CONF_OK, "%s", err);
    TEST_ASSERT(!hl_conf_hash_key_weak(conf), "16 bytes are enough");
    TEST_ASSERT(hl_conf_set(conf, "alerts.hash.key", "s3cret-but-shor", err, sizeof err) == HL_CONF_OK, "%s", err);
    TEST_ASSERT(hl_conf_hash_key_weak(conf), "15 bytes are weak");
    TEST_ASSERT(hl_conf_set(conf, "alerts.hash.key", "", err, sizeof err) == HL_CONF_OK, "%s", err);
    TEST_ASSERT(hl_conf_hash_key_weak(conf), "an empty key is weak");
    TEST_ASSERT(hl_conf_set(conf, "alerts.hash.key", "f1c8a0d2e9b47a3c55e1d0b6a7c2e913", err, sizeof err) == HL_CONF_OK,
                "%s", err);
    TEST_ASSERT(!hl_conf_hash_key_weak(conf), "a random key is not weak");
    hl_conf_destroy(conf);
    return fails;
}

const hl_unit_test_t hl_unit_tests_config[] = {
    {"config_hash_key_weak", test_config_hash_key_weak},
    {"config_defaults_and_set", test_config_defaults_and_set},
    {"config_file_errors", test_config_file_errors},
    {"config_env_and_mask", test_config_env_and_mask},
    {"config_doc_current", test_config_doc_current},
    {"config_shipped_file", test_config_shipped_file},
    {NULL, NULL},
};
