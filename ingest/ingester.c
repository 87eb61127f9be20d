/* ingester.c: the consume -> decode -> classify -> batch -> commit loop.
 *
 * Exactly once: a partition's events are applied to Redis only by the Lua
 * transaction that also moves its stored offset, and only if that offset is
 * still the one the batch started from. Whatever fails (Redis, Kafka, a
 * rebalance, a crash), the in-memory batch is dropped and consumption
 * restarts from the stored offsets, so every event's effect lands once. */
#include "ingest/ingester.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hl.h"
#include "ingest/batch.h"
#include "ingest/event.h"
#include "ingest/feed.h"
#include "ingest/kafka.h"
#include "store/store.h"

#define OFFSET_UNKNOWN INT64_MAX /* drop everything until recovered */
#define OFFSET_ANY (-1)          /* accept the first message, wherever */

typedef struct part_s {
    int assigned;
    int eof;
    int64_t next_expected;
    hl_pbatch_t pb;
} part_t;

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
    int need_recover;
    hl_ingest_totals_t totals;
    /* statistics interval */
    int64_t stats_at_ms;
    uint64_t stats_messages;
    double last_batch_ms;
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* Rebalance: where each newly assigned partition resumes, from Redis. */
static int on_assign(void *opaque, const int32_t *partitions, int64_t *offsets, size_t n) {
    hl_ingester_t *ing = opaque;
    char err[HL_ERRSTR_SIZE];
    int ok = 1;
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

static int flush_batch(hl_ingester_t *ing);

static void drop_batches(hl_ingester_t *ing) {
    for (size_t p = 0; p < ing->nparts; p++)
        if (ing->parts[p].pb.events)
            hl_pbatch_reset(&ing->parts[p].pb, ing->conf->topic_tickets, (int32_t)p,
                            ing->parts[p].pb.start_offset);
    ing->batch_events = 0;
}

/* Rebalance: the revoked partitions' batch is written or dropped first. */
static void on_revoke(void *opaque, const int32_t *partitions, size_t n) {
    hl_ingester_t *ing = opaque;
    if (ing->batch_events && !ing->need_recover && flush_batch(ing))
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
    hl_store_opts_t so = {conf->redis_host, (int)conf->redis_port, conf->redis_password,
                          (int)conf->redis_timeout_ms};
    ing->store = hl_store_new(&so);
    if (!ing->parser || !ing->store) {
        hl_seterr(errstr, errstr_size, "out of memory");
        goto fail;
    }
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
    return ing;
fail:
    ing->clf = NULL;
    hl_ingester_destroy(ing);
    return NULL;
}

static void deadletter(hl_ingester_t *ing, const char *key, size_t key_len, const char *payload,
                       size_t len, hl_reject_t reason, const char *message, int32_t partition,
                       int64_t offset) {
    char err[HL_ERRSTR_SIZE];
    ing->totals.deadlettered++;
    if (hl_kafka_deadletter(ing->kafka, ing->conf->topic_deadletter, key, key_len, payload, len,
                            hl_reject_code(reason), message, partition, offset, err, sizeof err))
        ing->need_recover = 1; /* not delivered: the batch must not commit */
}

static void on_unknown(void *opaque, int32_t partition, int64_t offset, const char *id,
                       size_t id_len, const char *raw, size_t len) {
    deadletter(opaque, id, id_len, raw, len, HL_REJECT_UNKNOWN_TICKET, "unknown ticket", partition,
               offset);
}

/* The classified feed: one message per new ticket and per state change,
 * published from the batch that writes the counts (delivered before the
 * offsets move past it: at least once, identical when repeated). */
static void on_changed(void *opaque, const hl_change_t *c) {
    hl_ingester_t *ing = opaque;
    if (!*ing->conf->topic_classified)
        return;
    char err[HL_ERRSTR_SIZE];
    char *msg = hl_feed_render(c, ing->table_version);
    if (!msg || hl_kafka_produce(ing->kafka, ing->conf->topic_classified, c->id, c->id_len, msg,
                                 strlen(msg), err, sizeof err))
        ing->need_recover = 1;
    free(msg);
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
        ing->batch_opened_ms = now_ms();
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
    if (ev.type == HL_EV_CREATED) {
        if (hl_classify(ing->clf, ev.title.ptr, ev.title.len, ev.content.ptr, ev.content.len,
                        &ing->res)) {
            ing->need_recover = 1;
            return;
        }
        res = &ing->res;
    }
    ing->totals.by_type[ev.type]++;
    if (hl_pbatch_add(&ps->pb, m->offset, &ev, res, m->payload, m->len))
        ing->need_recover = 1;
}

/* Writes the open batch. @returns 0, or -1 when it could not be written
 * (the caller recovers: drop, re-read offsets, re-seek). */
static int flush_batch(hl_ingester_t *ing) {
    int64_t t0 = now_ms();
    char err[HL_ERRSTR_SIZE];
    hl_pbatch_t **pbs = calloc(ing->nparts + 1, sizeof *pbs);
    int *stale = calloc(ing->nparts + 1, sizeof *stale);
    size_t n = 0;
    int rc = -1;
    if (!pbs || !stale)
        goto out;
    for (size_t p = 0; p < ing->nparts; p++)
        if (ing->parts[p].assigned && ing->parts[p].pb.events)
            pbs[n++] = &ing->parts[p].pb;
    if (n == 0) {
        rc = 0;
        goto out;
    }
    if (hl_store_load_states(ing->store, pbs, n, err, sizeof err)) {
        hl_log("WARN", "loading ticket states: %s", err);
        ing->totals.redis_failures++;
        goto out;
    }
    hl_batch_observer_t obs = {on_unknown, on_changed, ing};
    for (size_t i = 0; i < n; i++)
        if (hl_pbatch_apply(pbs[i], &ing->bopts, &obs))
            goto out;
    /* dead letters and feed messages must be delivered before the offsets
     * move past them */
    if (hl_kafka_flush(ing->kafka, 30000, err, sizeof err)) {
        hl_log("WARN", "dead-letter delivery: %s", err);
        goto out;
    }
    if (ing->need_recover)
        goto out;
    if (hl_store_commit(ing->store, pbs, n, stale, err, sizeof err)) {
        hl_log("WARN", "writing the batch: %s", err);
        ing->totals.redis_failures++;
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (stale[i]) {
            hl_log("WARN", "partition %d: stored offset moved on (another ingester owns it): "
                           "batch not written", (int)pbs[i]->partition);
            ing->totals.stale_batches++;
            rc = -1;
            continue;
        }
        hl_pbatch_reset(pbs[i], ing->conf->topic_tickets, pbs[i]->partition,
                        pbs[i]->next_offset);
    }
    ing->totals.batches++;
    if (rc == 0)
        ing->batch_events = 0;
    ing->last_batch_ms = (double)(now_ms() - t0);
out:
    free(pbs);
    free(stale);
    return rc;
}

/* Drops the open batch, pauses consuming, and waits (with backoff) until
 * Redis answers; then restarts every assigned partition at its stored offset. */
static int recover(hl_ingester_t *ing, volatile sig_atomic_t *run) {
    drop_batches(ing);
    hl_kafka_pause(ing->kafka);
    int backoff_ms = 100;
    char err[HL_ERRSTR_SIZE];
    while (*run) {
        int32_t *ids = calloc(ing->nparts + 1, sizeof *ids);
        int64_t *offs = calloc(ing->nparts + 1, sizeof *offs);
        size_t n = 0;
        int ok = ids && offs && hl_store_ping(ing->store, err, sizeof err) == HL_OK;
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
        int64_t until = now_ms() + backoff_ms;
        while (*run && now_ms() < until) {
            hl_kmsg_t m;
            if (hl_kafka_poll(ing->kafka, 50, &m, err, sizeof err) == 1)
                hl_kafka_msg_done(&m);
        }
        backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
    }
    return 0;
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
    hl_store_counts(ing->store, &ing->totals.redis_round_trips, &ing->totals.redis_commands);
    hl_log("INFO",
           "ingest: %.0f events/s, lag %lld, last batch %.0f ms, dead-lettered %llu, "
           "redis failures %llu, redis round trips/event %.4f, table %s",
           secs > 0 ? (double)(ing->totals.messages - ing->stats_messages) / secs : 0.0,
           (long long)lag, ing->last_batch_ms, (unsigned long long)ing->totals.deadlettered,
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
    ing->stats_at_ms = now_ms();
    hl_log("INFO", "ingest: consuming %s, keyword table %s version %s", ing->conf->topic_tickets,
           ing->conf->keywords_path, ing->table_version);
    while (*run) {
        if (ing->need_recover) {
            recover(ing, run);
            continue;
        }
        if (*reload && ing->batch_events == 0) {
            *reload = 0;
            reload_table(ing);
        }
        hl_kmsg_t m;
        int got = hl_kafka_poll(ing->kafka, 50, &m, err, sizeof err);
        if (got < 0) {
            hl_log("ERROR", "%s", err);
            return -1;
        }
        if (got == 1) {
            if (m.eof) {
                if ((size_t)m.partition < ing->nparts)
                    ing->parts[m.partition].eof = 1;
            } else {
                handle(ing, &m);
            }
            hl_kafka_msg_done(&m);
        }
        int64_t now = now_ms();
        int all_eof = until_caught_up && all_at_end(ing);
        if (ing->batch_events &&
            ((int64_t)ing->batch_events >= ing->conf->batch_size ||
             now - ing->batch_opened_ms >= ing->conf->batch_max_ms || all_eof)) {
            if (flush_batch(ing))
                ing->need_recover = 1;
        }
        if (now - ing->stats_at_ms >= ing->conf->stats_interval_s * 1000)
            log_stats(ing, now);
        if (until_caught_up && !ing->need_recover && ing->batch_events == 0 && all_at_end(ing))
            break;
    }
    /* SIGTERM: finish the in-flight batch if Redis takes it, else abandon it
     * (the stored offsets say where to resume) */
    if (ing->batch_events && !ing->need_recover && flush_batch(ing))
        hl_log("WARN", "stop: in-flight batch abandoned; it is re-read on the next start");
    log_stats(ing, now_ms());
    return 0;
}

void hl_ingester_totals(const hl_ingester_t *ing, hl_ingest_totals_t *out) {
    *out = ing->totals;
    hl_store_counts(ing->store, &out->redis_round_trips, &out->redis_commands);
}

void hl_ingester_destroy(hl_ingester_t *ing) {
    if (!ing)
        return;
    if (ing->kafka) {
        hl_kafka_close(ing->kafka); /* revokes through on_revoke */
        hl_kafka_destroy(ing->kafka);
    }
    for (size_t p = 0; p < ing->nparts; p++)
        hl_pbatch_free(&ing->parts[p].pb);
    free(ing->parts);
    hl_store_destroy(ing->store);
    hl_result_free(&ing->res);
    hl_event_parser_destroy(ing->parser);
    hl_classifier_destroy(ing->clf);
    free(ing);
}
