/* kafka.h: the Kafka side of the service (the only user of rdkafka.h): a
 * group consumer whose partition positions come from the caller (offsets
 * stored in Redis, never Kafka's committed ones), and an idempotent producer
 * for the dead-letter topic and other outputs. */
#ifndef HL_KAFKA_H
#define HL_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "common/hl.h"
#include "config/config.h"

typedef struct hl_kafka_s hl_kafka_t;

/* Called inside hl_kafka_poll() when the group assigns partitions: fill
 * offsets[i] with where partitions[i] must resume (-1: from the beginning).
 * @returns 0, or -1 when the offsets cannot be known now (the partitions are
 * then assigned paused, and the caller must hl_kafka_reassign() later). */
typedef int (*hl_assign_fn)(void *opaque, const int32_t *partitions, int64_t *offsets, size_t n);
/* Called inside hl_kafka_poll() before partitions are taken away: the
 * caller writes or drops their in-flight batch. */
typedef void (*hl_revoke_fn)(void *opaque, const int32_t *partitions, size_t n);

typedef struct hl_kafka_hooks_s {
    hl_assign_fn on_assign;
    hl_revoke_fn on_revoke;
    void *opaque;
} hl_kafka_hooks_t;

/* A polled message, borrowed until hl_kafka_msg_done(). */
typedef struct hl_kmsg_s {
    const char *payload;
    size_t len;
    const char *key;
    size_t key_len;
    int32_t partition;
    int64_t offset;
    int eof;         /* 1: not a message but "partition reached its end" */
    void *handle;
} hl_kmsg_t;

/* Creates the consumer (subscribed to @p topic, group from kafka.group.id)
 * and the producer, both configured from conf's kafka.* keys.
 * @returns a new handle or NULL with a message; free with hl_kafka_destroy()
 * after hl_kafka_close(). */
hl_kafka_t *hl_kafka_new(const hl_conf_t *conf, const char *topic, const hl_kafka_hooks_t *hooks,
                         char *errstr, size_t errstr_size);

/* Waits up to @p timeout_ms for a message or partition end.
 * @returns 1 with *msg filled (free with hl_kafka_msg_done()), 0 when
 * nothing came, -1 on a fatal consumer error (message in errstr). */
int hl_kafka_poll(hl_kafka_t *k, int timeout_ms, hl_kmsg_t *msg, char *errstr, size_t errstr_size);
void hl_kafka_msg_done(hl_kmsg_t *msg);

/* Produces a copy of a rejected message to @p topic with headers
 * hotline.reason (code), hotline.error (message), hotline.source.topic,
 * hotline.source.partition, hotline.source.offset. Delivery is confirmed by
 * hl_kafka_flush(). */
hl_err_t hl_kafka_deadletter(hl_kafka_t *k, const char *topic, const char *key, size_t key_len,
                             const char *payload, size_t len, const char *reason,
                             const char *message, int32_t partition, int64_t offset,
                             char *errstr, size_t errstr_size);

/* Produces @p payload to @p topic keyed by @p key (copied). */
hl_err_t hl_kafka_produce(hl_kafka_t *k, const char *topic, const char *key, size_t key_len,
                          const char *payload, size_t len, char *errstr, size_t errstr_size);

/* Waits until everything produced so far is delivered.
 * @returns HL_OK, or HL_ERR_KAFKA when a message failed or the wait timed out. */
hl_err_t hl_kafka_flush(hl_kafka_t *k, int timeout_ms, char *errstr, size_t errstr_size);

/* Pauses fetching of every assigned partition (while Redis is away). */
void hl_kafka_pause(hl_kafka_t *k);

/* Restarts every assigned partition at the given offsets (-1: beginning)
 * and resumes fetching. @returns HL_OK or HL_ERR_KAFKA. */
hl_err_t hl_kafka_reassign(hl_kafka_t *k, const int32_t *partitions, const int64_t *offsets,
                           size_t n, char *errstr, size_t errstr_size);

/* High watermark of @p partition as last seen by the consumer (-1 unknown). */
int64_t hl_kafka_high_watermark(hl_kafka_t *k, int32_t partition);

/* Leaves the group (revoking partitions through the hook) and flushes the
 * producer. */
void hl_kafka_close(hl_kafka_t *k);
void hl_kafka_destroy(hl_kafka_t *k);

/* A reader for tools (`hotline feed`, tests): follows every partition of a
 * topic, from the beginning or from the end, in a throw-away group. */
typedef struct hl_reader_s hl_reader_t;
hl_reader_t *hl_reader_new(const hl_conf_t *conf, const char *topic, int from_beginning,
                           char *errstr, size_t errstr_size);
/* @returns 1 with *msg (free with hl_kafka_msg_done()), 0 when nothing came
 * (*at_end set when every assigned partition was read to its end), -1 on a
 * fatal error. */
int hl_reader_poll(hl_reader_t *r, int timeout_ms, hl_kmsg_t *msg, int *at_end, char *errstr,
                   size_t errstr_size);
void hl_reader_destroy(hl_reader_t *r);

/* A plain producer for tools (`hotline publish`, tests). */
typedef struct hl_producer_s hl_producer_t;
hl_producer_t *hl_producer_new(const hl_conf_t *conf, char *errstr, size_t errstr_size);
hl_err_t hl_producer_send(hl_producer_t *p, const char *topic, const char *key, size_t key_len,
                          const char *payload, size_t len, char *errstr, size_t errstr_size);
/* Flushes and reports failures; @returns HL_OK when everything was delivered. */
hl_err_t hl_producer_flush(hl_producer_t *p, int timeout_ms, char *errstr, size_t errstr_size);
void hl_producer_destroy(hl_producer_t *p);

#endif
