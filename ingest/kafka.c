/* kafka.c: librdkafka consumer and producers. */
#include "ingest/kafka.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Properties only the consumer gets: consumer-only ones a producer would
 * warn about, and the metadata refresh that wakes the consumer's fetcher
 * (config/config.c kafka_defaults: the producer has no use for 20 metadata
 * requests a second). */
static const char *const consumer_only[] = {
    "group.id", "group.instance.id", "enable.auto.commit", "auto.commit.interval.ms",
    "enable.auto.offset.store", "auto.offset.reset", "enable.partition.eof",
    "partition.assignment.strategy", "session.timeout.ms", "heartbeat.interval.ms",
    "max.poll.interval.ms", "fetch.min.bytes", "fetch.wait.max.ms", "queued.min.messages",
    "queued.max.messages.kbytes", "fetch.message.max.bytes", "isolation.level",
    "topic.metadata.refresh.interval.ms", "metadata.max.age.ms", NULL};

static int is_consumer_only(const char *key) {
    for (int i = 0; consumer_only[i]; i++)
        if (strcmp(key, consumer_only[i]) == 0)
            return 1;
    return 0;
}

/* Prefix of an authentication failure's message: what the operator checks. */
#define REFUSED                                                                                    \
    "the broker refused our credentials (check kafka.sasl.username, kafka.sasl.password and "      \
    "kafka.sasl.mechanism): "

/* What a handle's callbacks tell its owner: failed deliveries since the last
 * flush, and the first error that retrying cannot cure. One thread at a time
 * serves a handle's callbacks (hl_kafka_t: under poll_mu); fatal_error is
 * written once, before fatal is set, so any thread may test fatal. */
typedef struct {
    long delivery_failures;
    atomic_int fatal;
    char fatal_error[512];
} kafka_status_t;

struct hl_kafka_s {
    rd_kafka_t *consumer;
    rd_kafka_t *producer;
    hl_kafka_hooks_t hooks;
    char *topic;
    rd_kafka_topic_partition_list_t *assignment;
    kafka_status_t consumer_status; /* served by the polling thread */
    kafka_status_t status;          /* the producer's */
    pthread_mutex_t poll_mu;        /* held while serving the producer's callbacks */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    kafka_status_t *status = opaque;
    if (m->err) {
        /* counted, so that the next flush fails and the batch is retried;
         * logged, so that an operator sees why */
        status->delivery_failures++;
        hl_log("WARN", "kafka: delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
               rd_kafka_err2str(m->err));
    }
    (void)rk;
}

/* Records in @p status an error of @p rk that retrying cannot cure: a fatal
 * one, or credentials the broker refused (waiting cannot make them right,
 * and librdkafka would retry them forever); logs the others, which
 * librdkafka recovers from by itself (reconnecting). */
static void record_error(kafka_status_t *status, rd_kafka_t *rk, int err, const char *reason) {
    if (atomic_load(&status->fatal))
        return;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[256];
        rd_kafka_fatal_error(rk, buf, sizeof buf);
        snprintf(status->fatal_error, sizeof status->fatal_error, "kafka fatal error: %s", buf);
        atomic_store(&status->fatal, 1);
    } else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
        snprintf(status->fatal_error, sizeof status->fatal_error, "kafka: " REFUSED "%s", reason);
        atomic_store(&status->fatal, 1);
    } else {
        hl_log("WARN", "kafka: %s", reason);
    }
}

/* @returns 1 with the message in @p errstr when @p status holds an error
 * retrying cannot cure, else 0. */
static int failed_for_good(const kafka_status_t *status, char *errstr, size_t errstr_size) {
    if (!atomic_load(&status->fatal))
        return 0;
    hl_seterr(errstr, errstr_size, "%s", status->fatal_error);
    return 1;
}

static void on_consumer_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    record_error(&((hl_kafka_t *)opaque)->consumer_status, rk, err, reason);
}

/* The error callback of handles whose opaque is their kafka_status_t. */
static void on_status_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    record_error(opaque, rk, err, reason);
}

/* Applies kafka.* pass-through keys, then @p extra pairs (NULL-terminated). */
static rd_kafka_conf_t *make_conf(const hl_conf_t *conf, int producer, const char *const *extra,
                                  char *errstr, size_t errstr_size) {
    rd_kafka_conf_t *kc = rd_kafka_conf_new();
    char err[512];
    for (size_t i = 0; i < conf->kafka_count; i++) {
        if (producer && is_consumer_only(conf->kafka_keys[i]))
            continue;
        if (rd_kafka_conf_set(kc, conf->kafka_keys[i], conf->kafka_values[i], err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            hl_seterr(errstr, errstr_size, "kafka.%s: %s", conf->kafka_keys[i], err);
            rd_kafka_conf_destroy(kc);
            return NULL;
        }
    }
    for (size_t i = 0; extra && extra[i]; i += 2) {
        if (rd_kafka_conf_set(kc, extra[i], extra[i + 1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            hl_seterr(errstr, errstr_size, "kafka %s: %s", extra[i], err);
            rd_kafka_conf_destroy(kc);
            return NULL;
        }
    }
    return kc;
}

/* A producer whose callbacks report to @p status (borrowed; must outlive it). */
static rd_kafka_t *make_producer(const hl_conf_t *conf, kafka_status_t *status, char *errstr,
                                 size_t errstr_size) {
    static const char *const extra[] = {"enable.idempotence", "true", "linger.ms", "5", NULL};
    rd_kafka_conf_t *kc = make_conf(conf, 1, extra, errstr, errstr_size);
    if (!kc)
        return NULL;
    /* A dead letter is a copy of any message the consumer received, however
     * large (too_large ones included): the producer must not refuse what the
     * consumer accepts, so its size limit defaults to the consumer's
     * receive.message.max.bytes (librdkafka's default limit, ~1 MB, made
     * every larger message undeliverable, and its batch was retried
     * forever). An explicit kafka.message.max.bytes still wins; the broker's
     * and the dead-letter topic's limits must allow it too. */
    char max[32];
    size_t maxlen = sizeof max;
    int explicit_max = 0;
    for (size_t i = 0; i < conf->kafka_count; i++)
        explicit_max |= strcmp(conf->kafka_keys[i], "message.max.bytes") == 0;
    char err[512];
    if (!explicit_max &&
        rd_kafka_conf_get(kc, "receive.message.max.bytes", max, &maxlen) == RD_KAFKA_CONF_OK &&
        rd_kafka_conf_set(kc, "message.max.bytes", max, err, sizeof err) != RD_KAFKA_CONF_OK) {
        hl_seterr(errstr, errstr_size, "kafka message.max.bytes: %s", err);
        rd_kafka_conf_destroy(kc);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
    rd_kafka_conf_set_error_cb(kc, on_status_error);
    rd_kafka_conf_set_opaque(kc, status);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof err);
    if (!rk) {
        hl_seterr(errstr, errstr_size, "kafka producer: %s", err);
        rd_kafka_conf_destroy(kc);
    }
    return rk;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    hl_kafka_t *k = opaque;
    int32_t *ids = calloc((size_t)parts->cnt + 1, sizeof *ids);
    int64_t *offsets = calloc((size_t)parts->cnt + 1, sizeof *offsets);
    for (int i = 0; ids && i < parts->cnt; i++)
        ids[i] = parts->elems[i].partition;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS && ids && offsets) {
        int ok = k->hooks.on_assign(k->hooks.opaque, ids, offsets, (size_t)parts->cnt) == 0;
        for (int i = 0; i < parts->cnt; i++)
            parts->elems[i].offset = !ok ? RD_KAFKA_OFFSET_END
                                     : offsets[i] < 0 ? RD_KAFKA_OFFSET_BEGINNING
                                                      : offsets[i];
        rd_kafka_assign(rk, parts);
        if (!ok)
            rd_kafka_pause_partitions(rk, parts);
        if (k->assignment)
            rd_kafka_topic_partition_list_destroy(k->assignment);
        k->assignment = rd_kafka_topic_partition_list_copy(parts);
    } else {
        if (ids)
            k->hooks.on_revoke(k->hooks.opaque, ids, (size_t)parts->cnt);
        rd_kafka_assign(rk, NULL);
        if (k->assignment)
            rd_kafka_topic_partition_list_destroy(k->assignment);
        k->assignment = NULL;
    }
    free(ids);
    free(offsets);
}

hl_kafka_t *hl_kafka_new(const hl_conf_t *conf, const char *topic, const hl_kafka_hooks_t *hooks,
                         char *errstr, size_t errstr_size) {
    hl_kafka_t *k = calloc(1, sizeof *k);
    if (!k || !(k->topic = strdup(topic))) {
        free(k);
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&k->poll_mu, NULL);
    k->hooks = *hooks;
    /* Positions come from Redis: Kafka's committed offsets are never used,
     * and nothing is committed or stored automatically. */
    static const char *const extra[] = {"enable.auto.commit", "false",
                                        "enable.auto.offset.store", "false",
                                        "enable.partition.eof", "true",
                                        "auto.offset.reset", "earliest", NULL};
    rd_kafka_conf_t *kc = make_conf(conf, 0, extra, errstr, errstr_size);
    if (!kc)
        goto fail;
    rd_kafka_conf_set_rebalance_cb(kc, on_rebalance);
    rd_kafka_conf_set_error_cb(kc, on_consumer_error);
    rd_kafka_conf_set_opaque(kc, k);
    char err[512];
    k->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, kc, err, sizeof err);
    if (!k->consumer) {
        hl_seterr(errstr, errstr_size, "kafka consumer: %s", err);
        rd_kafka_conf_destroy(kc);
        goto fail;
    }
    rd_kafka_poll_set_consumer(k->consumer);
    k->producer = make_producer(conf, &k->status, errstr, errstr_size);
    if (!k->producer)
        goto fail;
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(k->consumer, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        hl_seterr(errstr, errstr_size, "kafka subscribe %s: %s", topic, rd_kafka_err2str(e));
        goto fail;
    }
    return k;
fail:
    hl_kafka_destroy(k);
    return NULL;
}

/* Points @p msg at @p m's payload, key and position (@p m is freed by
 * hl_kafka_msg_done()). */
static void fill_msg(hl_kmsg_t *msg, rd_kafka_message_t *m) {
    memset(msg, 0, sizeof *msg);
    msg->payload = m->payload ? m->payload : "";
    msg->len = m->len;
    msg->key = m->key;
    msg->key_len = m->key_len;
    msg->partition = m->partition;
    msg->offset = m->offset;
    msg->handle = m;
}

int hl_kafka_poll(hl_kafka_t *k, int timeout_ms, hl_kmsg_t *msg, char *errstr, size_t errstr_size) {
    /* the producer's callbacks, unless another thread serves them now */
    if (pthread_mutex_trylock(&k->poll_mu) == 0) {
        rd_kafka_poll(k->producer, 0);
        pthread_mutex_unlock(&k->poll_mu);
    }
    if (failed_for_good(&k->consumer_status, errstr, errstr_size) ||
        failed_for_good(&k->status, errstr, errstr_size))
        return -1;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(k->consumer, timeout_ms);
    if (!m)
        return 0;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        memset(msg, 0, sizeof *msg);
        msg->eof = 1;
        msg->partition = m->partition;
        msg->offset = m->offset;
        msg->handle = m;
        return 1;
    }
    if (m->err) {
        /* transient (broker down, topic not yet there): log and go on */
        hl_log("WARN", "kafka consume: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return 0;
    }
    fill_msg(msg, m);
    return 1;
}

void hl_kafka_msg_done(hl_kmsg_t *msg) {
    if (msg->handle)
        rd_kafka_message_destroy(msg->handle);
    msg->handle = NULL;
}

/* May run on several threads at once (the ingester applies partitions on
 * two): librdkafka's produce is thread safe, and serving delivery reports
 * when the queue is full takes @p poll_mu (their callback counts failures;
 * NULL for a producer used by one thread). */
static hl_err_t produce(rd_kafka_t *rk, pthread_mutex_t *poll_mu, const char *topic,
                        const char *key, size_t key_len, const char *payload, size_t len,
                        rd_kafka_headers_t *hdrs, char *errstr, size_t errstr_size) {
    for (int attempt = 0;; attempt++) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (!e)
            return HL_OK; /* the headers now belong to the message */
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt > 600) {
            if (hdrs)
                rd_kafka_headers_destroy(hdrs);
            hl_seterr(errstr, errstr_size, "produce to %s: %s", topic, rd_kafka_err2str(e));
            return HL_ERR_KAFKA;
        }
        if (poll_mu)
            pthread_mutex_lock(poll_mu);
        rd_kafka_poll(rk, 100); /* queue full: let deliveries drain */
        if (poll_mu)
            pthread_mutex_unlock(poll_mu);
    }
}

hl_err_t hl_kafka_deadletter(hl_kafka_t *k, const char *topic, const char *key, size_t key_len,
                             const char *payload, size_t len, const char *reason,
                             const char *message, int32_t partition, int64_t offset,
                             char *errstr, size_t errstr_size) {
    char num[32];
    rd_kafka_headers_t *h = rd_kafka_headers_new(5);
    rd_kafka_header_add(h, "hotline.reason", -1, reason, -1);
    rd_kafka_header_add(h, "hotline.error", -1, message, -1);
    rd_kafka_header_add(h, "hotline.source.topic", -1, k->topic, -1);
    snprintf(num, sizeof num, "%d", (int)partition);
    rd_kafka_header_add(h, "hotline.source.partition", -1, num, -1);
    snprintf(num, sizeof num, "%lld", (long long)offset);
    rd_kafka_header_add(h, "hotline.source.offset", -1, num, -1);
    return produce(k->producer, &k->poll_mu, topic, key, key_len, payload, len, h, errstr,
                   errstr_size);
}

hl_err_t hl_kafka_produce(hl_kafka_t *k, const char *topic, const char *key, size_t key_len,
                          const char *payload, size_t len, char *errstr, size_t errstr_size) {
    return produce(k->producer, &k->poll_mu, topic, key, key_len, payload, len, NULL, errstr,
                   errstr_size);
}

/* Waits up to @p timeout_ms for @p rk's messages to be delivered, giving up
 * at once when @p status records an error retrying cannot cure. Serves the
 * callbacks holding @p poll_mu (NULL: a producer used by one thread). */
static hl_err_t flush(rd_kafka_t *rk, kafka_status_t *status, pthread_mutex_t *poll_mu,
                      int timeout_ms, char *errstr, size_t errstr_size) {
    int64_t deadline = hl_now_ms() + timeout_ms;
    rd_kafka_resp_err_t e;
    long failed;
    for (;;) {
        int64_t left = deadline - hl_now_ms();
        if (poll_mu)
            pthread_mutex_lock(poll_mu);
        e = rd_kafka_flush(rk, left < 0 ? 0 : left > 100 ? 100 : (int)left);
        int last = e != RD_KAFKA_RESP_ERR__TIMED_OUT || left <= 0;
        failed = status->delivery_failures;
        if (last)
            status->delivery_failures = 0;
        if (poll_mu)
            pthread_mutex_unlock(poll_mu);
        if (failed_for_good(status, errstr, errstr_size))
            return HL_ERR_KAFKA;
        if (last)
            break;
    }
    if (e) {
        hl_seterr(errstr, errstr_size, "kafka flush: %s (%d messages undelivered)",
                  rd_kafka_err2str(e), rd_kafka_outq_len(rk));
        return HL_ERR_KAFKA;
    }
    if (failed) {
        hl_seterr(errstr, errstr_size, "kafka: %ld messages failed delivery", failed);
        return HL_ERR_KAFKA;
    }
    return HL_OK;
}

hl_err_t hl_kafka_flush(hl_kafka_t *k, int timeout_ms, char *errstr, size_t errstr_size) {
    return flush(k->producer, &k->status, &k->poll_mu, timeout_ms, errstr, errstr_size);
}

void hl_kafka_pause(hl_kafka_t *k) {
    if (k->assignment)
        rd_kafka_pause_partitions(k->consumer, k->assignment);
}

hl_err_t hl_kafka_reassign(hl_kafka_t *k, const int32_t *partitions, const int64_t *offsets,
                           size_t n, char *errstr, size_t errstr_size) {
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(parts, k->topic, partitions[i])->offset =
            offsets[i] < 0 ? RD_KAFKA_OFFSET_BEGINNING : offsets[i];
    /* Resume first, then assign; never the other way round. A resume takes
     * a new op version for the partition, and when it overtakes the fetch
     * start the assign queued, that start is dropped as outdated: the
     * partition stays assigned and is never fetched again (librdkafka#2190,
     * #5591; seen here as an ingester idle at "lag 0" after a Redis
     * outage). Resumed first, a partition may fetch from where it stopped
     * for a moment; the assign's new version makes librdkafka drop what
     * that fetched. */
    rd_kafka_resp_err_t e = rd_kafka_resume_partitions(k->consumer, parts);
    if (!e)
        e = rd_kafka_assign(k->consumer, parts);
    if (k->assignment)
        rd_kafka_topic_partition_list_destroy(k->assignment);
    k->assignment = parts;
    if (e) {
        hl_seterr(errstr, errstr_size, "kafka assign: %s", rd_kafka_err2str(e));
        return HL_ERR_KAFKA;
    }
    return HL_OK;
}

int64_t hl_kafka_high_watermark(hl_kafka_t *k, int32_t partition) {
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(k->consumer, k->topic, partition, &low, &high))
        return -1;
    return high;
}

void hl_kafka_close(hl_kafka_t *k) {
    if (!k)
        return;
    if (k->consumer)
        rd_kafka_consumer_close(k->consumer);
    if (k->producer)
        rd_kafka_flush(k->producer, 10000);
}

void hl_kafka_destroy(hl_kafka_t *k) {
    if (!k)
        return;
    if (k->assignment)
        rd_kafka_topic_partition_list_destroy(k->assignment);
    if (k->consumer)
        rd_kafka_destroy(k->consumer);
    if (k->producer)
        rd_kafka_destroy(k->producer);
    pthread_mutex_destroy(&k->poll_mu);
    free(k->topic);
    free(k);
}

struct hl_producer_s {
    rd_kafka_t *rk;
    kafka_status_t status;
};

hl_producer_t *hl_producer_new(const hl_conf_t *conf, char *errstr, size_t errstr_size) {
    hl_producer_t *p = calloc(1, sizeof *p);
    if (!p) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    p->rk = make_producer(conf, &p->status, errstr, errstr_size);
    if (!p->rk) {
        free(p);
        return NULL;
    }
    return p;
}

hl_err_t hl_producer_send(hl_producer_t *p, const char *topic, const char *key, size_t key_len,
                          const char *payload, size_t len, char *errstr, size_t errstr_size) {
    rd_kafka_poll(p->rk, 0);
    if (failed_for_good(&p->status, errstr, errstr_size))
        return HL_ERR_KAFKA;
    return produce(p->rk, NULL, topic, key, key_len, payload, len, NULL, errstr,
                   errstr_size);
}

hl_err_t hl_producer_flush(hl_producer_t *p, int timeout_ms, char *errstr, size_t errstr_size) {
    return flush(p->rk, &p->status, NULL, timeout_ms, errstr, errstr_size);
}

void hl_producer_destroy(hl_producer_t *p) {
    if (!p)
        return;
    rd_kafka_destroy(p->rk);
    free(p);
}

#define READER_MAX_PARTITIONS 1024

struct hl_reader_s {
    rd_kafka_t *rk;
    kafka_status_t status;
    unsigned char at_end[READER_MAX_PARTITIONS]; /* partition read to its end */
};

hl_reader_t *hl_reader_new(const hl_conf_t *conf, const char *topic, int from_beginning,
                           char *errstr, size_t errstr_size) {
    char group[96];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(group, sizeof group, "hotline-reader-%ld-%ld", (long)getpid(), (long)ts.tv_nsec);
    const char *extra[] = {"group.id", group, "enable.auto.commit", "false",
                           "enable.partition.eof", "true",
                           "auto.offset.reset", from_beginning ? "earliest" : "latest", NULL};
    rd_kafka_conf_t *kc = make_conf(conf, 0, extra, errstr, errstr_size);
    if (!kc)
        return NULL;
    hl_reader_t *r = calloc(1, sizeof *r);
    char err[512];
    if (r) {
        rd_kafka_conf_set_error_cb(kc, on_status_error);
        rd_kafka_conf_set_opaque(kc, &r->status);
    }
    if (!r || !(r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, err, sizeof err))) {
        hl_seterr(errstr, errstr_size, "kafka consumer: %s", r ? err : "out of memory");
        rd_kafka_conf_destroy(kc);
        free(r);
        return NULL;
    }
    rd_kafka_poll_set_consumer(r->rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(r->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        hl_seterr(errstr, errstr_size, "kafka subscribe %s: %s", topic, rd_kafka_err2str(e));
        hl_reader_destroy(r);
        return NULL;
    }
    return r;
}

int hl_reader_poll(hl_reader_t *r, int timeout_ms, hl_kmsg_t *msg, int *at_end, char *errstr,
                   size_t errstr_size) {
    *at_end = 0;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, timeout_ms);
    if (failed_for_good(&r->status, errstr, errstr_size)) {
        if (m)
            rd_kafka_message_destroy(m);
        return -1;
    }
    if (!m) {
        rd_kafka_topic_partition_list_t *a = NULL;
        if (!rd_kafka_assignment(r->rk, &a) && a) {
            int all = a->cnt > 0;
            for (int i = 0; all && i < a->cnt; i++)
                all = a->elems[i].partition < READER_MAX_PARTITIONS &&
                      r->at_end[a->elems[i].partition];
            *at_end = all;
            rd_kafka_topic_partition_list_destroy(a);
        }
        return 0;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (m->partition >= 0 && m->partition < READER_MAX_PARTITIONS)
            r->at_end[m->partition] = 1;
        rd_kafka_message_destroy(m);
        return 0;
    }
    if (m->err) {
        int fatal = m->err == RD_KAFKA_RESP_ERR__FATAL;
        hl_seterr(errstr, errstr_size, "kafka: %s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return fatal ? -1 : 0;
    }
    if (m->partition >= 0 && m->partition < READER_MAX_PARTITIONS)
        r->at_end[m->partition] = 0;
    fill_msg(msg, m);
    return 1;
}

void hl_reader_destroy(hl_reader_t *r) {
    if (!r)
        return;
    rd_kafka_consumer_close(r->rk);
    rd_kafka_destroy(r->rk);
    free(r);
}
