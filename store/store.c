/* store.c: hiredis I/O. A batch takes two round trips: WATCH and read each
 * partition's stored offset together with the ticket states; then one
 * MULTI ... EXEC with every write and the new offsets, which Redis refuses
 * if any WATCHed offset moved in between. */
#include "store/store.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strmap.h"

struct hl_store_s {
    char *host, *user, *password;
    int port, timeout_ms;
    redisContext *c;
    int watching; /* the offsets of the batch being written are WATCHed on c */
    uint64_t round_trips, commands;
};

hl_store_t *hl_store_new(const hl_redis_opts_t *opts) {
    hl_store_t *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->host = strdup(opts->host ? opts->host : "127.0.0.1");
    st->user = strdup(opts->user ? opts->user : "");
    st->password = strdup(opts->password ? opts->password : "");
    st->port = opts->port;
    st->timeout_ms = opts->timeout_ms;
    if (!st->host || !st->user || !st->password) {
        hl_store_destroy(st);
        return NULL;
    }
    return st;
}

void hl_store_destroy(hl_store_t *st) {
    if (!st)
        return;
    if (st->c)
        redisFree(st->c);
    free(st->host);
    free(st->user);
    free(st->password);
    free(st);
}

static void drop(hl_store_t *st) {
    if (st->c)
        redisFree(st->c);
    st->c = NULL;
    st->watching = 0;
}

/* Fails the call: the connection is dropped, to be rebuilt on the next. */
static hl_err_t fail(hl_store_t *st, char *errstr, size_t errstr_size, const char *what,
                     const redisReply *reply) {
    if (reply && reply->type == REDIS_REPLY_ERROR)
        hl_seterr(errstr, errstr_size, "redis %s:%d: %s: %s", st->host, st->port, what, reply->str);
    else if (st->c && st->c->err)
        hl_seterr(errstr, errstr_size, "redis %s:%d: %s: %s", st->host, st->port, what, st->c->errstr);
    else
        hl_seterr(errstr, errstr_size, "redis %s:%d: %s: unexpected reply", st->host, st->port, what);
    drop(st);
    return hl_redis_error_kind(reply);
}

static hl_err_t connect_if_needed(hl_store_t *st, char *errstr, size_t errstr_size) {
    if (st->c)
        return HL_OK;
    hl_redis_opts_t o = {st->host, st->port, st->user, st->password, st->timeout_ms};
    st->round_trips++;
    st->commands++;
    return hl_redis_connect(&o, &st->c, errstr, errstr_size);
}

hl_err_t hl_store_ping(hl_store_t *st, char *errstr, size_t errstr_size) {
    hl_err_t err = connect_if_needed(st, errstr, errstr_size);
    if (err)
        return err;
    st->round_trips++;
    st->commands++;
    redisReply *reply = redisCommand(st->c, "PING");
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        err = fail(st, errstr, errstr_size, "PING", reply);
        freeReplyObject(reply);
        return err;
    }
    freeReplyObject(reply);
    return HL_OK;
}

hl_err_t hl_store_get_offset(hl_store_t *st, const char *tag, int64_t *offset, char *errstr,
                             size_t errstr_size) {
    hl_err_t err = connect_if_needed(st, errstr, errstr_size);
    if (err)
        return err;
    char key[256];
    hl_key_offset(tag, key, sizeof key);
    redisAppendCommand(st->c, "GET %s", key);
    redisAppendCommand(st->c, "SADD hl:partitions %s", tag);
    st->round_trips++;
    st->commands += 2;
    redisReply *get = NULL, *sadd = NULL;
    if (redisGetReply(st->c, (void **)&get) != REDIS_OK || !get ||
        (get->type != REDIS_REPLY_NIL && get->type != REDIS_REPLY_STRING)) {
        err = fail(st, errstr, errstr_size, "GET offset", get);
        freeReplyObject(get);
        return err;
    }
    if (redisGetReply(st->c, (void **)&sadd) != REDIS_OK || !sadd ||
        sadd->type == REDIS_REPLY_ERROR) {
        err = fail(st, errstr, errstr_size, "SADD", sadd);
        freeReplyObject(get);
        freeReplyObject(sadd);
        return err;
    }
    *offset = get->type == REDIS_REPLY_NIL ? -1 : strtoll(get->str, NULL, 10);
    freeReplyObject(get);
    freeReplyObject(sadd);
    return HL_OK;
}

/* argv of one command under construction: every argument is copied into
 * one buffer; argv_resolve() fixes the pointers once it stops growing. */
typedef struct argv_s {
    const char **v;
    size_t *len, *off;
    size_t n, cap;
    char *buf;
    size_t buf_len, buf_cap;
} argv_t;

static int argv_push(argv_t *a, const char *s, size_t len) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        const char **v = realloc(a->v, cap * sizeof *v);
        size_t *l = v ? realloc(a->len, cap * sizeof *l) : NULL;
        if (v)
            a->v = v;
        if (!l)
            return -1;
        a->len = l;
        size_t *o = realloc(a->off, cap * sizeof *o);
        if (!o)
            return -1;
        a->off = o;
        a->cap = cap;
    }
    if (a->buf_len + len > a->buf_cap) {
        size_t cap = a->buf_cap ? a->buf_cap : 65536;
        while (cap < a->buf_len + len)
            cap *= 2;
        char *b = realloc(a->buf, cap);
        if (!b)
            return -1;
        a->buf = b;
        a->buf_cap = cap;
    }
    if (len)
        memcpy(a->buf + a->buf_len, s, len);
    a->off[a->n] = a->buf_len;
    a->len[a->n++] = len;
    a->buf_len += len;
    return 0;
}

static void argv_resolve(argv_t *a) {
    for (size_t i = 0; i < a->n; i++)
        a->v[i] = a->buf + a->off[i];
}

static void argv_free(argv_t *a) {
    free(a->v);
    free(a->len);
    free(a->off);
    free(a->buf);
}

typedef struct ids_ctx_s {
    argv_t *a;
    const char *tag;
    int failed;
} ids_ctx_t;

static void push_ticket_key(void *opaque, const char *id, size_t len) {
    ids_ctx_t *ctx = opaque;
    char key[256];
    size_t kl = hl_key_ticket(ctx->tag, id, len, key, sizeof key);
    if (!kl || argv_push(ctx->a, key, kl))
        ctx->failed = 1;
}

hl_err_t hl_store_load_states(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n, int *stale,
                              char *errstr, size_t errstr_size) {
    hl_err_t err = connect_if_needed(st, errstr, errstr_size);
    if (err)
        return err;
    /* WATCH each partition's offset and read it: the transaction that
     * writes the batch (hl_store_commit) applies only if none moved */
    char key[256];
    for (size_t i = 0; i < n; i++) {
        hl_key_offset(pbs[i]->tag, key, sizeof key);
        redisAppendCommand(st->c, "WATCH %s", key);
        redisAppendCommand(st->c, "GET %s", key);
    }
    st->commands += 2 * n;
    argv_t *argvs = calloc(n ? n : 1, sizeof *argvs);
    if (!argvs) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return HL_ERR_NOMEM;
    }
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        ids_ctx_t ctx = {&argvs[i], pbs[i]->tag, 0};
        argv_push(&argvs[i], "MGET", 4);
        hl_pbatch_each_id(pbs[i], push_ticket_key, &ctx);
        if (ctx.failed) {
            err = HL_ERR_NOMEM;
            hl_seterr(errstr, errstr_size, "out of memory");
            goto out;
        }
        if (argvs[i].n == 1)
            continue;
        argv_resolve(&argvs[i]);
        redisAppendCommandArgv(st->c, (int)argvs[i].n, argvs[i].v, argvs[i].len);
        sent++;
    }
    st->round_trips++;
    st->commands += sent;
    for (size_t i = 0; i < n; i++) {
        redisReply *w = NULL, *g = NULL;
        int ok = redisGetReply(st->c, (void **)&w) == REDIS_OK && w && w->type == REDIS_REPLY_STATUS &&
                 redisGetReply(st->c, (void **)&g) == REDIS_OK && g &&
                 (g->type == REDIS_REPLY_NIL || g->type == REDIS_REPLY_STRING);
        if (!ok) {
            err = fail(st, errstr, errstr_size, "WATCH/GET offset", g ? g : w);
            freeReplyObject(w);
            freeReplyObject(g);
            goto out;
        }
        int64_t stored = g->type == REDIS_REPLY_NIL ? -1 : strtoll(g->str, NULL, 10);
        stale[i] = stored != pbs[i]->start_offset;
        freeReplyObject(w);
        freeReplyObject(g);
    }
    st->watching = 1;
    for (size_t i = 0; i < n; i++) {
        if (argvs[i].n <= 1)
            continue;
        redisReply *reply = NULL;
        if (redisGetReply(st->c, (void **)&reply) != REDIS_OK || !reply ||
            reply->type != REDIS_REPLY_ARRAY || reply->elements != argvs[i].n - 1) {
            err = fail(st, errstr, errstr_size, "MGET ticket states", reply);
            freeReplyObject(reply);
            goto out;
        }
        /* the keys are "hl:<tag>:t:<id>": take the id back from the key */
        size_t prefix = strlen(pbs[i]->tag) + 6;
        for (size_t k = 0; k < reply->elements; k++) {
            const redisReply *r = reply->element[k];
            const char *id = argvs[i].v[k + 1] + prefix;
            size_t id_len = argvs[i].len[k + 1] - prefix;
            int bad = r->type == REDIS_REPLY_STRING
                          ? hl_pbatch_set_state(pbs[i], id, id_len, r->str, r->len)
                          : hl_pbatch_set_state(pbs[i], id, id_len, NULL, 0);
            if (bad) {
                hl_seterr(errstr, errstr_size, "malformed ticket state at %.*s",
                          (int)argvs[i].len[k + 1], argvs[i].v[k + 1]);
                err = HL_ERR_INVALID;
            }
        }
        freeReplyObject(reply);
        if (err)
            goto out;
    }
out:
    for (size_t i = 0; i < n; i++)
        argv_free(&argvs[i]);
    free(argvs);
    /* a pipeline abandoned half way leaves replies unread: reconnect */
    if (err && err != HL_ERR_REDIS)
        drop(st);
    return err;
}

/* Queues one write as a native command inside MULTI. */
static int queue_op(void *opaque, hl_op_type_t type, const char *key, size_t key_len,
                    const char *arg, size_t arg_len, int64_t num) {
    hl_store_t *st = opaque;
    char n[24];
    size_t nl = (size_t)snprintf(n, sizeof n, "%lld", (long long)num);
    switch (type) {
    case HL_OP_HINCRBY: {
        const char *v[] = {"HINCRBY", key, arg, n};
        size_t l[] = {7, key_len, arg_len, nl};
        redisAppendCommandArgv(st->c, 4, v, l);
        break;
    }
    case HL_OP_SET: {
        const char *v[] = {"SET", key, arg};
        size_t l[] = {3, key_len, arg_len};
        redisAppendCommandArgv(st->c, 3, v, l);
        break;
    }
    case HL_OP_EXPIRE: {
        const char *v[] = {"EXPIRE", key, n};
        size_t l[] = {6, key_len, nl};
        redisAppendCommandArgv(st->c, 3, v, l);
        break;
    }
    case HL_OP_SADD: {
        const char *v[] = {"SADD", key, arg};
        size_t l[] = {4, key_len, arg_len};
        redisAppendCommandArgv(st->c, 3, v, l);
        break;
    }
    case HL_OP_LPUSH: {
        const char *v[] = {"LPUSH", key, arg};
        size_t l[] = {5, key_len, arg_len};
        redisAppendCommandArgv(st->c, 3, v, l);
        char last[24];
        size_t ll = (size_t)snprintf(last, sizeof last, "%lld", (long long)(num - 1));
        const char *t[] = {"LTRIM", key, "0", last};
        size_t tl[] = {5, key_len, 1, ll};
        redisAppendCommandArgv(st->c, 4, t, tl);
        st->commands++;
        break;
    }
    }
    st->commands++;
    return 0;
}

hl_err_t hl_store_commit(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n, char *errstr,
                         size_t errstr_size) {
    if (!st->c || !st->watching) {
        /* the connection was rebuilt since the offsets were read: the
         * condition can no longer be checked, so nothing is written */
        hl_seterr(errstr, errstr_size, "redis %s:%d: connection lost since the offsets were read",
                  st->host, st->port);
        return HL_ERR_REDIS;
    }
    uint64_t before = st->commands;
    redisAppendCommand(st->c, "MULTI");
    char key[256];
    for (size_t i = 0; i < n; i++) {
        hl_pbatch_ops(pbs[i], queue_op, st);
        hl_key_offset(pbs[i]->tag, key, sizeof key);
        redisAppendCommand(st->c, "SET %s %lld", key, (long long)pbs[i]->next_offset);
        st->commands++;
    }
    redisAppendCommand(st->c, "EXEC");
    st->commands += 2;
    st->round_trips++;
    st->watching = 0;
    /* MULTI, every queued command, EXEC */
    uint64_t replies = st->commands - before;
    hl_err_t err = HL_OK;
    for (uint64_t i = 0; i < replies; i++) {
        redisReply *r = NULL;
        if (redisGetReply(st->c, (void **)&r) != REDIS_OK || !r) {
            freeReplyObject(r);
            return fail(st, errstr, errstr_size, "commit", NULL);
        }
        if (i + 1 < replies) {
            if (r->type == REDIS_REPLY_ERROR && !err) /* refused while queueing */
                err = fail(st, errstr, errstr_size, "queueing the batch", r);
        } else if (!err) {
            if (r->type == REDIS_REPLY_NIL) {
                hl_seterr(errstr, errstr_size, "an offset moved on while the batch was built");
                err = HL_ERR_STALE;
            } else if (r->type != REDIS_REPLY_ARRAY) {
                err = fail(st, errstr, errstr_size, "EXEC", r);
            }
        }
        freeReplyObject(r);
        if (err == HL_ERR_REDIS)
            return err;
    }
    return err;
}

hl_err_t hl_store_zcount(hl_store_t *st, hl_zquery_t *qs, size_t n, char *errstr,
                         size_t errstr_size) {
    hl_err_t err = connect_if_needed(st, errstr, errstr_size);
    if (err || n == 0)
        return err;
    /* every addition first, then every count: the answers do not depend on
     * the order of the queries within the batch */
    for (size_t i = 0; i < n; i++) {
        hl_zquery_t *q = &qs[i];
        redisAppendCommand(st->c, q->keep_min ? "ZADD %s LT %lld %s" : "ZADD %s %lld %s", q->key,
                           (long long)q->score, q->member);
        redisAppendCommand(st->c, "EXPIRE %s %lld", q->key, (long long)q->ttl_s);
    }
    for (size_t i = 0; i < n; i++) {
        hl_zquery_t *q = &qs[i];
        redisAppendCommand(st->c, "ZCOUNT %s %lld %lld", q->key, (long long)q->count_min,
                           (long long)q->count_max);
        redisAppendCommand(st->c, "ZSCORE %s %s", q->key, q->member);
    }
    st->round_trips++;
    st->commands += 4 * n;
    for (size_t i = 0; i < 4 * n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(st->c, (void **)&r) != REDIS_OK || !r || r->type == REDIS_REPLY_ERROR) {
            err = fail(st, errstr, errstr_size, "alert counts", r);
            freeReplyObject(r);
            return err;
        }
        if (i >= 2 * n) {
            hl_zquery_t *q = &qs[(i - 2 * n) / 2];
            if ((i - 2 * n) % 2 == 0)
                q->count = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
            else
                q->member_score = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : -1;
        }
        freeReplyObject(r);
    }
    return HL_OK;
}

void hl_store_counts(const hl_store_t *st, uint64_t *round_trips, uint64_t *commands) {
    *round_trips = st->round_trips;
    *commands = st->commands;
}
