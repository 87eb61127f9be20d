/* config.c: the property table and everything derived from it. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl.h"

typedef enum { T_STR, T_INT, T_DBL } prop_type_t;

typedef struct prop_s {
    const char *name;
    prop_type_t type;
    const char *def;
    double min, max; /* for T_INT and T_DBL */
    size_t offset;
    const char *desc;
} prop_t;

#define F(field) offsetof(hl_conf_t, field)
/* alerts.hash.key's default: for development only, since anyone can read it
 * here (hl_conf_hash_key_weak). */
#define DEV_HASH_KEY "hotline-dev-key-change-me"

/* The one definition of every key. Keep descriptions one sentence: they are
 * the --help text and docs/configuration.md. */
static const prop_t props[] = {
    {"topic.tickets", T_STR, "hotline.tickets", 0, 0, F(topic_tickets),
     "Kafka topic the ticket events are consumed from."},
    {"topic.deadletter", T_STR, "hotline.deadletter", 0, 0, F(topic_deadletter),
     "Kafka topic rejected messages go to, original bytes plus reason headers."},
    {"topic.healthcheck", T_STR, "hotline.healthcheck", 0, 0,
     F(topic_healthcheck), "Kafka topic quarterly health-check reports go to."},
    {"topic.classified", T_STR, "hotline.classified", 0, 0, F(topic_classified),
     "Kafka topic of the real-time classified feed."},
    {"topic.alerts", T_STR, "hotline.alerts", 0, 0, F(topic_alerts),
     "Kafka topic each new alert (repeat caller, cluster, urgent) goes to."},
    {"redis.host", T_STR, "127.0.0.1", 0, 0, F(redis_host),
     "Redis server host."},
    {"redis.port", T_INT, "16379", 1, 65535, F(redis_port),
     "Redis server port."},
    {"redis.user", T_STR, "", 0, 0, F(redis_user),
     "Redis ACL user hotline authenticates as (AUTH user password); empty: the default user."},
    {"redis.password", T_STR, "", 0, 0, F(redis_password),
     "Redis password (AUTH); empty for none. Never printed."},
    {"redis.timeout.ms", T_INT, "2000", 1, 600000, F(redis_timeout_ms),
     "Redis connect and command timeout in milliseconds."},
    {"classify.keywords", T_STR, "config/keywords.tsv", 0, 0, F(keywords_path),
     "Keyword table (TSV) the classifier loads; reloaded on SIGHUP."},
    {"classify.title_weight", T_DBL, "1.5", 0, 100, F(title_weight),
     "Factor applied to the weight of a keyword found in the title."},
    {"classify.min_score", T_DBL, "3", 0, 10000, F(min_score),
     "Below this score a ticket is OTHER (manual triage at the hotline office)."},
    {"ingest.batch.size", T_INT, "5000", 1, 1000000, F(batch_size),
     "Most events applied in one batch (one Redis transaction)."},
    {"ingest.batch.max.ms", T_INT, "200", 1, 60000, F(batch_max_ms),
     "Longest time an event waits in an open batch, in milliseconds."},
    {"ingest.stats.interval.s", T_INT, "10", 1, 86400, F(stats_interval_s),
     "Seconds between the ingester's statistics log lines."},
    {"ingest.due.days", T_INT, "5", 1, 365, F(due_days),
     "Days after `created` a ticket is due when the event has no due_at."},
    {"ingest.max.message.bytes", T_INT, "1048576", 1024, 104857600,
     F(max_message_bytes),
     "Messages larger than this are dead-lettered unparsed."},
    {"ingest.metrics.port", T_INT, "0", 0, 65535, F(metrics_port),
     "Port of the ingester's Prometheus endpoint on 127.0.0.1 (GET /metrics); 0: off."},
    {"report.rules", T_STR, "config/cards.tsv", 0, 0, F(report_rules_path),
     "Card and ranking rules of the quarterly health check."},
    {"report.grace.days", T_INT, "7", 0, 365, F(report_grace_days),
     "Days after a quarter ends (in event time) before the ingester emits its report."},
    {"report.out.dir", T_STR, "reports", 0, 0, F(report_out_dir),
     "Directory `hotline report --write` puts the bulletins in."},
    {"serve.bind", T_STR, "127.0.0.1", 0, 0, F(serve_bind),
     "Address `hotline serve` listens on; anything but loopback requires serve.token."},
    {"serve.port", T_INT, "8080", 1, 65535, F(serve_port), "Port of `hotline serve`."},
    {"serve.token", T_STR, "", 0, 0, F(serve_token),
     "Bearer token the HTTP API requires (always when not bound to loopback). Never printed."},
    {"alerts.hash.key", T_STR, DEV_HASH_KEY, 0, 0, F(alerts_hash_key),
     "Secret key of the keyed hash that recognises repeat callers (raw phones are never stored). Never printed. "
     "The default is public and lets anyone reading Redis recover phones from the hashes: set a secret of at "
     "least 16 bytes (the ingester warns otherwise)."},
    {"alerts.repeat.days", T_INT, "30", 1, 365, F(alerts_repeat_days),
     "Window in which the same caller or enterprise on the same topic is a repeat (重复诉求)."},
    {"alerts.cluster.callers", T_INT, "5", 2, 10000, F(alerts_cluster_callers),
     "Different callers on one topic in one park or district within a day that make a cluster (多人同诉)."},
};
#define NPROPS (sizeof props / sizeof props[0])

/* kafka.* keys set by default, each with why (printed in the docs). The
 * last three keep librdkafka 2.0.2's consumer fed: its fetcher stops at a
 * full prefetch queue and looks again only when its broker thread wakes,
 * after rd_kafka_max_block_ms (1 s) or at any request on its connection;
 * later versions have fetch.queue.backoff.ms instead. With several brokers
 * each refresh wakes one of them. They go to consumers only (ingest/kafka.c
 * consumer_only). */
static const char *const kafka_defaults[][3] = {
    {"bootstrap.servers", "127.0.0.1:19092", "the broker scripts/services starts"},
    {"group.id", "hotline-ingest", "the ingesters' consumer group"},
    {"queued.max.messages.kbytes", "8192",
     "the consumer's prefetch (librdkafka's default is 64 MiB): with the refresh below, "
     "8 MiB keeps up with ~160 MB/s and keeps the ingester's memory small"},
    {"topic.metadata.refresh.interval.ms", "50",
     "wakes the consumer's fetcher: librdkafka 2.0.2 looks at a full prefetch queue again "
     "only after a second or at a request to its broker, and the ingester, waiting that "
     "second, ran at half speed"},
    {"metadata.max.age.ms", "900000",
     "librdkafka's default (3 x its 5-minute refresh), not 3 x 50 ms: a topic whose "
     "metadata ages out looks deleted"},
};

/* kafka.* keys that may also come from the environment (HOTLINE_KAFKA_...):
 * a fixed list, so unrelated variables (scripts/services' HOTLINE_KAFKA_PORT)
 * are never taken for librdkafka properties. */
static const char *const kafka_env_keys[] = {
    "kafka.bootstrap.servers", "kafka.security.protocol", "kafka.sasl.mechanism",
    "kafka.sasl.username", "kafka.sasl.password", "kafka.ssl.ca.location",
};

static const prop_t *prop_find(const char *key) {
    for (size_t i = 0; i < NPROPS; i++)
        if (strcmp(props[i].name, key) == 0)
            return &props[i];
    return NULL;
}

static hl_conf_res_t kafka_set(hl_conf_t *conf, const char *name,
                               const char *value, char *errstr,
                               size_t errstr_size) {
    if (!*name) {
        hl_seterr(errstr, errstr_size, "empty kafka.* property name");
        return HL_CONF_INVALID;
    }
    for (size_t i = 0; i < conf->kafka_count; i++) {
        if (strcmp(conf->kafka_keys[i], name) == 0) {
            char *v = strdup(value);
            if (!v)
                goto nomem;
            free(conf->kafka_values[i]);
            conf->kafka_values[i] = v;
            return HL_CONF_OK;
        }
    }
    char **keys = realloc(conf->kafka_keys, (conf->kafka_count + 1) * sizeof *keys);
    if (!keys)
        goto nomem;
    conf->kafka_keys = keys;
    char **values = realloc(conf->kafka_values, (conf->kafka_count + 1) * sizeof *values);
    if (!values)
        goto nomem;
    conf->kafka_values = values;
    keys[conf->kafka_count] = strdup(name);
    values[conf->kafka_count] = strdup(value);
    if (!keys[conf->kafka_count] || !values[conf->kafka_count]) {
        free(keys[conf->kafka_count]);
        free(values[conf->kafka_count]);
        goto nomem;
    }
    conf->kafka_count++;
    return HL_CONF_OK;
nomem:
    hl_seterr(errstr, errstr_size, "out of memory");
    return HL_CONF_INVALID;
}

hl_conf_res_t hl_conf_set(hl_conf_t *conf, const char *key, const char *value,
                          char *errstr, size_t errstr_size) {
    if (strncmp(key, "kafka.", 6) == 0)
        return kafka_set(conf, key + 6, value, errstr, errstr_size);
    const prop_t *p = prop_find(key);
    if (!p) {
        hl_seterr(errstr, errstr_size, "No such configuration property: \"%s\"", key);
        return HL_CONF_UNKNOWN;
    }
    char *field = (char *)conf + p->offset;
    char *end = NULL;
    errno = 0;
    switch (p->type) {
    case T_STR: {
        char *v = strdup(value);
        if (!v) {
            hl_seterr(errstr, errstr_size, "out of memory");
            return HL_CONF_INVALID;
        }
        free(*(char **)field);
        *(char **)field = v;
        return HL_CONF_OK;
    }
    case T_INT: {
        long long n = strtoll(value, &end, 10);
        if (errno || end == value || *end || n < p->min || n > p->max) {
            hl_seterr(errstr, errstr_size,
                      "\"%s\": expected an integer from %.0f to %.0f, got \"%s\"",
                      key, p->min, p->max, value);
            return HL_CONF_INVALID;
        }
        *(int64_t *)field = n;
        return HL_CONF_OK;
    }
    case T_DBL: {
        double d = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(d) || d < p->min || d > p->max) {
            hl_seterr(errstr, errstr_size,
                      "\"%s\": expected a number from %g to %g, got \"%s\"", key,
                      p->min, p->max, value);
            return HL_CONF_INVALID;
        }
        *(double *)field = d;
        return HL_CONF_OK;
    }
    }
    return HL_CONF_INVALID;
}

hl_conf_t *hl_conf_new(void) {
    hl_conf_t *conf = calloc(1, sizeof *conf);
    if (!conf)
        return NULL;
    char errstr[HL_ERRSTR_SIZE];
    for (size_t i = 0; i < NPROPS; i++)
        if (hl_conf_set(conf, props[i].name, props[i].def, errstr, sizeof errstr)) {
            hl_conf_destroy(conf);
            return NULL;
        }
    for (size_t i = 0; i < sizeof kafka_defaults / sizeof kafka_defaults[0]; i++)
        if (kafka_set(conf, kafka_defaults[i][0], kafka_defaults[i][1], errstr,
                      sizeof errstr)) {
            hl_conf_destroy(conf);
            return NULL;
        }
    return conf;
}

void hl_conf_destroy(hl_conf_t *conf) {
    if (!conf)
        return;
    for (size_t i = 0; i < NPROPS; i++)
        if (props[i].type == T_STR)
            free(*(char **)((char *)conf + props[i].offset));
    for (size_t i = 0; i < conf->kafka_count; i++) {
        free(conf->kafka_keys[i]);
        free(conf->kafka_values[i]);
    }
    free(conf->kafka_keys);
    free(conf->kafka_values);
    free(conf);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int hl_conf_load_buf(hl_conf_t *conf, const char *buf, size_t len,
                     const char *source, char *errstr, size_t errstr_size) {
    size_t pos = 0;
    for (int line = 1; pos < len; line++) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - start) : len - pos;
        pos += linelen + (nl ? 1 : 0);

        size_t b = 0, e = linelen;
        while (b < e && is_space(start[b]))
            b++;
        while (e > b && is_space(start[e - 1]))
            e--;
        if (b == e || start[b] == '#')
            continue;
        if (memchr(start + b, '\0', e - b)) {
            hl_seterr(errstr, errstr_size, "%s:%d: NUL byte in line", source, line);
            return -1;
        }
        const char *eqp = memchr(start + b, '=', e - b);
        if (!eqp) {
            hl_seterr(errstr, errstr_size, "%s:%d: expected \"key = value\"", source, line);
            return -1;
        }
        size_t ke = (size_t)(eqp - start), vb = ke + 1;
        while (ke > b && is_space(start[ke - 1]))
            ke--;
        while (vb < e && is_space(start[vb]))
            vb++;
        if (ke == b) {
            hl_seterr(errstr, errstr_size, "%s:%d: empty key", source, line);
            return -1;
        }
        char *key = strndup(start + b, ke - b);
        char *value = strndup(start + vb, e - vb);
        char msg[HL_ERRSTR_SIZE];
        hl_conf_res_t res = HL_CONF_INVALID;
        if (key && value)
            res = hl_conf_set(conf, key, value, msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "out of memory");
        free(key);
        free(value);
        if (res != HL_CONF_OK) {
            hl_seterr(errstr, errstr_size, "%s:%d: %s", source, line, msg);
            return -1;
        }
    }
    return 0;
}

int hl_conf_load_file(hl_conf_t *conf, const char *path, char *errstr,
                      size_t errstr_size) {
    char *buf;
    size_t len;
    if (hl_read_file(path, &buf, &len, errstr, errstr_size))
        return -1;
    int r = hl_conf_load_buf(conf, buf, len, path, errstr, errstr_size);
    free(buf);
    return r;
}

/* Writes the HOTLINE_... environment name of @p key into out. */
static void env_name(const char *key, char *out, size_t size) {
    size_t n = (size_t)snprintf(out, size, "HOTLINE_");
    for (; *key && n + 1 < size; key++)
        out[n++] = *key == '.' ? '_' : (char)toupper((unsigned char)*key);
    out[n] = '\0';
}

int hl_conf_load_env(hl_conf_t *conf, char *const *envp, char *errstr,
                     size_t errstr_size) {
    char name[128], msg[HL_ERRSTR_SIZE];
    for (char *const *ev = envp; ev && *ev; ev++) {
        const char *eqp = strchr(*ev, '=');
        if (!eqp || strncmp(*ev, "HOTLINE_", 8) != 0)
            continue;
        size_t nlen = (size_t)(eqp - *ev);
        const char *value = eqp + 1;
        int matched = 0;
        for (size_t i = 0; i < NPROPS && !matched; i++) {
            env_name(props[i].name, name, sizeof name);
            if (strlen(name) == nlen && memcmp(name, *ev, nlen) == 0) {
                matched = 1;
                if (hl_conf_set(conf, props[i].name, value, msg, sizeof msg)) {
                    hl_seterr(errstr, errstr_size, "env %s: %s", name, msg);
                    return -1;
                }
            }
        }
        for (size_t i = 0; !matched && i < sizeof kafka_env_keys / sizeof kafka_env_keys[0]; i++) {
            env_name(kafka_env_keys[i], name, sizeof name);
            if (strlen(name) == nlen && memcmp(name, *ev, nlen) == 0) {
                matched = 1;
                if (kafka_set(conf, kafka_env_keys[i] + 6, value, msg, sizeof msg)) {
                    hl_seterr(errstr, errstr_size, "env %s: %s", name, msg);
                    return -1;
                }
            }
        }
    }
    return 0;
}

const char *hl_conf_kafka_get(const hl_conf_t *conf, const char *name) {
    for (size_t i = 0; i < conf->kafka_count; i++)
        if (strcmp(conf->kafka_keys[i], name) == 0)
            return conf->kafka_values[i];
    return NULL;
}

int hl_conf_hash_key_weak(const hl_conf_t *conf) {
    const char *k = conf->alerts_hash_key;
    return !k || strlen(k) < HL_CONF_HASH_KEY_MIN || strcmp(k, DEV_HASH_KEY) == 0;
}

int hl_conf_is_secret(const char *key) {
    static const char *const words[] = {"password", "secret", "token", ".pem",
                                        "jaas", "hash.key"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(key, words[i]))
            return 1;
    return 0;
}

static void value_text(const hl_conf_t *conf, const prop_t *p, char *out,
                       size_t size) {
    const char *field = (const char *)conf + p->offset;
    switch (p->type) {
    case T_STR: snprintf(out, size, "%s", *(char *const *)field); break;
    case T_INT: snprintf(out, size, "%lld", (long long)*(const int64_t *)field); break;
    case T_DBL: snprintf(out, size, "%g", *(const double *)field); break;
    }
}

void hl_conf_dump(const hl_conf_t *conf, FILE *out) {
    char text[1024];
    for (size_t i = 0; i < NPROPS; i++) {
        value_text(conf, &props[i], text, sizeof text);
        int masked = hl_conf_is_secret(props[i].name) && *text;
        fprintf(out, "%s = %s\n", props[i].name, masked ? "***" : text);
    }
    for (size_t i = 0; i < conf->kafka_count; i++)
        fprintf(out, "kafka.%s = %s\n", conf->kafka_keys[i],
                hl_conf_is_secret(conf->kafka_keys[i]) ? "***" : conf->kafka_values[i]);
}

static const char *type_name(prop_type_t t) {
    return t == T_STR ? "string" : t == T_INT ? "integer" : "number";
}

void hl_conf_help(FILE *out) {
    for (size_t i = 0; i < NPROPS; i++)
        fprintf(out, "  %-26s %s (%s, default \"%s\")\n", props[i].name,
                props[i].desc, type_name(props[i].type), props[i].def);
    fprintf(out, "  %-26s %s\n", "kafka.<property>",
            "Passed to librdkafka as <property> (bootstrap.servers, "
            "group.id, security.protocol, sasl.*, ssl.* ...).");
}

void hl_conf_doc_markdown(FILE *out) {
    fprintf(out,
            "# Configuration\n\n"
            "<!-- Generated by `hotline config --doc` from the property table in "
            "config/config.c; a unit test fails when this file is stale. -->\n\n"
            "hotline reads `key = value` lines from one file (`-c FILE`, default "
            "`config/hotline.conf`; `#` starts a comment line). Every key can be "
            "overridden from the environment as `HOTLINE_<KEY>` (upper case, dots "
            "as underscores, e.g. `HOTLINE_REDIS_PORT`) and on the command line "
            "with `-X key=value`. Precedence: defaults < file < environment < "
            "command line. An unknown key or a bad value stops the program with "
            "`file:line: message`. `hotline config --check` prints the effective "
            "configuration with secrets masked.\n\n"
            "| key | type | default | description |\n|---|---|---|---|\n");
    for (size_t i = 0; i < NPROPS; i++)
        fprintf(out, "| `%s` | %s | `%s` | %s |\n", props[i].name,
                type_name(props[i].type), props[i].def, props[i].desc);
    fprintf(out, "\n## Kafka (`kafka.*`)\n\n"
                 "Every `kafka.<property>` is handed to librdkafka as `<property>` "
                 "unchanged (see librdkafka's CONFIGURATION.md), so SASL and TLS "
                 "need no code: e.g. `kafka.security.protocol = SASL_PLAINTEXT`. "
                 "These may also come from the environment: ");
    for (size_t i = 0; i < sizeof kafka_env_keys / sizeof kafka_env_keys[0]; i++) {
        char name[128];
        env_name(kafka_env_keys[i], name, sizeof name);
        fprintf(out, "%s`%s`", i ? ", " : "", name);
    }
    fprintf(out, ". Defaults:\n\n");
    for (size_t i = 0; i < sizeof kafka_defaults / sizeof kafka_defaults[0]; i++)
        fprintf(out, "- `kafka.%s = %s`: %s\n", kafka_defaults[i][0], kafka_defaults[i][1],
                kafka_defaults[i][2]);
    fprintf(out, "\nValues of keys containing `password`, `secret`, `token`, "
                 "`.pem`, `jaas` or `hash.key` are printed as `***`.\n");
}
