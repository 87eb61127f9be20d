/* store.c: hiredis I/O. The batch transaction is one Lua script per
 * partition: compare the stored offset, apply every write, store the new
 * offset; all partitions' scripts go in one pipelined round trip. */
#include "store/store.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common/strmap.h"

/* KEYS[1] offset key, KEYS[2..] written keys; ARGV[1] expected offset ("" =
 * none stored), ARGV[2] new offset, then groups of four: op, key index,
 * field or value, number. Returns {1} applied or {0, stored} stale. */
static const char commit_lua[] =
    "local cur = redis.call('GET', KEYS[1]) or ''\n"
    "if cur ~= ARGV[1] then return {0, cur} end\n"
    "for i = 3, #ARGV, 4 do\n"
    "  local op, k = ARGV[i], KEYS[tonumber(ARGV[i+1])]\n"
    "  if op == 'h' then redis.call('HINCRBY', k, ARGV[i+2], ARGV[i+3])\n"
    "  elseif op == 's' then redis.call('SET', k, ARGV[i+2])\n"
    "  elseif op == 'x' then redis.call('EXPIRE', k, ARGV[i+3])\n"
    "  elseif op == 'a' then redis.call('SADD', k, ARGV[i+2])\n"
    "  elseif op == 'l' then redis.call('LPUSH', k, ARGV[i+2]); redis.call('LTRIM', k, 0, ARGV[i+3] - 1) end\n"
    "end\n"
    "redis.call('SET', KEYS[1], ARGV[2])\n"
    "return {1}\n";

struct hl_store_s {
    char *host, *password;
    int port, timeout_ms;
    redisContext *c;
    char sha[41];
    uint64_t round_trips, commands;
};

hl_store_t *hl_store_new(const hl_store_opts_t *opts) {
    hl_store_t *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->host = strdup(opts->host);
    st->password = strdup(opts->password ? opts->password : "");
    st->port = opts->port;
    st->timeout_ms = opts->timeout_ms;
    if (!st->host || !st->password) {
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
    free(st->password);
    free(st);
}

static void drop(hl_store_t *st) {
    if (st->c)
        redisFree(st->c);
    st->c = NULL;
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
    return HL_ERR_REDIS;
}

static hl_err_t connect_if_needed(hl_store_t *st, char *errstr, size_t errstr_size) {
    if (st->c)
        return HL_OK;
    struct timeval tv = {st->timeout_ms / 1000, (st->timeout_ms % 1000) * 1000};
    st->c = redisConnectWithTimeout(st->host, st->port, tv);
    if (!st->c) {
        hl_seterr(errstr, errstr_size, "redis: out of memory");
        return HL_ERR_REDIS;
    }
    if (st->c->err)
        return fail(st, errstr, errstr_size, "connect", NULL);
    redisSetTimeout(st->c, tv);
    st->round_trips++;
    st->commands++;
    redisReply *reply;
    if (*st->password) {
        reply = redisCommand(st->c, "AUTH %s", st->password);
        if (!reply || reply->type == REDIS_REPLY_ERROR) {
            hl_err_t e = fail(st, errstr, errstr_size, "AUTH", reply);
            freeReplyObject(reply);
            return e;
        }
        freeReplyObject(reply);
    }
    reply = redisCommand(st->c, "SCRIPT LOAD %s", commit_lua);
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len != 40) {
        hl_err_t e = fail(st, errstr, errstr_size, "SCRIPT LOAD", reply);
        freeReplyObject(reply);
        return e;
    }
    memcpy(st->sha, reply->str, 40);
    st->sha[40] = '\0';
    freeReplyObject(reply);
    return HL_OK;
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

static int argv_num(argv_t *a, int64_t n) {
    char tmp[24];
    int l = snprintf(tmp, sizeof tmp, "%lld", (long long)n);
    return argv_push(a, tmp, (size_t)l);
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

hl_err_t hl_store_load_states(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n, char *errstr,
                              size_t errstr_size) {
    hl_err_t err = connect_if_needed(st, errstr, errstr_size);
    if (err)
        return err;
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
    if (sent)
        st->round_trips++;
    st->commands += sent;
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

typedef struct ops_ctx_s {
    argv_t keys, args;
    hl_strmap_t key_index; /* key -> its 1-based KEYS index */
} ops_ctx_t;

static int key_index(ops_ctx_t *ctx, const char *key, size_t key_len, int64_t *index) {
    int created = 0;
    hl_strmap_entry_t *e = hl_strmap_get(&ctx->key_index, key, key_len, &created);
    if (!e)
        return -1;
    if (created) {
        if (argv_push(&ctx->keys, key, key_len))
            return -1;
        e->value = (int64_t)ctx->keys.n;
    }
    *index = e->value;
    return 0;
}

static int on_op(void *opaque, hl_op_type_t type, const char *key, size_t key_len,
                 const char *arg, size_t arg_len, int64_t num) {
    ops_ctx_t *ctx = opaque;
    int64_t index;
    char op = (char)type;
    if (key_index(ctx, key, key_len, &index) || argv_push(&ctx->args, &op, 1) ||
        argv_num(&ctx->args, index) || argv_push(&ctx->args, arg, arg_len) ||
        argv_num(&ctx->args, num))
        return -1;
    return 0;
}

/* Builds "EVALSHA sha numkeys offkey keys... expected new ops..." for @p pb. */
static int build_commit(const hl_store_t *st, hl_pbatch_t *pb, argv_t *cmd) {
    ops_ctx_t ctx = {0};
    char key[256];
    int64_t index;
    int r = -1;
    size_t kl = hl_key_offset(pb->tag, key, sizeof key);
    if (key_index(&ctx, key, kl, &index) || hl_pbatch_ops(pb, on_op, &ctx))
        goto out;
    argv_resolve(&ctx.keys);
    argv_resolve(&ctx.args);
    if (argv_push(cmd, "EVALSHA", 7) || argv_push(cmd, st->sha, 40) ||
        argv_num(cmd, (int64_t)ctx.keys.n))
        goto out;
    for (size_t i = 0; i < ctx.keys.n; i++)
        if (argv_push(cmd, ctx.keys.v[i], ctx.keys.len[i]))
            goto out;
    if ((pb->start_offset >= 0 ? argv_num(cmd, pb->start_offset) : argv_push(cmd, "", 0)) ||
        argv_num(cmd, pb->next_offset))
        goto out;
    for (size_t i = 0; i < ctx.args.n; i++)
        if (argv_push(cmd, ctx.args.v[i], ctx.args.len[i]))
            goto out;
    argv_resolve(cmd);
    r = 0;
out:
    argv_free(&ctx.keys);
    argv_free(&ctx.args);
    hl_strmap_free(&ctx.key_index);
    return r;
}

hl_err_t hl_store_commit(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n, int *stale,
                         char *errstr, size_t errstr_size) {
    hl_err_t err = connect_if_needed(st, errstr, errstr_size);
    if (err)
        return err;
    argv_t *cmds = calloc(n ? n : 1, sizeof *cmds);
    if (!cmds) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return HL_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        stale[i] = 0;
        if (build_commit(st, pbs[i], &cmds[i])) {
            hl_seterr(errstr, errstr_size, "out of memory");
            err = HL_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++)
        redisAppendCommandArgv(st->c, (int)cmds[i].n, cmds[i].v, cmds[i].len);
    st->round_trips++;
    st->commands += n;
    for (size_t i = 0; i < n; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(st->c, (void **)&reply) != REDIS_OK || !reply ||
            reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
            reply->element[0]->type != REDIS_REPLY_INTEGER) {
            err = fail(st, errstr, errstr_size, "commit script", reply);
            freeReplyObject(reply);
            goto out;
        }
        stale[i] = reply->element[0]->integer == 0;
        freeReplyObject(reply);
    }
out:
    for (size_t i = 0; i < n; i++)
        argv_free(&cmds[i]);
    free(cmds);
    if (err && err != HL_ERR_REDIS)
        drop(st);
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
