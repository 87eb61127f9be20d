/* ingester.c: the consume -> decode -> classify -> batch -> commit loop.
 *
 * Exactly once: a partition's events are applied to Redis only by the
 * MULTI/EXEC transaction that also moves its stored offset, and only if that
 * offset (WATCHed when the batch's ticket states were read) is still the one
 * the batch started from. Whatever fails (Redis, Kafka, a
 * rebalance, a crash), the in-memory batch is dropped and consumption
 * restarts from the stored offsets, so every event's effect lands once.
 * A batch's transaction is sent without waiting for its answer, which is read
 * (settle) before anything depends on it: the next batch, a report, a
 * rebalance or the exit.
 *
 * Threads: the polling thread consumes, decodes and classifies into each
 * partition's filling batch (part_t.pb). A full batch is handed over
 * (hand_over: the partitions' pb and out swap) to the writer thread, which
 * writes it (write_batch) while the polling thread fills the next one; the
 * lifecycle inside write_batch runs on two threads (apply_batches). From
 * hand-over until wait_writer() returns, the store, the appliers, the alert
 * step (alert_step.h), the out batches and the write-path counters belong
 * to the writer; the polling thread waits for it before anything else
 * touches them (a rebalance, recovery, a report, statistics, a keyword-table
 * reload, the exit). */
#include "ingest/ingester.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hl.h"
#include "common/siphash.h"
#include "common/taxonomy.h"
#include "ingest/alert_step.h"
#include "ingest/alerts.h"
#include "ingest/batch.h"
#include "ingest/event.h"
#include "ingest/feed.h"
#include "ingest/kafka.h"
#include "ingest/metrics.h"
#include "ingest/rfc3339.h"
#include "store/query.h"
#include "store/report.h"
#include "store/store.h"

#define OFFSET_UNKNOWN INT64_MAX /* drop everything until recovered */
#define OFFSET_ANY (-1)          /* accept the first message, wherever */

/* One thread of the apply step: its share of the partitions' batches, and
 * what hl_pbatch_apply() reports through the observer (@p ap is its opaque). */
typedef struct applier_s {
    struct hl_ingester_s *ing;
    hl_pbatch_t **pbs;      /* its share, borrowed */
    size_t n;
    uint64_t deadlettered;
    int failed;             /* out of memory or a message not queued: recover */
} applier_t;

typedef struct part_s {
    int assigned;
    int64_t max_ts;       /* latest event time seen on the partition */
    int eof;
    int64_t next_expected;
    hl_pbatch_t pb;       /* filling (polling thread) */
    hl_pbatch_t out;      /* handed over to the writer, or written */
} part_t;

/* The writer thread and its hand-over slot; mu guards the fields below it. */
typedef struct writer_s {
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hl_pbatch_t **pbs;    /* the batch handed over: the partitions' out batches */
    size_t n, cap;        /* cap: polling thread only */
    int pending;          /* handed over, not yet written */
    int done;             /* written since the last wait_writer() */
    int failed;           /* not written: the polling thread must recover */
    int stop;
    double batch_ms;      /* the last write's duration */
} writer_t;

struct hl_ingester_s {
    const hl_conf_t *conf;
    hl_classifier_t *clf;
    hl_event_parser_t *parser;
    hl_result_t res;
    hl_kafka_t *kafka;
    hl_store_t *store;
    part_t *parts;
    size_t nparts;
    hl_batch_opts_t bopts;
    char table_version[17];
    size_t batch_events;
    int64_t batch_opened_ms;
    int need_recover;      /* polling thread only */
    /* totals.messages and .by_type belong to the polling thread, the rest to
     * whichever thread owns the store (see the top); decode_deadlettered
     * counts the decoder's rejects, on the polling thread */
    hl_ingest_totals_t totals;
    uint64_t decode_deadlettered;
    writer_t writer;
    hl_metrics_t *metrics; /* NULL when ingest.metrics.port is 0 */
    /* the quarterly health check, emitted when event time passes a quarter's
     * end plus report.grace.days */
    hl_report_rules_t *report_rules; /* NULL: emission off (rules did not load) */
    hl_query_t *query;
    char emitted[8];                 /* latest quarter known to be emitted */
    int64_t lag;
    uint64_t alert_key[2];
    /* the apply step runs on two threads, each over a share of the
     * partitions' batches (apply_batches()) */
    applier_t appliers[2];
    hl_alert_step_t *alerts;
    /* statistics interval */
    int64_t stats_at_ms;
    uint64_t stats_messages;
    double last_batch_ms;
};

static part_t *part(hl_ingester_t *ing, int32_t p) {
    if (p < 0)
        return NULL;
    if ((size_t)p >= ing->nparts) {
        size_t n = (size_t)p + 1;
        part_t *parts = realloc(ing->parts, n * sizeof *parts);
        if (!parts)
            return NULL;
        memset(parts + ing->nparts, 0, (n - ing->nparts) * sizeof *parts);
        ing->parts = parts;
        ing->nparts = n;
    }
    return &ing->parts[p];
}

static void reset_part(hl_ingester_t *ing, int32_t p, int64_t stored) {
    part_t *ps = &ing->parts[p];
    hl_pbatch_reset(&ps->pb, ing->conf->topic_tickets, p, stored);
    ps->next_expected = stored >= 0 ? stored : OFFSET_ANY;
    ps->eof = 0;
}

static int wait_writer(hl_ingester_t *ing);
static void *writer_main(void *opaque);

/* Rebalance: where each newly assigned partition resumes, from Redis. */
static int on_assign(void *opaque, const int32_t *partitions, int64_t *offsets, size_t n) {
    hl_ingester_t *ing = opaque;
    char err[HL_ERRSTR_SIZE];
    int ok = 1;
    wait_writer(ing); /* the store and ing->parts are ours again (a failure sets need_recover) */
    for (size_t i = 0; i < n; i++) {
        part_t *ps = part(ing, partitions[i]);
        if (!ps)
            return -1;
        ps->assigned = 1;
        hl_pbatch_reset(&ps->pb, ing->conf->topic_tickets, partitions[i], -1);
        if (ok && hl_store_get_offset(ing->store, ps->pb.tag, &offsets[i], err, sizeof err)) {
            hl_log("WARN", "assign: cannot read stored offsets: %s", err);
            ok = 0;
            ing->totals.redis_failures++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            reset_part(ing, partitions[i], offsets[i]);
            hl_log("INFO", "assigned partition %d from stored offset %lld", (int)partitions[i],
                   (long long)offsets[i]);
        } else {
            ing->parts[partitions[i]].next_expected = OFFSET_UNKNOWN;
        }
    }
    if (!ok)
        ing->need_recover = 1;
    return ok ? 0 : -1;
}

static int flush_now(hl_ingester_t *ing);
static int settle(hl_ingester_t *ing);

/* Empties the filling batches (the writer is idle: the out batches are
 * emptied when next handed over). */
static void drop_batches(hl_ingester_t *ing) {
    for (size_t p = 0; p < ing->nparts; p++)
        if (ing->parts[p].pb.events)
            hl_pbatch_reset(&ing->parts[p].pb, ing->conf->topic_tickets, (int32_t)p,
                            ing->parts[p].pb.start_offset);
    ing->batch_events = 0;
}

/* Writes whatever was consumed and reads the answer: the batch in flight,
 * then the filling one. @returns 0, or -1 when some of it did not land
 * (need_recover is then set, or the caller drops it). */
static int write_all(hl_ingester_t *ing) {
    if (wait_writer(ing))
        return -1;
    if (ing->batch_events && (ing->need_recover || flush_now(ing)))
        return -1;
    return settle(ing);
}

/* Rebalance: the revoked partitions' batch is written or dropped first. */
static void on_revoke(void *opaque, const int32_t *partitions, size_t n) {
    hl_ingester_t *ing = opaque;
    if (write_all(ing))
        hl_log("WARN", "revoke: in-flight batch dropped; the next owner resumes from the "
                       "stored offsets");
    drop_batches(ing);
    for (size_t i = 0; i < n; i++)
        if ((size_t)partitions[i] < ing->nparts)
            ing->parts[partitions[i]].assigned = 0;
    hl_log("INFO", "revoked %zu partition(s)", n);
}

hl_ingester_t *hl_ingester_new(const hl_conf_t *conf, hl_classifier_t *clf, char *errstr,
                               size_t errstr_size) {
    hl_ingester_t *ing = calloc(1, sizeof *ing);
    if (!ing) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    ing->conf = conf;
    ing->parser = hl_event_parser_new();
    hl_redis_opts_t so = hl_redis_opts_from_conf(conf);
    ing->store = hl_store_new(&so);
    ing->alerts = hl_alert_step_new();
    if (!ing->parser || !ing->store || !ing->alerts) {
        hl_seterr(errstr, errstr_size, "out of memory");
        goto fail;
    }
    writer_t *w = &ing->writer;
    if (pthread_mutex_init(&w->mu, NULL) || pthread_cond_init(&w->cv, NULL) ||
        pthread_create(&w->thread, NULL, writer_main, ing)) {
        hl_seterr(errstr, errstr_size, "cannot start the writer thread");
        goto fail;
    }
    w->started = 1;
    hl_kafka_hooks_t hooks = {on_assign, on_revoke, ing};
    ing->kafka = hl_kafka_new(conf, conf->topic_tickets, &hooks, errstr, errstr_size);
    if (!ing->kafka)
        goto fail;
    ing->clf = clf;
    snprintf(ing->table_version, sizeof ing->table_version, "%s",
             hl_classifier_rules(clf)->version);
    ing->bopts.due_default_s = conf->due_days * 86400;
    ing->bopts.hour_ttl_s = 40 * 86400;
    ing->bopts.day_ttl_s = 400 * 86400;
    ing->bopts.table_version = ing->table_version;
    hl_siphash_key(conf->alerts_hash_key, ing->alert_key);
    if (hl_conf_hash_key_weak(conf))
        hl_log("WARN", "alerts.hash.key is the published default or shorter than %d bytes: anyone "
               "reading Redis can recover callers' phones and credit codes from the hl:who and "
               "hl:crowd hashes by hashing every number; set a secret key",
               HL_CONF_HASH_KEY_MIN);
    if (conf->metrics_port &&
        !(ing->metrics = hl_metrics_start((int)conf->metrics_port, errstr, errstr_size)))
        goto fail;
    char rerr[HL_ERRSTR_SIZE];
    if (!(ing->report_rules = hl_report_rules_load(conf->report_rules_path, rerr, sizeof rerr)))
        hl_log("ERROR", "report rules not loaded, quarterly reports will not be emitted: %s", rerr);
    return ing;
fail:
    ing->clf = NULL;
    hl_ingester_destroy(ing);
    return NULL;
}

/* Queues a dead letter. @returns 0, or -1 when it could not be queued
 * (logged; the batch must not commit, it is retried). Thread safe. */
static int send_deadletter(const hl_ingester_t *ing, const char *key, size_t key_len,
                           const char *payload, size_t len, hl_reject_t reason,
                           const char *message, int32_t partition, int64_t offset) {
    char err[HL_ERRSTR_SIZE];
    if (hl_kafka_deadletter(ing->kafka, ing->conf->topic_deadletter, key, key_len, payload, len,
                            hl_reject_code(reason), message, partition, offset, err, sizeof err)) {
        hl_log("WARN", "dead letter of partition %d offset %lld (%s, %zu bytes) not queued: %s",
               (int)partition, (long long)offset, hl_reject_code(reason), len, err);
        return -1;
    }
    return 0;
}

/* A message the decoder rejected (polling thread). */
static void deadletter(hl_ingester_t *ing, const char *key, size_t key_len, const char *payload,
                       size_t len, hl_reject_t reason, const char *message, int32_t partition,
                       int64_t offset) {
    ing->decode_deadlettered++;
    if (send_deadletter(ing, key, key_len, payload, len, reason, message, partition, offset))
        ing->need_recover = 1;
}

/* An event of a ticket never created (apply step: counted by the applier). */
static void on_unknown(void *opaque, int32_t partition, int64_t offset, const char *id,
                       size_t id_len, const char *raw, size_t len) {
    applier_t *ap = opaque;
    ap->deadlettered++;
    if (send_deadletter(ap->ing, id, id_len, raw, len, HL_REJECT_UNKNOWN_TICKET, "unknown ticket",
                        partition, offset))
        ap->failed = 1;
}

/* A ticket created or changed: the classified feed (one message per new
 * ticket and per state change, published from the batch that writes the
 * counts, delivered before the offsets move past it: at least once,
 * identical when repeated). */
static void on_changed(void *opaque, const hl_change_t *c) {
    applier_t *ap = opaque;
    const hl_ingester_t *ing = ap->ing;
    if (!*ing->conf->topic_classified)
        return;
    char err[HL_ERRSTR_SIZE];
    char *msg = hl_feed_render(c, ing->table_version);
    if (!msg || hl_kafka_produce(ing->kafka, ing->conf->topic_classified, c->id, c->id_len, msg,
                                 strlen(msg), err, sizeof err)) {
        hl_log("WARN", "classified feed: %s", msg ? err : "out of memory");
        ap->failed = 1;
    }
    free(msg);
}

static void *apply_share(void *opaque) {
    applier_t *ap = opaque;
    hl_batch_observer_t obs = {on_unknown, on_changed, ap};
    for (size_t i = 0; i < ap->n && !ap->failed; i++) {
        if (hl_pbatch_apply(ap->pbs[i], &ap->ing->bopts, &obs))
            ap->failed = 1;
    }
    return NULL;
}

/* Runs the lifecycle over the @p n partitions' batches, on two threads when
 * there are several: the first share (by events) here, the rest on a
 * second thread; the partitions' batches are independent, and the feed
 * keeps each ticket's order. @returns 0, or -1 when the batch must be
 * recovered. */
static int apply_batches(hl_ingester_t *ing, hl_pbatch_t **pbs, size_t n) {
    applier_t *ap = ing->appliers;
    size_t total = 0, first = 0, events = 0;
    for (size_t i = 0; i < n; i++)
        total += pbs[i]->events;
    while (first < n && (events + pbs[first]->events) * 2 <= total + pbs[first]->events)
        events += pbs[first++]->events; /* the prefix holding about half */
    for (int a = 0; a < 2; a++) {
        ap[a].ing = ing;
        ap[a].pbs = a ? pbs + first : pbs;
        ap[a].n = a ? n - first : first;
        ap[a].deadlettered = 0;
        ap[a].failed = 0;
    }
    pthread_t th;
    int threaded = ap[1].n && ap[0].n && pthread_create(&th, NULL, apply_share, &ap[1]) == 0;
    apply_share(&ap[0]);
    if (threaded)
        pthread_join(th, NULL);
    else
        apply_share(&ap[1]);
    ing->totals.deadlettered += ap[0].deadlettered + ap[1].deadlettered;
    return ap[0].failed || ap[1].failed ? -1 : 0;
}

static void handle(hl_ingester_t *ing, const hl_kmsg_t *m) {
    part_t *ps = (size_t)m->partition < ing->nparts ? &ing->parts[m->partition] : NULL;
    if (!ps || !ps->assigned || ps->next_expected == OFFSET_UNKNOWN ||
        (ps->next_expected != OFFSET_ANY && m->offset < ps->next_expected))
        return; /* fetched before a re-seek: it will come again */
    ps->next_expected = m->offset + 1;
    ps->eof = 0;
    ing->totals.messages++;
    if (ing->batch_events++ == 0)
        ing->batch_opened_ms = hl_now_ms();
    hl_event_t ev;
    char err[HL_ERRSTR_SIZE];
    hl_reject_t r;
    if ((int64_t)m->len > ing->conf->max_message_bytes) {
        r = HL_REJECT_TOO_LARGE;
        snprintf(err, sizeof err, "message of %zu bytes over ingest.max.message.bytes", m->len);
    } else {
        r = hl_event_parse(ing->parser, m->payload, m->len, &ev, err, sizeof err);
    }
    if (r) {
        deadletter(ing, m->key, m->key_len, m->payload, m->len, r, err, m->partition, m->offset);
        if (hl_pbatch_add_rejected(&ps->pb, m->offset, r))
            ing->need_recover = 1;
        return;
    }
    const hl_result_t *res = NULL;
    hl_who_t who[2];
    size_t nwho = 0;
    if (ev.type == HL_EV_CREATED) {
        /* identities for repeat alerts: keyed hashes, the raw values go no further */
        if (ev.caller_phone.ptr &&
            hl_who_phone(ing->alert_key, ev.caller_phone.ptr, ev.caller_phone.len, &who[nwho]) == 0)
            nwho++;
        if (ev.enterprise_credit_code.ptr &&
            hl_who_credit(ing->alert_key, ev.enterprise_credit_code.ptr,
                          ev.enterprise_credit_code.len, &who[nwho]) == 0)
            nwho++;
        if (hl_classify(ing->clf, ev.title.ptr, ev.title.len, ev.content.ptr, ev.content.len,
                        &ing->res)) {
            ing->need_recover = 1;
            return;
        }
        res = &ing->res;
    }
    ing->totals.by_type[ev.type]++;
    if (ev.ts > ps->max_ts)
        ps->max_ts = ev.ts;
    if (hl_pbatch_add(&ps->pb, m->offset, &ev, res, who, nwho, m->payload, m->len))
        ing->need_recover = 1;
}

/* Reads whether the batch sent last applied (hl_store_commit returns once
 * it is sent, and Redis executes it while the next batch is consumed).
 * @returns 0, or -1 when it did not (the caller recovers: drop, re-read
 * offsets, re-seek, which takes back every batch after the stored offsets). */
static int settle(hl_ingester_t *ing) {
    char err[HL_ERRSTR_SIZE];
    hl_err_t e = hl_store_settle(ing->store, err, sizeof err);
    if (e == HL_OK)
        return 0;
    hl_log("WARN", "writing the batch: %s", err);
    if (e == HL_ERR_STALE)
        ing->totals.stale_batches++;
    else
        ing->totals.redis_failures++;
    return -1;
}

/* Adds the time since *@p mark to *@p total and moves the mark on (the
 * writer's stages, hl_ingest_totals_t). */
static void lap(int64_t *mark, uint64_t *total) {
    int64_t now = hl_now_us();
    *total += (uint64_t)(now - *mark);
    *mark = now;
}

/* Writes one batch: the partitions' batches @p pbs (writer thread).
 * @returns 0, or -1 when it was not written (the polling thread recovers:
 * drop, re-read offsets, re-seek). */
static int write_batch(hl_ingester_t *ing, hl_pbatch_t **pbs, size_t n) {
    char err[HL_ERRSTR_SIZE];
    hl_ingest_totals_t *t = &ing->totals;
    int64_t mark = hl_now_us();
    int *stale = calloc(n + 1, sizeof *stale);
    int rc = -1;
    if (!stale)
        goto out;
    if (settle(ing))
        goto out;
    if (hl_store_load_states(ing->store, pbs, n, stale, err, sizeof err)) {
        hl_log("WARN", "loading ticket states: %s", err);
        t->redis_failures++;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (stale[i]) {
            hl_log("WARN", "partition %d: stored offset moved on (another ingester owns it): "
                           "batch dropped", (int)pbs[i]->partition);
            t->stale_batches++;
            goto out;
        }
    lap(&mark, &t->writer_us[HL_STAGE_REDIS]);
    if (hl_alert_step_ask(ing->alerts, ing->store, ing->conf, ing->alert_key, &ing->bopts, pbs, n,
                          err, sizeof err)) {
        hl_log("WARN", "alerts: %s", err);
        t->redis_failures++;
        goto out;
    }
    if (apply_batches(ing, pbs, n))
        goto out;
    lap(&mark, &t->writer_us[HL_STAGE_LIFECYCLE]);
    if (hl_alert_step_raise(ing->alerts, ing->store, ing->kafka, ing->conf, err, sizeof err)) {
        hl_log("WARN", "alerts: %s", err);
        t->redis_failures++;
        goto out;
    }
    /* Redis reads the counters while Kafka takes the batch's messages */
    if (hl_store_counters_send(ing->store, pbs, n, err, sizeof err)) {
        hl_log("WARN", "reading the counters: %s", err);
        t->redis_failures++;
        goto out;
    }
    lap(&mark, &t->writer_us[HL_STAGE_REDIS]);
    /* dead letters and feed messages must be delivered before the offsets
     * move past them */
    if (hl_kafka_flush(ing->kafka, 30000, err, sizeof err)) {
        hl_log("WARN", "dead-letter delivery: %s", err);
        goto out;
    }
    lap(&mark, &t->writer_us[HL_STAGE_KAFKA]);
    if (hl_store_counters_recv(ing->store, pbs, n, err, sizeof err)) {
        hl_log("WARN", "reading the counters: %s", err);
        t->redis_failures++;
        goto out;
    }
    lap(&mark, &t->writer_us[HL_STAGE_REDIS]);
    if (hl_store_commit(ing->store, pbs, n, err, sizeof err)) {
        hl_log("WARN", "writing the batch: %s", err);
        t->redis_failures++;
        goto out;
    }
    lap(&mark, &t->writer_us[HL_STAGE_COMMIT]);
    rc = 0;
    t->batches++;
out:
    free(stale);
    return rc;
}

static void *writer_main(void *opaque) {
    hl_ingester_t *ing = opaque;
    writer_t *w = &ing->writer;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->pending && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->pending)
            break;
        pthread_mutex_unlock(&w->mu);
        int64_t t0 = hl_now_ms();
        int rc = write_batch(ing, w->pbs, w->n);
        pthread_mutex_lock(&w->mu);
        w->batch_ms = (double)(hl_now_ms() - t0);
        w->failed |= rc != 0;
        w->done = 1;
        w->pending = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Messages dead-lettered: by the decoder and by the apply step (unknown
 * tickets). */
static uint64_t deadlettered(const hl_ingester_t *ing) {
    return ing->totals.deadlettered + ing->decode_deadlettered;
}

static void publish_metrics(hl_ingester_t *ing) {
    hl_metrics_snapshot_t snap = {0};
    snap.messages = ing->totals.messages;
    snap.deadlettered = deadlettered(ing);
    snap.batches = ing->totals.batches;
    hl_store_counts(ing->store, &snap.redis_round_trips, &snap.redis_commands);
    snap.redis_failures = ing->totals.redis_failures;
    snap.stale_batches = ing->totals.stale_batches;
    memcpy(snap.events_by_type, ing->totals.by_type, sizeof snap.events_by_type);
    snap.lag = ing->lag;
    snap.last_batch_ms = ing->last_batch_ms;
    memcpy(snap.writer_us, ing->totals.writer_us, sizeof snap.writer_us);
    snap.consumer_wait_us = ing->totals.consumer_wait_us;
    memcpy(snap.table_version, ing->table_version, sizeof snap.table_version);
    hl_metrics_update(ing->metrics, &snap);
}

/* Takes the writer's outcome (polling thread): with @p wait, waits until it
 * is idle (then the store, the appliers, the out batches and the
 * write-path counters are the caller's again); without, returns at once if
 * it is busy. A written batch's figures go to the metrics.
 * @returns 0, or -1 (need_recover set) when the batch handed over last was
 * not written. */
static int writer_outcome(hl_ingester_t *ing, int wait) {
    writer_t *w = &ing->writer;
    if (!w->started)
        return 0;
    pthread_mutex_lock(&w->mu);
    if (w->pending && !wait) {
        pthread_mutex_unlock(&w->mu);
        return 0;
    }
    while (w->pending)
        pthread_cond_wait(&w->cv, &w->mu);
    int failed = w->failed, done = w->done;
    w->failed = w->done = 0;
    double ms = w->batch_ms;
    pthread_mutex_unlock(&w->mu);
    if (failed) {
        ing->need_recover = 1;
        return -1;
    }
    if (done) {
        ing->last_batch_ms = ms;
        if (ing->metrics)
            publish_metrics(ing);
    }
    return 0;
}

/* Waits until the writer is idle: writer_outcome() waiting. */
static int wait_writer(hl_ingester_t *ing) { return writer_outcome(ing, 1); }

/* Hands the filling batch over to the writer (polling thread): once the
 * previous one is written, each partition's batch becomes its out batch and
 * an empty batch continues from its next offset. @returns 0, or -1 when the
 * previous batch was not written or this one lost an event (need_recover
 * set: nothing is handed over). */
static int hand_over(hl_ingester_t *ing) {
    writer_t *w = &ing->writer;
    int64_t waited_from = hl_now_us();
    if (wait_writer(ing) || ing->need_recover)
        return -1;
    ing->totals.consumer_wait_us += (uint64_t)(hl_now_us() - waited_from);
    if (w->cap < ing->nparts) {
        hl_pbatch_t **pbs = realloc(w->pbs, ing->nparts * sizeof *pbs);
        if (!pbs) {
            ing->need_recover = 1;
            return -1;
        }
        w->pbs = pbs;
        w->cap = ing->nparts;
    }
    size_t n = 0;
    for (size_t p = 0; p < ing->nparts; p++) {
        part_t *ps = &ing->parts[p];
        if (!ps->assigned || !ps->pb.events)
            continue;
        hl_pbatch_t full = ps->pb;
        ps->pb = ps->out;
        ps->out = full;
        hl_pbatch_reset(&ps->pb, ing->conf->topic_tickets, (int32_t)p, full.next_offset);
        w->pbs[n++] = &ps->out;
    }
    ing->batch_events = 0;
    if (!n)
        return 0;
    pthread_mutex_lock(&w->mu);
    w->n = n;
    w->pending = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

/* Writes the filling batch and waits for it (polling thread). @returns 0,
 * or -1 (need_recover set) when it was not written. */
static int flush_now(hl_ingester_t *ing) {
    if (hand_over(ing))
        return -1;
    return wait_writer(ing);
}

/* Drops the open batch, pauses consuming, and waits (with backoff) until
 * Redis answers; then restarts every assigned partition at its stored offset.
 * @returns 0 (recovered, or stopped by *run), -1 when Redis refuses our
 * credentials (fatal: waiting cannot help). */
static int recover(hl_ingester_t *ing, volatile sig_atomic_t *run) {
    /* whatever they say, the stored offsets below decide */
    wait_writer(ing);
    settle(ing);
    drop_batches(ing);
    hl_kafka_pause(ing->kafka);
    int backoff_ms = 100;
    char err[HL_ERRSTR_SIZE];
    while (*run) {
        int32_t *ids = calloc(ing->nparts + 1, sizeof *ids);
        int64_t *offs = calloc(ing->nparts + 1, sizeof *offs);
        size_t n = 0;
        hl_err_t ping = ids && offs ? hl_store_ping(ing->store, err, sizeof err) : HL_ERR_NOMEM;
        if (ping == HL_ERR_DENIED) {
            free(ids);
            free(offs);
            hl_log("ERROR", "%s (check redis.user and redis.password)", err);
            return -1;
        }
        int ok = ping == HL_OK;
        for (size_t p = 0; ok && p < ing->nparts; p++) {
            if (!ing->parts[p].assigned)
                continue;
            ids[n] = (int32_t)p;
            ok = hl_store_get_offset(ing->store, ing->parts[p].pb.tag, &offs[n], err,
                                     sizeof err) == HL_OK;
            n++;
        }
        if (ok && hl_kafka_reassign(ing->kafka, ids, offs, n, err, sizeof err) == HL_OK) {
            for (size_t i = 0; i < n; i++)
                reset_part(ing, ids[i], offs[i]);
            free(ids);
            free(offs);
            ing->need_recover = 0;
            hl_log("INFO", "recovered: %zu partition(s) resume from their stored offsets", n);
            return 0;
        }
        free(ids);
        free(offs);
        ing->totals.redis_failures++;
        hl_log("WARN", "waiting for Redis: %s (retry in %d ms)", err, backoff_ms);
        /* keep serving the group while waiting; messages are dropped */
        int64_t until = hl_now_ms() + backoff_ms;
        while (*run && hl_now_ms() < until) {
            hl_kmsg_t m;
            if (hl_kafka_poll(ing->kafka, 50, &m, err, sizeof err) == 1)
                hl_kafka_msg_done(&m);
        }
        backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
    }
    return 0;
}

/* Event time as far as every assigned partition has got: the earliest of
 * the partitions' latest event times; 0 while a partition that is not at
 * its end has shown no event yet (its time is unknown). */
static int64_t event_watermark(const hl_ingester_t *ing) {
    int64_t w = 0;
    for (size_t p = 0; p < ing->nparts; p++) {
        const part_t *ps = &ing->parts[p];
        if (!ps->assigned)
            continue;
        if (!ps->max_ts) {
            if (!ps->eof)
                return 0;
            continue;
        }
        if (!w || ps->max_ts < w)
            w = ps->max_ts;
    }
    return w;
}

static int cmp_quarter(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Emits one quarter's health check unless the set of emitted quarters has it.
 * @returns 0 when emitted or already there, -1 on failure (message in err). */
static int emit_report(hl_ingester_t *ing, const char *quarter, char *err, size_t errsize) {
    char key[256], prev[8], year_ago[8], suffix[3][16];
    snprintf(key, sizeof key, "hl:emitted:%s", ing->conf->topic_tickets);
    int was = hl_query_set_member(ing->query, key, quarter, 0, err, errsize);
    if (was)
        return was < 0 ? -1 : 0;
    hl_strmap_t q[3] = {{0}, {0}, {0}};
    hl_report_quarter_shift(quarter, -1, prev, sizeof prev);
    hl_report_quarter_shift(quarter, -4, year_ago, sizeof year_ago);
    snprintf(suffix[0], sizeof suffix[0], "q:%s", quarter);
    snprintf(suffix[1], sizeof suffix[1], "q:%s", prev);
    snprintf(suffix[2], sizeof suffix[2], "q:%s", year_ago);
    char *json = NULL;
    int ok = 1;
    for (int i = 0; ok && i < 3; i++)
        ok = hl_query_hash_sum(ing->query, ing->conf->topic_tickets, suffix[i], &q[i], err,
                               errsize) == HL_OK;
    ok = ok && (json = hl_report_json_for(&q[0], &q[1], &q[2], quarter, ing->report_rules, err,
                                          errsize)) != NULL;
    ok = ok && !hl_kafka_produce(ing->kafka, ing->conf->topic_healthcheck, quarter,
                                 strlen(quarter), json, strlen(json), err, errsize);
    ok = ok && !hl_kafka_flush(ing->kafka, 30000, err, errsize);
    ok = ok && hl_query_set_member(ing->query, key, quarter, 1, err, errsize) >= 0;
    if (ok)
        hl_log("INFO", "quarterly health check %s emitted to %s", quarter,
               ing->conf->topic_healthcheck);
    free(json);
    for (int i = 0; i < 3; i++)
        hl_strmap_free(&q[i]);
    return ok ? 0 : -1;
}

/* Emits the quarterly health check of every quarter whose end plus
 * report.grace.days the event time of all partitions has passed, oldest
 * first, once each (a Redis set records the quarters emitted). */
static void maybe_emit_report(hl_ingester_t *ing) {
    int64_t w = event_watermark(ing);
    if (!ing->report_rules || !w)
        return;
    char current[8], due[8], err[HL_ERRSTR_SIZE] = "";
    hl_cst_quarter(w - ing->conf->report_grace_days * 86400, current, sizeof current);
    if (hl_report_quarter_shift(current, -1, due, sizeof due) || strcmp(due, ing->emitted) <= 0)
        return;
    if (wait_writer(ing)) /* the report reads what the batches wrote */
        return;
    if (settle(ing)) {
        ing->need_recover = 1;
        return;
    }
    if (!ing->query && !(ing->query = hl_query_from_conf(ing->conf, err, sizeof err))) {
        hl_log("WARN", "health check: %s (will retry)", err);
        return;
    }
    hl_strmap_t quarters = {0};
    if (hl_query_quarters(ing->query, ing->conf->topic_tickets, &quarters, err, sizeof err)) {
        hl_log("WARN", "health check: %s (will retry)", err);
        hl_strmap_free(&quarters);
        return;
    }
    const char **names = calloc(quarters.count + 1, sizeof *names);
    for (size_t i = 0; names && i < quarters.count; i++)
        names[i] = hl_strmap_key(&quarters, &quarters.entries[i]);
    if (names)
        qsort(names, quarters.count, sizeof *names, cmp_quarter);
    int ok = names != NULL;
    for (size_t i = 0; ok && i < quarters.count; i++)
        if (strcmp(names[i], ing->emitted) > 0 && strcmp(names[i], due) <= 0)
            ok = emit_report(ing, names[i], err, sizeof err) == 0;
    if (ok) {
        memcpy(ing->emitted, due, sizeof ing->emitted);
    } else {
        hl_log("WARN", "health check not emitted: %s (will retry)", err);
        hl_query_destroy(ing->query);
        ing->query = NULL;
    }
    free(names);
    hl_strmap_free(&quarters);
}

static void reload_table(hl_ingester_t *ing) {
    hl_classifier_opts_t opts = {ing->conf->title_weight, ing->conf->min_score};
    hl_diag_t diag = {0};
    hl_classifier_t *clf = hl_classifier_load(ing->conf->keywords_path, &opts, &diag);
    if (!clf) {
        hl_log("ERROR", "SIGHUP: keyword table %s rejected (%d problems), keeping version %s:\n%s",
               ing->conf->keywords_path, diag.count, ing->table_version,
               diag.text ? diag.text : "");
        hl_diag_free(&diag);
        return;
    }
    hl_classifier_destroy(ing->clf);
    ing->clf = clf;
    snprintf(ing->table_version, sizeof ing->table_version, "%s",
             hl_classifier_rules(clf)->version);
    hl_log("INFO", "SIGHUP: keyword table %s loaded, version %s, %zu keywords",
           ing->conf->keywords_path, ing->table_version, hl_classifier_rules(clf)->count);
}

static void log_stats(hl_ingester_t *ing, int64_t now) {
    wait_writer(ing); /* its counters are ours again (a failure sets need_recover) */
    double secs = (double)(now - ing->stats_at_ms) / 1000.0;
    int64_t lag = 0;
    for (size_t p = 0; p < ing->nparts; p++) {
        if (!ing->parts[p].assigned || ing->parts[p].next_expected < 0 ||
            ing->parts[p].next_expected == OFFSET_UNKNOWN)
            continue;
        int64_t high = hl_kafka_high_watermark(ing->kafka, (int32_t)p);
        if (high > ing->parts[p].next_expected)
            lag += high - ing->parts[p].next_expected;
    }
    ing->lag = lag;
    hl_store_counts(ing->store, &ing->totals.redis_round_trips, &ing->totals.redis_commands);
    hl_log("INFO",
           "ingest: %.0f events/s, lag %lld, last batch %.0f ms, dead-lettered %llu, "
           "redis failures %llu, redis round trips/event %.4f, table %s",
           secs > 0 ? (double)(ing->totals.messages - ing->stats_messages) / secs : 0.0,
           (long long)lag, ing->last_batch_ms,
           (unsigned long long)deadlettered(ing),
           (unsigned long long)ing->totals.redis_failures,
           ing->totals.messages ? (double)ing->totals.redis_round_trips / (double)ing->totals.messages
                                : 0.0,
           ing->table_version);
    ing->stats_at_ms = now;
    ing->stats_messages = ing->totals.messages;
}

/* Whether partitions are assigned and every one was read to its end. */
static int all_at_end(const hl_ingester_t *ing) {
    size_t assigned = 0;
    for (size_t p = 0; p < ing->nparts; p++) {
        if (!ing->parts[p].assigned)
            continue;
        assigned++;
        if (!ing->parts[p].eof)
            return 0;
    }
    return assigned > 0;
}

int hl_ingester_run(hl_ingester_t *ing, volatile sig_atomic_t *run,
                    volatile sig_atomic_t *reload, int until_caught_up) {
    char err[HL_ERRSTR_SIZE];
    ing->stats_at_ms = hl_now_ms();
    hl_log("INFO", "ingest: consuming %s, keyword table %s version %s", ing->conf->topic_tickets,
           ing->conf->keywords_path, ing->table_version);
    /* refused credentials are a configuration error, not an outage to wait out */
    if (hl_store_ping(ing->store, err, sizeof err) == HL_ERR_DENIED) {
        hl_log("ERROR", "%s (check redis.user and redis.password)", err);
        return -1;
    }
    while (*run) {
        if (ing->need_recover) {
            if (recover(ing, run))
                return -1;
            continue;
        }
        if (*reload && ing->batch_events == 0 && wait_writer(ing) == 0) {
            *reload = 0;
            reload_table(ing);
        }
        hl_kmsg_t m;
        int got = hl_kafka_poll(ing->kafka, 50, &m, err, sizeof err);
        if (got < 0) {
            hl_log("ERROR", "%s", err);
            wait_writer(ing); /* the caller reads the totals */
            return -1;
        }
        if (got == 1) {
            if (m.eof) {
                if ((size_t)m.partition < ing->nparts)
                    ing->parts[m.partition].eof = 1;
                /* a partition at its end no longer holds back the event
                 * time (an empty one has none): a quarter may now be due */
                if (!ing->batch_events && !ing->need_recover)
                    maybe_emit_report(ing);
            } else {
                handle(ing, &m);
            }
            hl_kafka_msg_done(&m);
        }
        writer_outcome(ing, 0); /* a written batch shows in the metrics at once */
        int64_t now = hl_now_ms();
        int all_eof = until_caught_up && all_at_end(ing);
        if (ing->batch_events &&
            ((int64_t)ing->batch_events >= ing->conf->batch_size ||
             now - ing->batch_opened_ms >= ing->conf->batch_max_ms || all_eof)) {
            if (hand_over(ing))
                ing->need_recover = 1;
            else
                maybe_emit_report(ing);
        }
        if (now - ing->stats_at_ms >= ing->conf->stats_interval_s * 1000)
            log_stats(ing, now);
        if (until_caught_up && !ing->need_recover && ing->batch_events == 0 && all_at_end(ing)) {
            if (write_all(ing) == 0) /* nothing is filling: the batch in flight */
                break;
            ing->need_recover = 1;
        }
    }
    /* SIGTERM: finish the in-flight batch if Redis takes it, else abandon it
     * (the stored offsets say where to resume) */
    if (write_all(ing))
        hl_log("WARN", "stop: in-flight batch abandoned; it is re-read on the next start");
    log_stats(ing, hl_now_ms());
    return 0;
}

void hl_ingester_totals(const hl_ingester_t *ing, hl_ingest_totals_t *out) {
    *out = ing->totals;
    out->deadlettered = deadlettered(ing);
    hl_store_counts(ing->store, &out->redis_round_trips, &out->redis_commands);
}

void hl_ingester_destroy(hl_ingester_t *ing) {
    if (!ing)
        return;
    if (ing->kafka) {
        hl_kafka_close(ing->kafka); /* revokes through on_revoke */
        hl_kafka_destroy(ing->kafka);
    }
    writer_t *w = &ing->writer;
    if (w->started) {
        wait_writer(ing);
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
    }
    free(w->pbs);
    for (size_t p = 0; p < ing->nparts; p++) {
        hl_pbatch_free(&ing->parts[p].pb);
        hl_pbatch_free(&ing->parts[p].out);
    }
    free(ing->parts);
    hl_store_destroy(ing->store);
    hl_metrics_destroy(ing->metrics);
    hl_query_destroy(ing->query);
    hl_report_rules_destroy(ing->report_rules);
    hl_alert_step_destroy(ing->alerts);
    hl_result_free(&ing->res);
    hl_event_parser_destroy(ing->parser);
    hl_classifier_destroy(ing->clf);
    free(ing);
}
