/* store.c: hiredis I/O. A batch takes these round trips: WATCH and read each
 * partition's stored offset together with the ticket states; read the
 * counters it changes; then one MULTI ... EXEC with every write and the new
 * offsets, which Redis refuses if any WATCHed offset moved in between. The
 * EXEC's answer is read later (hl_store_settle), so Redis executes it while
 * the ingester consumes the next batch. */
#include "store/store.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/sbuf.h"
#include "common/strmap.h"

struct hl_store_s {
    char *host, *user, *password;
    int port, timeout_ms;
    redisContext *c;
    int watching; /* the offsets of the batch being written are WATCHed on c */
    uint64_t unread; /* replies of the last commit (MULTI .. EXEC) not read yet */
    uint64_t unread_alerts; /* replies of hl_store_zcount_send() not read yet */
    uint64_t unread_counters; /* replies of hl_store_counters_send() not read yet */
    uint64_t round_trips, commands;
    char mark[40];      /* this commit's change mark: "<run id>.<commit number>" */
    uint64_t run_id, commits;
};

/* A random run id (so marks differ across processes, restarts and a
 * re-ingestion into emptied keys), from the kernel, else from the clock. */
static uint64_t new_run_id(void) {
    uint64_t id = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&id, sizeof id, 1, f) != 1) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        id = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
    }
    if (f)
        fclose(f);
    return id;
}

hl_store_t *hl_store_new(const hl_redis_opts_t *opts) {
    hl_store_t *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->host = strdup(opts->host ? opts->host : "127.0.0.1");
    st->user = strdup(opts->user ? opts->user : "");
    st->password = strdup(opts->password ? opts->password : "");
    st->port = opts->port;
    st->timeout_ms = opts->timeout_ms;
    st->run_id = new_run_id();
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
    st->unread = 0;
    st->unread_alerts = 0;
    st->unread_counters = 0;
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

/* Sends everything queued on the connection, without reading an answer.
 * @returns HL_OK, or an error (the connection dropped). */
static hl_err_t send_queued(hl_store_t *st, char *errstr, size_t errstr_size, const char *what) {
    for (int done = 0; !done;)
        if (redisBufferWrite(st->c, &done) != REDIS_OK)
            return fail(st, errstr, errstr_size, what, NULL);
    return HL_OK;
}

/* Before any other command: the last commit's outcome, if not read yet. */
static hl_err_t connect_if_needed(hl_store_t *st, char *errstr, size_t errstr_size) {
    if (st->unread_alerts || st->unread_counters)
        drop(st); /* answers nobody will read: they would be taken for this call's */
    if (st->unread) {
        hl_err_t err = hl_store_settle(st, errstr, errstr_size);
        if (err)
            return err;
    }
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

/* One command under construction, written straight in RESP into a growing
 * buffer: hiredis' own formatting costs an sdscatfmt per argument, which
 * was the largest client cost of a commit. Arguments are copied; an
 * allocation failure sticks (b.oom). */
typedef struct resp_s {
    hl_sbuf_t b;     /* the arguments so far: "$<len>\r\n<bytes>\r\n" each */
    size_t nargs;
} resp_t;

static void resp_arg(resp_t *r, const char *s, size_t n) {
    if (hl_sbuf_reserve(&r->b, n + 26))
        return;
    char *p = r->b.p + r->b.len;
    *p++ = '$';
    p += hl_fmt_u64(p, n);
    *p++ = '\r';
    *p++ = '\n';
    if (n)
        memcpy(p, s, n);
    p += n;
    *p++ = '\r';
    *p++ = '\n';
    r->b.len = (size_t)(p - r->b.p);
    r->nargs++;
}

static void resp_arg_int(resp_t *r, int64_t v) {
    char num[24];
    size_t n = 0;
    if (v < 0) {
        num[n++] = '-';
        n += hl_fmt_u64(num + n, (uint64_t)0 - (uint64_t)v);
    } else {
        n = hl_fmt_u64(num, (uint64_t)v);
    }
    resp_arg(r, num, n);
}

static void resp_clear(resp_t *r) {
    r->b.len = 0;
    r->nargs = 0;
}

/* Queues the command on @p st's connection and clears @p r for the next.
 * @returns 0, or -1 when building it ran out of memory (nothing queued). */
static int resp_send(hl_store_t *st, resp_t *r) {
    if (r->b.oom)
        return -1;
    char head[24];
    head[0] = '*';
    size_t hl = 1 + hl_fmt_u64(head + 1, r->nargs);
    head[hl++] = '\r';
    head[hl++] = '\n';
    if (redisAppendFormattedCommand(st->c, head, hl) != REDIS_OK ||
        redisAppendFormattedCommand(st->c, r->b.p, r->b.len) != REDIS_OK)
        return -1;
    st->commands++;
    resp_clear(r);
    return 0;
}

typedef struct ids_ctx_s {
    resp_t *r;
    const char *tag;
    const redisReply *reply; /* reading: the MGET's reply */
    hl_pbatch_t *pb;
    size_t next;             /* reading: the element of the next id */
    int failed;
    char bad_key[256];       /* reading: the first malformed state's key */
} ids_ctx_t;

static void push_ticket_key(void *opaque, const char *id, size_t len) {
    ids_ctx_t *ctx = opaque;
    char key[256];
    size_t kl = hl_key_ticket(ctx->tag, id, len, key, sizeof key);
    if (!kl)
        ctx->failed = 1;
    else
        resp_arg(ctx->r, key, kl);
}

/* The MGET's answers, in the order the ids were asked for. */
static void take_ticket_state(void *opaque, const char *id, size_t len) {
    ids_ctx_t *ctx = opaque;
    const redisReply *r = ctx->reply->element[ctx->next++];
    if (ctx->failed)
        return;
    if (r->type == REDIS_REPLY_STRING ? hl_pbatch_set_state(ctx->pb, id, len, r->str, r->len)
                                      : hl_pbatch_set_state(ctx->pb, id, len, NULL, 0)) {
        ctx->failed = 1;
        hl_key_ticket(ctx->tag, id, len, ctx->bad_key, sizeof ctx->bad_key);
    }
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
    size_t *asked = calloc(n ? n : 1, sizeof *asked); /* ids asked per batch */
    resp_t r = {0};
    if (!asked) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return HL_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        ids_ctx_t ctx = {.r = &r, .tag = pbs[i]->tag};
        resp_arg(&r, "MGET", 4);
        hl_pbatch_each_id(pbs[i], push_ticket_key, &ctx);
        asked[i] = r.nargs - 1;
        if (ctx.failed || (asked[i] ? resp_send(st, &r) : (resp_clear(&r), 0))) {
            err = HL_ERR_NOMEM;
            hl_seterr(errstr, errstr_size, "out of memory");
            goto out;
        }
    }
    st->round_trips++;
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
        if (!asked[i])
            continue;
        redisReply *reply = NULL;
        if (redisGetReply(st->c, (void **)&reply) != REDIS_OK || !reply ||
            reply->type != REDIS_REPLY_ARRAY || reply->elements != asked[i]) {
            err = fail(st, errstr, errstr_size, "MGET ticket states", reply);
            freeReplyObject(reply);
            goto out;
        }
        ids_ctx_t ctx = {.tag = pbs[i]->tag, .reply = reply, .pb = pbs[i]};
        hl_pbatch_each_id(pbs[i], take_ticket_state, &ctx);
        freeReplyObject(reply);
        if (ctx.failed) {
            hl_seterr(errstr, errstr_size, "malformed ticket state at %s", ctx.bad_key);
            err = HL_ERR_INVALID;
            goto out;
        }
    }
out:
    free(asked);
    hl_sbuf_free(&r.b);
    /* a pipeline abandoned half way leaves replies unread: reconnect */
    if (err && err != HL_ERR_REDIS)
        drop(st);
    return err;
}

/* Whether the offsets hl_store_load_states() WATCHed are still watched on
 * this connection. When it was rebuilt since, the transaction's condition
 * can no longer be checked, so the batch must not go on (errstr says why). */
static int still_watching(hl_store_t *st, char *errstr, size_t errstr_size) {
    if (st->c && st->watching)
        return 1;
    hl_seterr(errstr, errstr_size, "redis %s:%d: connection lost since the offsets were read",
              st->host, st->port);
    return 0;
}

hl_err_t hl_store_counters_send(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n,
                                char *errstr, size_t errstr_size) {
    st->unread_counters = 0;
    if (!still_watching(st, errstr, errstr_size))
        return HL_ERR_REDIS;
    resp_t r = {0};
    uint64_t sent = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t h = 0; h < hl_pbatch_nhashes(pbs[i]); h++) {
            size_t kl, nf, fl;
            const char *key = hl_pbatch_hash_key(pbs[i], h, &kl, &nf);
            if (!nf)
                continue;
            resp_arg(&r, "HMGET", 5);
            resp_arg(&r, key, kl);
            for (size_t f = 0; f < nf; f++) {
                const char *field = hl_pbatch_hash_field(pbs[i], h, f, &fl);
                resp_arg(&r, field, fl);
            }
            if (resp_send(st, &r)) {
                hl_sbuf_free(&r.b);
                drop(st); /* a pipeline abandoned half way */
                hl_seterr(errstr, errstr_size, "out of memory");
                return HL_ERR_NOMEM;
            }
            sent++;
        }
    hl_sbuf_free(&r.b);
    if (!sent)
        return HL_OK;
    st->round_trips++;
    hl_err_t err = send_queued(st, errstr, errstr_size, "HMGET counters");
    if (!err)
        st->unread_counters = sent;
    return err;
}

hl_err_t hl_store_counters_recv(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n,
                                char *errstr, size_t errstr_size) {
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t h = 0; h < hl_pbatch_nhashes(pbs[i]); h++) {
            size_t kl, nf;
            hl_pbatch_hash_key(pbs[i], h, &kl, &nf);
            want += nf != 0;
        }
    if (want == 0)
        return HL_OK;
    if (!still_watching(st, errstr, errstr_size))
        return HL_ERR_REDIS;
    if (st->unread_counters != want) {
        hl_seterr(errstr, errstr_size, "redis %s:%d: HMGET counters: the answers were lost",
                  st->host, st->port);
        drop(st);
        return HL_ERR_REDIS;
    }
    st->unread_counters = 0;
    hl_err_t err = HL_OK;
    for (size_t i = 0; i < n; i++)
        for (size_t h = 0; h < hl_pbatch_nhashes(pbs[i]); h++) {
            size_t kl, nf;
            hl_pbatch_hash_key(pbs[i], h, &kl, &nf);
            if (!nf)
                continue;
            redisReply *rep = NULL;
            if (redisGetReply(st->c, (void **)&rep) != REDIS_OK || !rep ||
                rep->type != REDIS_REPLY_ARRAY || rep->elements != nf) {
                err = fail(st, errstr, errstr_size, "HMGET counters", rep);
                freeReplyObject(rep);
                return err;
            }
            for (size_t f = 0; f < nf && !err; f++) {
                const redisReply *v = rep->element[f];
                if (v->type != REDIS_REPLY_STRING && v->type != REDIS_REPLY_NIL) {
                    err = fail(st, errstr, errstr_size, "HMGET counters", v);
                    break;
                }
                int r = v->type == REDIS_REPLY_STRING
                            ? hl_pbatch_set_stored(pbs[i], h, f, v->str, v->len, errstr, errstr_size)
                            : hl_pbatch_set_stored(pbs[i], h, f, NULL, 0, errstr, errstr_size);
                if (r == -2)
                    hl_seterr(errstr, errstr_size, "out of memory");
                if (r)
                    err = r == -2 ? HL_ERR_NOMEM : HL_ERR_INVALID;
            }
            freeReplyObject(rep);
            if (err) {
                if (err != HL_ERR_REDIS)
                    drop(st); /* answers left unread: reconnect */
                return err;
            }
        }
    return HL_OK;
}

/* The transaction under construction. Ticket states gather into one MSET and
 * a hash's counter values into one HSET: one command instead of one per key
 * or field, several times cheaper for Redis. The gathered command is sent
 * when a write of another kind (or hash) or the partition's end comes. */
typedef struct txn_s {
    hl_store_t *st;
    resp_t gathered;    /* MSET or HSET; nargs == 0: none */
    hl_op_type_t type;
    char key[256];      /* HSET: its hash */
    size_t key_len;
    int failed;
} txn_t;

static void send_gathered(txn_t *tx) {
    if (tx->gathered.nargs && resp_send(tx->st, &tx->gathered))
        tx->failed = 1;
}

/* Adds a write to the gathered command, sending the one before when it
 * cannot take it. */
static void gather(txn_t *tx, hl_op_type_t type, const char *key, size_t key_len,
                   const char *arg, size_t arg_len, const char *value, size_t value_len,
                   int64_t num) {
    resp_t *g = &tx->gathered;
    if (type == HL_OP_HSET_TEXT) /* the same HSET */
        type = HL_OP_HSET;
    int same = g->nargs && tx->type == type &&
               (type == HL_OP_SET || (tx->key_len == key_len && memcmp(tx->key, key, key_len) == 0));
    if (!same) {
        send_gathered(tx);
        tx->type = type;
        if (type == HL_OP_SET) {
            resp_arg(g, "MSET", 4);
        } else {
            if (key_len > sizeof tx->key) {
                tx->failed = 1; /* cannot happen: keys are under 200 bytes */
                return;
            }
            memcpy(tx->key, key, key_len);
            tx->key_len = key_len;
            resp_arg(g, "HSET", 4);
            resp_arg(g, key, key_len);
        }
    }
    if (type == HL_OP_SET) {
        resp_arg(g, key, key_len);
        resp_arg(g, arg, arg_len);
    } else if (value) {
        resp_arg(g, arg, arg_len);
        resp_arg(g, value, value_len);
    } else {
        resp_arg(g, arg, arg_len);
        resp_arg_int(g, num);
    }
}

/* Queues one write inside MULTI. */
static int queue_op(void *opaque, hl_op_type_t type, const char *key, size_t key_len,
                    const char *arg, size_t arg_len, const char *value, size_t value_len,
                    int64_t num) {
    txn_t *tx = opaque;
    if (type == HL_OP_HSET || type == HL_OP_HSET_TEXT || type == HL_OP_SET) {
        gather(tx, type, key, key_len, arg, arg_len, value, value_len, num);
        return tx->failed ? -1 : 0;
    }
    send_gathered(tx);
    resp_t *r = &tx->gathered; /* empty now: the command goes alone */
    switch (type) {
    case HL_OP_MARK:
        resp_arg(r, "SET", 3);
        resp_arg(r, key, key_len);
        resp_arg(r, tx->st->mark, strlen(tx->st->mark));
        resp_arg(r, "EX", 2);
        resp_arg_int(r, num);
        break;
    case HL_OP_EXPIRE:
        resp_arg(r, "EXPIRE", 6);
        resp_arg(r, key, key_len);
        resp_arg_int(r, num);
        break;
    case HL_OP_SADD:
        resp_arg(r, "SADD", 4);
        resp_arg(r, key, key_len);
        resp_arg(r, arg, arg_len);
        break;
    case HL_OP_LPUSH: /* and keep the newest num */
        resp_arg(r, "LPUSH", 5);
        resp_arg(r, key, key_len);
        resp_arg(r, arg, arg_len);
        send_gathered(tx);
        resp_arg(r, "LTRIM", 5);
        resp_arg(r, key, key_len);
        resp_arg(r, "0", 1);
        resp_arg_int(r, num - 1);
        break;
    default:
        break;
    }
    send_gathered(tx);
    return tx->failed ? -1 : 0;
}

hl_err_t hl_store_commit(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n, char *errstr,
                         size_t errstr_size) {
    if (!still_watching(st, errstr, errstr_size))
        return HL_ERR_REDIS;
    uint64_t before = st->commands;
    snprintf(st->mark, sizeof st->mark, "%016llx.%llu", (unsigned long long)st->run_id,
             (unsigned long long)++st->commits);
    redisAppendCommand(st->c, "MULTI");
    char key[256];
    txn_t tx = {.st = st, .type = HL_OP_SET};
    int failed = 0;
    for (size_t i = 0; i < n && !failed; i++) {
        failed = hl_pbatch_ops(pbs[i], queue_op, &tx);
        send_gathered(&tx); /* a partition's writes stay in its own commands */
        failed |= tx.failed;
        hl_key_offset(pbs[i]->tag, key, sizeof key);
        redisAppendCommand(st->c, "SET %s %lld", key, (long long)pbs[i]->next_offset);
        /* the partition's last commit, for readers' caches (the offset
         * alone comes back equal when emptied keys are ingested again) */
        redisAppendCommand(st->c, "SET hl:%s:mark %s", pbs[i]->tag, st->mark);
        st->commands += 2;
    }
    hl_sbuf_free(&tx.gathered.b);
    if (failed) {
        /* nothing was sent yet: dropping the connection discards it all */
        drop(st);
        hl_seterr(errstr, errstr_size, "out of memory");
        return HL_ERR_NOMEM;
    }
    redisAppendCommand(st->c, "EXEC");
    st->commands += 2;
    st->round_trips++;
    st->watching = 0;
    /* send it all now; its answer (MULTI, every queued command, EXEC) is
     * read by hl_store_settle() */
    hl_err_t err = send_queued(st, errstr, errstr_size, "commit");
    if (err)
        return err;
    st->unread = st->commands - before;
    return HL_OK;
}

hl_err_t hl_store_settle(hl_store_t *st, char *errstr, size_t errstr_size) {
    hl_err_t err = HL_OK;
    uint64_t replies = st->unread;
    st->unread = 0;
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

/* Answers per query: ZADD, EXPIRE with expire, ZCOUNT, and ZSCORE with keep_min. */
static size_t zquery_replies(const hl_zquery_t *q) {
    return 2 + (q->expire != 0) + (q->keep_min != 0);
}

hl_err_t hl_store_zcount_send(hl_store_t *st, const hl_zquery_t *qs, size_t n, char *errstr,
                              size_t errstr_size) {
    hl_err_t err = connect_if_needed(st, errstr, errstr_size);
    if (err || n == 0)
        return err;
    /* every addition first, then every count: the answers do not depend on
     * the order of the queries within the batch */
    /* written in RESP directly: formatting was most of this call's time */
    resp_t r = {0};
    int bad = 0;
    uint64_t replies = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        const hl_zquery_t *q = &qs[i];
        size_t kl = strlen(q->key), ml = strlen(q->member);
        resp_arg(&r, "ZADD", 4);
        resp_arg(&r, q->key, kl);
        if (q->keep_min) /* LT: keep the earliest score */
            resp_arg(&r, "LT", 2);
        resp_arg_int(&r, q->score);
        resp_arg(&r, q->member, ml);
        bad = resp_send(st, &r);
        if (q->expire) {
            resp_arg(&r, "EXPIRE", 6);
            resp_arg(&r, q->key, kl);
            resp_arg_int(&r, q->ttl_s);
            bad = bad || resp_send(st, &r);
        }
        replies += zquery_replies(q);
    }
    for (size_t i = 0; i < n && !bad; i++) {
        const hl_zquery_t *q = &qs[i];
        size_t kl = strlen(q->key);
        resp_arg(&r, "ZCOUNT", 6);
        resp_arg(&r, q->key, kl);
        resp_arg_int(&r, q->count_min);
        resp_arg_int(&r, q->count_max);
        bad = resp_send(st, &r);
        if (q->keep_min) {
            resp_arg(&r, "ZSCORE", 6);
            resp_arg(&r, q->key, kl);
            resp_arg(&r, q->member, strlen(q->member));
            bad = bad || resp_send(st, &r);
        }
    }
    hl_sbuf_free(&r.b);
    if (bad) { /* commands half queued: start over on a new connection */
        drop(st);
        hl_seterr(errstr, errstr_size, "out of memory");
        return HL_ERR_NOMEM;
    }
    st->round_trips++;
    if ((err = send_queued(st, errstr, errstr_size, "alert counts")))
        return err;
    st->unread_alerts = replies;
    return HL_OK;
}

/* Reads the next answer into *@p out (freed by the caller). @returns HL_OK,
 * or an error (the connection dropped). */
static hl_err_t read_alert_reply(hl_store_t *st, redisReply **out, char *errstr,
                                 size_t errstr_size) {
    *out = NULL;
    if (redisGetReply(st->c, (void **)out) == REDIS_OK && *out &&
        (*out)->type != REDIS_REPLY_ERROR)
        return HL_OK;
    hl_err_t err = fail(st, errstr, errstr_size, "alert counts", *out);
    freeReplyObject(*out);
    *out = NULL;
    return err;
}

hl_err_t hl_store_zcount_recv(hl_store_t *st, hl_zquery_t *qs, size_t n, char *errstr,
                              size_t errstr_size) {
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++)
        want += zquery_replies(&qs[i]);
    if (want == 0)
        return HL_OK;
    if (!st->c || st->unread_alerts != want) {
        hl_seterr(errstr, errstr_size, "redis %s:%d: alert counts: the answers were lost",
                  st->host, st->port);
        drop(st);
        return HL_ERR_REDIS;
    }
    st->unread_alerts = 0;
    redisReply *r;
    hl_err_t err;
    uint64_t additions = 0;
    for (size_t i = 0; i < n; i++)
        additions += 1 + (qs[i].expire != 0);
    for (uint64_t i = 0; i < additions; i++) { /* the additions and TTLs */
        if ((err = read_alert_reply(st, &r, errstr, errstr_size)))
            return err;
        freeReplyObject(r);
    }
    for (size_t i = 0; i < n; i++) {
        hl_zquery_t *q = &qs[i];
        if ((err = read_alert_reply(st, &r, errstr, errstr_size)))
            return err;
        q->count = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        freeReplyObject(r);
        if (!q->keep_min)
            continue;
        if ((err = read_alert_reply(st, &r, errstr, errstr_size)))
            return err;
        q->member_score = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : -1;
        freeReplyObject(r);
    }
    return HL_OK;
}

void hl_store_counts(const hl_store_t *st, uint64_t *round_trips, uint64_t *commands) {
    *round_trips = st->round_trips;
    *commands = st->commands;
}
