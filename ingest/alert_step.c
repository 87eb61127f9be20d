/* alert_step.c: a batch's alert look-ups (alert_step.h). */
#include "ingest/alert_step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/siphash.h"
#include "common/strmap.h"
#include "common/taxonomy.h"
#include "ingest/alerts.h"
#include "ingest/rfc3339.h"

/* A new ticket that may raise alerts, listed before its batch is applied. */
typedef struct alert_cand_s {
    hl_pbatch_t *pb;
    char id[HL_ID_MAX + 1];
    int64_t ts;
    int topic, district;
    unsigned flags;
    char park[HL_PARK_MAX + 1];
    hl_who_t who[2];
    size_t nwho;
    size_t first_query; /* index of its first hl_zquery_t */
} alert_cand_t;

/* The batch's new tickets that may raise alerts (in event order) and their
 * questions to Redis. */
struct hl_alert_step_s {
    hl_pbatch_t *listing;   /* the partition batch hl_pbatch_creations() is on */
    alert_cand_t *cands;
    size_t ncands, cands_cap;
    hl_zquery_t *qs;        /* each candidate's from its first_query */
    size_t nqs, qs_cap;
    hl_strmap_t asked;      /* the batch's keys so far: one EXPIRE each */
    int failed;             /* out of memory */
};

hl_alert_step_t *hl_alert_step_new(void) { return calloc(1, sizeof(hl_alert_step_t)); }

void hl_alert_step_destroy(hl_alert_step_t *st) {
    if (!st)
        return;
    free(st->cands);
    free(st->qs);
    hl_strmap_free(&st->asked);
    free(st);
}

/* hl_pbatch_creations() observer: lists a new ticket that may raise alerts. */
static void on_created(void *opaque, const hl_change_t *c) {
    hl_alert_step_t *st = opaque;
    if (!(c->flags & HL_FLAG_URGENT) && c->nwho == 0)
        return;
    if (st->ncands == st->cands_cap) {
        size_t cap = st->cands_cap ? st->cands_cap * 2 : 256;
        alert_cand_t *n = realloc(st->cands, cap * sizeof *n);
        if (!n) {
            st->failed = 1;
            return;
        }
        st->cands = n;
        st->cands_cap = cap;
    }
    alert_cand_t *a = &st->cands[st->ncands++];
    a->pb = st->listing;
    snprintf(a->id, sizeof a->id, "%.*s", (int)c->id_len, c->id);
    a->ts = c->ts;
    a->topic = c->ticket->topic;
    a->district = c->ticket->district;
    a->flags = c->flags;
    snprintf(a->park, sizeof a->park, "%s", c->ticket->park);
    a->nwho = c->nwho > 2 ? 2 : c->nwho;
    memcpy(a->who, c->who, a->nwho * sizeof *a->who);
}

static void hex64(uint64_t v, char *out) { snprintf(out, 17, "%016llx", (unsigned long long)v); }

/* One alert: into the partition's alert list (with the batch) and onto the
 * alerts topic. */
static int emit_alert(hl_kafka_t *kafka, const hl_conf_t *conf, const alert_cand_t *c,
                      hl_alert_type_t type, const char *who, int64_t count) {
    hl_alert_t a = {type, c->id, strlen(c->id), c->ts, c->topic, c->district,
                    *c->park ? c->park : NULL, who, count};
    char err[HL_ERRSTR_SIZE];
    char *json = hl_alert_render(&a);
    int rc = !json || hl_pbatch_add_alert(c->pb, json) ||
             hl_kafka_produce(kafka, conf->topic_alerts, c->id, strlen(c->id), json, strlen(json),
                              err, sizeof err);
    free(json);
    return rc ? -1 : 0;
}

int hl_alert_step_ask(hl_alert_step_t *st, hl_store_t *store, const hl_conf_t *conf,
                      const uint64_t hash_key[2], const hl_batch_opts_t *bopts, hl_pbatch_t **pbs,
                      size_t n, char *err, size_t errsize) {
    st->ncands = st->nqs = 0;
    st->failed = 0;
    hl_batch_observer_t obs = {NULL, on_created, st};
    for (size_t i = 0; i < n && !st->failed; i++) {
        st->listing = pbs[i];
        if (hl_pbatch_creations(pbs[i], bopts, &obs))
            st->failed = 1;
    }
    if (!st->failed && st->ncands * 4 > st->qs_cap) {
        hl_zquery_t *qs = realloc(st->qs, st->ncands * 4 * sizeof *qs);
        if (qs) {
            st->qs = qs;
            st->qs_cap = st->ncands * 4;
        } else {
            st->failed = 1;
        }
    }
    if (st->failed) {
        hl_seterr(err, errsize, "out of memory");
        return -1;
    }
    size_t nq = 0;
    int64_t window = conf->alerts_repeat_days * 86400;
    for (size_t i = 0; i < st->ncands; i++) {
        alert_cand_t *c = &st->cands[i];
        c->first_query = nq;
        hl_cst_t day;
        hl_cst_from_unix(c->ts, &day);
        char h[17];
        for (size_t w = 0; w < c->nwho; w++) { /* repeats of this caller / enterprise */
            hl_zquery_t *q = &st->qs[nq++];
            memset(q, 0, sizeof *q);
            hex64(c->who[w].hash, h);
            snprintf(q->key, sizeof q->key, "hl:who:%s:%s:%s", conf->topic_tickets, h,
                     hl_topics[c->topic].code);
            snprintf(q->member, sizeof q->member, "%s", c->id);
            q->score = c->ts;
            q->ttl_s = window + 86400;
            q->count_min = c->ts - window;
            q->count_max = c->ts;
        }
        if (c->nwho) { /* many callers, one topic, one place, one day */
            hex64(c->who[0].hash, h);
            for (int place = 0; place < (*c->park ? 2 : 1); place++) {
                hl_zquery_t *q = &st->qs[nq++];
                memset(q, 0, sizeof *q);
                char where[40];
                if (place == 0)
                    snprintf(where, sizeof where, "d:%s", hl_districts[c->district].code);
                else
                    snprintf(where, sizeof where, "p:%016llx",
                             (unsigned long long)hl_siphash(hash_key, c->park, strlen(c->park)));
                snprintf(q->key, sizeof q->key, "hl:crowd:%s:%s:%s:%04d%02d%02d",
                         conf->topic_tickets, where, hl_topics[c->topic].code, day.year,
                         day.month, day.day);
                snprintf(q->member, sizeof q->member, "%s", h);
                q->score = c->ts;
                q->keep_min = 1;
                q->ttl_s = 2 * 86400;
                q->count_min = 0;
                q->count_max = c->ts;
            }
        }
    }
    st->nqs = nq;
    hl_strmap_clear(&st->asked);
    for (size_t i = 0; i < nq; i++) {
        int first = 0;
        if (!hl_strmap_get(&st->asked, st->qs[i].key, strlen(st->qs[i].key), &first)) {
            hl_seterr(err, errsize, "out of memory");
            return -1;
        }
        st->qs[i].expire = first;
    }
    return hl_store_zcount_send(store, st->qs, nq, err, errsize) ? -1 : 0;
}

int hl_alert_step_raise(hl_alert_step_t *st, hl_store_t *store, hl_kafka_t *kafka,
                        const hl_conf_t *conf, char *err, size_t errsize) {
    if (hl_store_zcount_recv(store, st->qs, st->nqs, err, errsize))
        return -1;
    const hl_zquery_t *qs = st->qs;
    int rc = 0;
    for (size_t i = 0; i < st->ncands && rc == 0; i++) {
        const alert_cand_t *c = &st->cands[i];
        size_t q = c->first_query;
        hl_alert_type_t best = HL_ALERT_NONE;
        int64_t best_count = 0;
        const char *best_who = NULL;
        for (size_t w = 0; w < c->nwho; w++, q++) {
            hl_alert_type_t t = hl_alert_repeat(qs[q].count);
            if (t != HL_ALERT_NONE && qs[q].count > best_count) {
                best = t;
                best_count = qs[q].count;
                best_who = c->who[w].masked;
            }
        }
        if (best != HL_ALERT_NONE)
            rc |= emit_alert(kafka, conf, c, best, best_who, best_count);
        for (int place = 0; c->nwho && place < (*c->park ? 2 : 1); place++, q++)
            if (hl_alert_cluster(qs[q].count, qs[q].member_score == c->ts,
                                 conf->alerts_cluster_callers))
                rc |= emit_alert(kafka, conf, c, HL_ALERT_CLUSTER, NULL, qs[q].count);
        if (c->flags & HL_FLAG_URGENT)
            rc |= emit_alert(kafka, conf, c, HL_ALERT_URGENT, c->nwho ? c->who[0].masked : NULL, 1);
    }
    if (rc)
        hl_seterr(err, errsize, "could not queue an alert");
    return rc;
}
