/* query_buckets.c: SMEMBERS hl:partitions, then one pipeline of HGETALL (or
 * LRANGE) over every (partition, suffix); when hashes are kept between
 * queries, one pipeline of GET of their change marks before, and HGETALL of
 * only those whose mark moved. */
#include "store/query_buckets.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_qb_s {
    redisContext *c;
    char *host, *user, *password;
    int port, timeout_ms;
    hl_bcache_t *bc;      /* sums, and the hashes kept between queries */
    size_t keep_fields;   /* 0: keep none (no marks read) */
};

static hl_err_t connect_qb(hl_qb_t *qb, char *errstr, size_t errstr_size) {
    hl_redis_opts_t o = {qb->host, qb->port, qb->user, qb->password, qb->timeout_ms};
    return hl_redis_connect(&o, &qb->c, errstr, errstr_size);
}

hl_qb_t *hl_qb_new(const hl_redis_opts_t *opts, char *errstr, size_t errstr_size) {
    hl_qb_t *qb = calloc(1, sizeof *qb);
    if (!qb || !(qb->host = strdup(opts->host ? opts->host : "127.0.0.1")) ||
        !(qb->user = strdup(opts->user ? opts->user : "")) ||
        !(qb->password = strdup(opts->password ? opts->password : ""))) {
        hl_seterr(errstr, errstr_size, "out of memory");
        hl_qb_destroy(qb);
        return NULL;
    }
    if (!(qb->bc = hl_bcache_new(0))) {
        hl_seterr(errstr, errstr_size, "out of memory");
        hl_qb_destroy(qb);
        return NULL;
    }
    qb->port = opts->port;
    qb->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 2000;
    if (connect_qb(qb, errstr, errstr_size)) {
        hl_qb_destroy(qb);
        return NULL;
    }
    return qb;
}

hl_err_t hl_qb_keep_buckets(hl_qb_t *qb, size_t max_fields) {
    hl_bcache_t *bc = hl_bcache_new(max_fields);
    if (!bc)
        return HL_ERR_NOMEM;
    hl_bcache_destroy(qb->bc);
    qb->bc = bc;
    qb->keep_fields = max_fields;
    return HL_OK;
}

void hl_qb_destroy(hl_qb_t *qb) {
    if (!qb)
        return;
    if (qb->c)
        redisFree(qb->c);
    hl_bcache_destroy(qb->bc);
    free(qb->host);
    free(qb->user);
    free(qb->password);
    free(qb);
}

/* The context, reconnected when the last call broke it. */
static hl_err_t ready(hl_qb_t *qb, char *errstr, size_t errstr_size) {
    if (qb->c && !qb->c->err)
        return HL_OK;
    if (qb->c)
        redisFree(qb->c);
    qb->c = NULL;
    return connect_qb(qb, errstr, errstr_size);
}

static hl_err_t broken(hl_qb_t *qb, const char *what, redisReply *r, char *errstr,
                       size_t errstr_size) {
    hl_seterr(errstr, errstr_size, "redis %s: %s", what,
              r && r->type == REDIS_REPLY_ERROR ? r->str
                                                : (qb->c->err ? qb->c->errstr : "unexpected reply"));
    freeReplyObject(r);
    /* the pipeline's state is unknown: drop the connection */
    redisFree(qb->c);
    qb->c = NULL;
    return HL_ERR_REDIS;
}

/* Tags "{topic:p}" of the topic's partitions. */
static hl_err_t tags(hl_qb_t *qb, const char *topic, redisReply **out, char *errstr,
                     size_t errstr_size) {
    hl_err_t err = ready(qb, errstr, errstr_size);
    if (err)
        return err;
    redisReply *r = redisCommand(qb->c, "SMEMBERS hl:partitions");
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return broken(qb, "SMEMBERS", r, errstr, errstr_size);
    size_t tl = strlen(topic), n = 0;
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_STRING && e->len > tl + 2 && e->str[0] == '{' &&
            memcmp(e->str + 1, topic, tl) == 0 && e->str[tl + 1] == ':')
            r->element[n++] = e;
        else
            freeReplyObject(e);
    }
    r->elements = n;
    *out = r;
    return HL_OK;
}

/* Reads the change marks of every (suffix, partition) hash: marks[i] is the
 * GET reply (string or nil), owned by the caller. */
static hl_err_t read_marks(hl_qb_t *qb, const redisReply *t, const char *const *suffixes,
                           size_t n, redisReply **marks, char *errstr, size_t errstr_size) {
    size_t np = t->elements;
    for (size_t s = 0; s < n; s++)
        for (size_t p = 0; p < np; p++)
            redisAppendCommand(qb->c, "GET hl:%b:v:%s", t->element[p]->str, t->element[p]->len,
                               suffixes[s]);
    for (size_t i = 0; i < n * np; i++) {
        redisReply *r = NULL;
        if (redisGetReply(qb->c, (void **)&r) != REDIS_OK || !r ||
            (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL))
            return broken(qb, "GET", r, errstr, errstr_size);
        marks[i] = r;
    }
    return HL_OK;
}

/* Writes "hl:<tag>:<suffix>" into @p out. @returns its length, 0 when it
 * does not fit. */
static size_t hash_key(const redisReply *tag, const char *suffix, char *out, size_t size) {
    int n = snprintf(out, size, "hl:%.*s:%s", (int)tag->len, tag->str, suffix);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

hl_err_t hl_qb_sum(hl_qb_t *qb, const char *topic, const char *const *suffixes, size_t n,
                   int each, hl_strmap_t *out, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < (each ? n : 1); i++)
        hl_strmap_clear(&out[i]);
    redisReply *t;
    hl_err_t err = tags(qb, topic, &t, errstr, errstr_size);
    if (err)
        return err;
    size_t np = t->elements, total = n * np;
    redisReply **marks = calloc(total + 1, sizeof *marks);
    char *kept = calloc(total + 1, 1);
    char key[512];
    if (!marks || !kept) {
        hl_seterr(errstr, errstr_size, "out of memory");
        err = HL_ERR_NOMEM;
        goto out;
    }
    hl_bcache_begin(qb->bc);
    if (qb->keep_fields && (err = read_marks(qb, t, suffixes, n, marks, errstr, errstr_size)))
        goto out;
    /* read the hashes not kept under their current mark, in one pipeline */
    for (size_t s = 0, i = 0; s < n; s++)
        for (size_t p = 0; p < np; p++, i++) {
            size_t kl = hash_key(t->element[p], suffixes[s], key, sizeof key);
            kept[i] = kl && marks[i] && marks[i]->type == REDIS_REPLY_STRING &&
                      hl_bcache_is_kept(qb->bc, key, kl, marks[i]->str, marks[i]->len);
            if (!kept[i])
                redisAppendCommand(qb->c, "HGETALL hl:%b:%s", t->element[p]->str,
                                   t->element[p]->len, suffixes[s]);
        }
    for (size_t s = 0, i = 0; s < n; s++) {
        for (size_t p = 0; p < np; p++, i++) {
            size_t kl = hash_key(t->element[p], suffixes[s], key, sizeof key);
            /* no key (too long: cannot happen with Kafka's topic names) -> not kept */
            const char *mark = kl && marks[i] && marks[i]->type == REDIS_REPLY_STRING
                                   ? marks[i]->str
                                   : NULL;
            size_t mark_len = mark ? marks[i]->len : 0;
            if (kept[i]) {
                if (!err && !hl_bcache_add_kept(qb->bc, key, kl, mark, mark_len)) {
                    hl_seterr(errstr, errstr_size, "bucket cache lost %s", key);
                    err = HL_ERR_INVALID; /* cannot happen: nothing is forgotten mid-query */
                }
                continue;
            }
            redisReply *r = NULL;
            if (redisGetReply(qb->c, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_ARRAY) {
                err = broken(qb, "HGETALL", r, errstr, errstr_size);
                goto out;
            }
            if (!err)
                err = hl_bcache_read_begin(qb->bc, key, kl, mark, mark_len);
            for (size_t k = 0; !err && k + 1 < r->elements; k += 2)
                if ((err = hl_bcache_read_field(qb->bc, r->element[k]->str, r->element[k]->len,
                                                r->element[k + 1]->str, r->element[k + 1]->len)) ==
                    HL_ERR_INVALID)
                    hl_seterr(errstr, errstr_size, "malformed hot words in %s %s", key,
                              r->element[k]->str);
            if (!err)
                err = hl_bcache_read_end(qb->bc);
            freeReplyObject(r);
        }
        if (!err && each)
            err = hl_bcache_emit(qb->bc, &out[s]);
    }
    if (!err && !each)
        err = hl_bcache_emit(qb->bc, &out[0]);
    if (err == HL_ERR_NOMEM)
        hl_seterr(errstr, errstr_size, "out of memory");
out:
    if (err == HL_ERR_NOMEM && qb->c) { /* the rest of the pipeline may be unread */
        redisFree(qb->c);
        qb->c = NULL;
    }
    for (size_t i = 0; marks && i < total; i++)
        freeReplyObject(marks[i]);
    free(marks);
    free(kept);
    freeReplyObject(t);
    return err;
}

hl_err_t hl_qb_lists(hl_qb_t *qb, const char *topic, const char *suffix, long max,
                     hl_qb_texts_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof *out);
    redisReply *t;
    hl_err_t err = tags(qb, topic, &t, errstr, errstr_size);
    if (err)
        return err;
    for (size_t p = 0; p < t->elements; p++)
        redisAppendCommand(qb->c, "LRANGE hl:%b:%s 0 %ld", t->element[p]->str, t->element[p]->len,
                           suffix, max - 1);
    size_t cap = 0;
    for (size_t p = 0; p < t->elements && !err; p++) {
        redisReply *r = NULL;
        if (redisGetReply(qb->c, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_ARRAY) {
            err = broken(qb, "LRANGE", r, errstr, errstr_size);
            break;
        }
        for (size_t k = 0; k < r->elements && !err; k++) {
            if (out->count == cap) {
                cap = cap ? cap * 2 : 64;
                char **tx = realloc(out->texts, cap * sizeof *tx);
                if (tx)
                    out->texts = tx;
                size_t *ln = realloc(out->lens, cap * sizeof *ln);
                if (ln)
                    out->lens = ln;
                if (!tx || !ln) {
                    err = HL_ERR_NOMEM;
                    break;
                }
            }
            char *s = malloc(r->element[k]->len + 1);
            if (!s) {
                err = HL_ERR_NOMEM;
                break;
            }
            memcpy(s, r->element[k]->str, r->element[k]->len);
            s[r->element[k]->len] = '\0';
            out->texts[out->count] = s;
            out->lens[out->count++] = r->element[k]->len;
        }
        freeReplyObject(r);
    }
    if (err == HL_ERR_NOMEM) {
        hl_seterr(errstr, errstr_size, "out of memory");
        redisFree(qb->c);
        qb->c = NULL;
    }
    if (err)
        hl_qb_texts_free(out);
    freeReplyObject(t);
    return err;
}

void hl_qb_texts_free(hl_qb_texts_t *t) {
    for (size_t i = 0; i < t->count; i++)
        free(t->texts[i]);
    free(t->texts);
    free(t->lens);
    memset(t, 0, sizeof *t);
}

hl_err_t hl_qb_ping(hl_qb_t *qb, char *errstr, size_t errstr_size) {
    hl_err_t err = ready(qb, errstr, errstr_size);
    if (err)
        return err;
    redisReply *r = redisCommand(qb->c, "PING");
    if (!r || r->type == REDIS_REPLY_ERROR)
        return broken(qb, "PING", r, errstr, errstr_size);
    freeReplyObject(r);
    return HL_OK;
}

hl_err_t hl_qb_version(hl_qb_t *qb, const char *topic, char *out, size_t size, char *errstr,
                       size_t errstr_size) {
    redisReply *t;
    hl_err_t err = tags(qb, topic, &t, errstr, errstr_size);
    if (err)
        return err;
    size_t len = 0;
    out[0] = '\0';
    if (t->elements) {
        for (size_t p = 0; p < t->elements; p++)
            redisAppendCommand(qb->c, "MGET hl:%b:off hl:%b:mark", t->element[p]->str,
                               t->element[p]->len, t->element[p]->str, t->element[p]->len);
        for (size_t p = 0; p < t->elements; p++) {
            redisReply *r = NULL;
            if (redisGetReply(qb->c, (void **)&r) != REDIS_OK || !r ||
                r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
                err = broken(qb, "MGET", r, errstr, errstr_size);
                break;
            }
            const redisReply *o = r->element[0], *m = r->element[1];
            int n = snprintf(out + len, size - len, "%.*s=%.*s/%.*s;", (int)t->element[p]->len,
                             t->element[p]->str, o->type == REDIS_REPLY_STRING ? (int)o->len : 0,
                             o->type == REDIS_REPLY_STRING ? o->str : "",
                             m->type == REDIS_REPLY_STRING ? (int)m->len : 0,
                             m->type == REDIS_REPLY_STRING ? m->str : "");
            freeReplyObject(r);
            if (n < 0 || (size_t)n >= size - len) {
                /* read what is left of the pipeline, then give up on caching */
                for (size_t j = p + 1; j < t->elements; j++)
                    if (redisGetReply(qb->c, (void **)&r) == REDIS_OK)
                        freeReplyObject(r);
                hl_seterr(errstr, errstr_size, "version longer than %zu bytes", size);
                err = HL_ERR_INVALID;
                break;
            }
            len += (size_t)n;
        }
    }
    freeReplyObject(t);
    return err;
}
