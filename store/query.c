/* query.c: SMEMBERS of the partition set, then pipelined HGETALL. */
#include "store/query.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_query_s {
    redisContext *c;
};

hl_query_t *hl_query_new(const hl_redis_opts_t *opts, char *errstr, size_t errstr_size) {
    redisContext *c;
    if (hl_redis_connect(opts, &c, errstr, errstr_size))
        return NULL;
    hl_query_t *q = calloc(1, sizeof *q);
    if (!q) {
        redisFree(c);
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    q->c = c;
    return q;
}

hl_query_t *hl_query_from_conf(const hl_conf_t *conf, char *errstr, size_t errstr_size) {
    hl_redis_opts_t o = hl_redis_opts_from_conf(conf);
    return hl_query_new(&o, errstr, errstr_size);
}

void hl_query_destroy(hl_query_t *q) {
    if (!q)
        return;
    redisFree(q->c);
    free(q);
}

/* Tags "{topic:p}" of the topic's partitions, from the set the ingester keeps. */
static hl_err_t tags(hl_query_t *q, const char *topic, redisReply **out, char *errstr,
                     size_t errstr_size) {
    redisReply *r = redisCommand(q->c, "SMEMBERS hl:partitions");
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        hl_seterr(errstr, errstr_size, "redis SMEMBERS: %s",
                  r && r->type == REDIS_REPLY_ERROR ? r->str : q->c->errstr);
        freeReplyObject(r);
        return HL_ERR_REDIS;
    }
    /* keep only this topic's tags, in place */
    size_t tl = strlen(topic), n = 0;
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *e = r->element[i];
        if (e->len > tl + 2 && e->str[0] == '{' && memcmp(e->str + 1, topic, tl) == 0 &&
            e->str[tl + 1] == ':')
            r->element[n++] = e;
        else
            freeReplyObject(e);
    }
    r->elements = n;
    *out = r;
    return HL_OK;
}

hl_err_t hl_query_hash_sum(hl_query_t *q, const char *topic, const char *suffix, hl_strmap_t *out,
                           char *errstr, size_t errstr_size) {
    hl_strmap_clear(out);
    redisReply *t;
    hl_err_t err = tags(q, topic, &t, errstr, errstr_size);
    if (err)
        return err;
    for (size_t i = 0; i < t->elements; i++)
        redisAppendCommand(q->c, "HGETALL hl:%b:%s", t->element[i]->str, t->element[i]->len, suffix);
    for (size_t i = 0; i < t->elements; i++) {
        redisReply *r = NULL;
        if (redisGetReply(q->c, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_ARRAY) {
            hl_seterr(errstr, errstr_size, "redis HGETALL: %s",
                      r && r->type == REDIS_REPLY_ERROR ? r->str : q->c->errstr);
            freeReplyObject(r);
            err = HL_ERR_REDIS;
            /* drain what remains of the pipeline */
            for (size_t j = i + 1; j < t->elements && redisGetReply(q->c, (void **)&r) == REDIS_OK; j++)
                freeReplyObject(r);
            break;
        }
        for (size_t k = 0; k + 1 < r->elements; k += 2) {
            hl_strmap_entry_t *e = hl_strmap_get(out, r->element[k]->str, r->element[k]->len, NULL);
            if (e)
                e->value += strtoll(r->element[k + 1]->str, NULL, 10);
        }
        freeReplyObject(r);
    }
    freeReplyObject(t);
    return err;
}

hl_err_t hl_query_quarters(hl_query_t *q, const char *topic, hl_strmap_t *out, char *errstr,
                           size_t errstr_size) {
    hl_strmap_clear(out);
    redisReply *t;
    hl_err_t err = tags(q, topic, &t, errstr, errstr_size);
    if (err)
        return err;
    for (size_t i = 0; i < t->elements; i++)
        redisAppendCommand(q->c, "SMEMBERS hl:%b:quarters", t->element[i]->str, t->element[i]->len);
    for (size_t i = 0; i < t->elements; i++) {
        redisReply *r = NULL;
        if (redisGetReply(q->c, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_ARRAY) {
            hl_seterr(errstr, errstr_size, "redis SMEMBERS: %s", q->c->errstr);
            freeReplyObject(r);
            err = HL_ERR_REDIS;
            for (size_t j = i + 1; j < t->elements && redisGetReply(q->c, (void **)&r) == REDIS_OK; j++)
                freeReplyObject(r);
            break;
        }
        for (size_t k = 0; k < r->elements; k++)
            hl_strmap_get(out, r->element[k]->str, r->element[k]->len, NULL);
        freeReplyObject(r);
    }
    freeReplyObject(t);
    return err;
}

int hl_query_set_member(hl_query_t *q, const char *key, const char *member, int set, char *errstr,
                        size_t errstr_size) {
    redisReply *r = redisCommand(q->c, set ? "SADD %s %s" : "SISMEMBER %s %s", key, member);
    if (!r || r->type != REDIS_REPLY_INTEGER) {
        hl_seterr(errstr, errstr_size, "redis %s: %s", set ? "SADD" : "SISMEMBER",
                  r && r->type == REDIS_REPLY_ERROR ? r->str : q->c->errstr);
        freeReplyObject(r);
        return -1;
    }
    int was = set ? r->integer == 0 : r->integer == 1;
    freeReplyObject(r);
    return was;
}
