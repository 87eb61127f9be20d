/* alert_step.h: the alert look-ups of a batch being written. Before the
 * lifecycle runs, hl_alert_step_ask() lists the batch's new tickets that may
 * raise alerts (hl_pbatch_creations) and sends Redis their questions: how
 * often each one's caller or enterprise filed on its topic lately, how many
 * callers filed on it in its district or park today (store.h
 * hl_store_zcount_send). Redis answers while the batch is applied; then
 * hl_store_zcount_recv reads the answers in hl_alert_step_raise(), which
 * emits the alerts the rules give (alerts.h) into the partition's alert
 * list (written with the batch) and onto the alerts topic. Used by the
 * writer thread only. */
#ifndef HL_ALERT_STEP_H
#define HL_ALERT_STEP_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "ingest/batch.h"
#include "ingest/kafka.h"
#include "store/store.h"

typedef struct hl_alert_step_s hl_alert_step_t;

/* @returns a new step (free with hl_alert_step_destroy()), or NULL when out
 * of memory. */
hl_alert_step_t *hl_alert_step_new(void);
void hl_alert_step_destroy(hl_alert_step_t *st);

/* Lists the new tickets of the partitions' batches @p pbs (their states
 * loaded) and sends their questions on @p store (borrowed, as the other
 * arguments; @p hash_key: alerts.hash.key's SipHash key, for parks). Nothing
 * else may use @p store until hl_alert_step_raise(). @returns 0, or -1
 * (message in @p err). */
int hl_alert_step_ask(hl_alert_step_t *st, hl_store_t *store, const hl_conf_t *conf,
                      const uint64_t hash_key[2], const hl_batch_opts_t *bopts, hl_pbatch_t **pbs,
                      size_t n, char *err, size_t errsize);

/* Reads the answers to the questions hl_alert_step_ask() sent and emits the
 * alerts. @returns 0, or -1 (message in @p err). */
int hl_alert_step_raise(hl_alert_step_t *st, hl_store_t *store, hl_kafka_t *kafka,
                        const hl_conf_t *conf, char *err, size_t errsize);

#endif
