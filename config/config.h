/* config.h: hotline's configuration, defined once as a property table
 * (name, type, default, range, description, field). From the table come the
 * defaults, `--help` text, `hotline config --check` and docs/configuration.md.
 * Precedence, applied by the caller in this order: defaults < file < env
 * (HOTLINE_<KEY>, dots as underscores) < command line (-X key=value).
 * Keys `kafka.*` pass through to librdkafka unchanged (SASL and TLS need no
 * code); `redis.*` configure the Redis connection. No librdkafka/hiredis
 * calls here: pure code plus one file-reading wrapper. */
#ifndef HL_CONFIG_H
#define HL_CONFIG_H

#include <stdint.h>
#include <stdio.h>

typedef enum hl_conf_res_e {
    HL_CONF_OK = 0,
    HL_CONF_UNKNOWN = -1, /* no such key */
    HL_CONF_INVALID = -2, /* bad value for the key */
} hl_conf_res_t;

typedef struct hl_conf_s {
    /* topics */
    char *topic_tickets;
    char *topic_deadletter;
    char *topic_healthcheck;
    char *topic_classified;
    char *topic_alerts;
    /* redis.* */
    char *redis_host;
    int64_t redis_port;
    char *redis_user;
    char *redis_password;
    int64_t redis_timeout_ms;
    /* classify.* */
    char *keywords_path;
    double title_weight;
    double min_score;
    /* ingest.* */
    int64_t batch_size;
    int64_t batch_max_ms;
    int64_t stats_interval_s;
    int64_t due_days;
    int64_t max_message_bytes;
    int64_t metrics_port;
    /* report.* */
    char *report_rules_path;
    int64_t report_grace_days;
    char *report_out_dir;
    /* serve.* */
    char *serve_bind;
    int64_t serve_port;
    char *serve_token;
    /* alerts.* */
    char *alerts_hash_key;
    int64_t alerts_repeat_days;
    int64_t alerts_cluster_callers;
    /* kafka.* pass-through pairs, in the order set; a later set of the same
     * key replaces the earlier value. */
    size_t kafka_count;
    char **kafka_keys;
    char **kafka_values;
} hl_conf_t;

/* @returns a new configuration holding the defaults, or NULL when out of
 * memory; free with hl_conf_destroy(). */
hl_conf_t *hl_conf_new(void);

/* Frees @p conf and every string it owns; NULL is allowed. */
void hl_conf_destroy(hl_conf_t *conf);

/* Sets one key from its text value (copied).
 * @returns HL_CONF_OK, or HL_CONF_UNKNOWN / HL_CONF_INVALID with a message
 * naming the key in errstr. */
hl_conf_res_t hl_conf_set(hl_conf_t *conf, const char *key, const char *value,
                          char *errstr, size_t errstr_size);

/* Applies "key = value" lines from buf[0..len) (pure: no I/O). Lines may be
 * blank or start with '#'. Stops at the first problem.
 * @returns 0, or -1 with "source:line: message" in errstr. */
int hl_conf_load_buf(hl_conf_t *conf, const char *buf, size_t len,
                     const char *source, char *errstr, size_t errstr_size);

/* Reads @p path and applies it with hl_conf_load_buf().
 * @returns 0, or -1 with "path:line: message" (or the open error). */
int hl_conf_load_file(hl_conf_t *conf, const char *path, char *errstr,
                      size_t errstr_size);

/* Applies environment variables HOTLINE_<KEY> (upper case, '.' as '_') for
 * every table key and for a fixed list of kafka.* keys (bootstrap.servers,
 * security.protocol, sasl.mechanism, sasl.username, sasl.password,
 * ssl.ca.location).
 * @p envp is a NULL-terminated "NAME=value" array (pass `environ`).
 * @returns 0, or -1 with "env NAME: message" in errstr. */
int hl_conf_load_env(hl_conf_t *conf, char *const *envp, char *errstr,
                     size_t errstr_size);

/* @returns the kafka.* pass-through value for @p name (without "kafka."),
 * borrowed from conf, or NULL when unset. */
const char *hl_conf_kafka_get(const hl_conf_t *conf, const char *name);

/* Writes the effective configuration as "key = value" lines, secrets
 * (passwords, tokens, keys) masked as "***". */
void hl_conf_dump(const hl_conf_t *conf, FILE *out);

/* Writes the table as help text ("  key (type, default X): description"). */
void hl_conf_help(FILE *out);

/* Writes docs/configuration.md from the table. */
void hl_conf_doc_markdown(FILE *out);

/* @returns 1 when a value of @p key must never be printed in clear. */
int hl_conf_is_secret(const char *key);

/* Shortest alerts.hash.key taken as a secret. */
#define HL_CONF_HASH_KEY_MIN 16

/* @returns 1 when alerts.hash.key is no secret: the default (published in
 * this source) or shorter than HL_CONF_HASH_KEY_MIN bytes. Under such a key
 * a stored identity hash gives the phone or credit code back to anyone who
 * hashes every possible number (about 10^10 SipHash calls: minutes). */
int hl_conf_hash_key_weak(const hl_conf_t *conf);

#endif
