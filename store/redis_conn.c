/* redis_conn.c: connect + AUTH, shared by store.c, query.c and
 * query_buckets.c. */
#include "store/redis_conn.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "common/hl.h"

hl_redis_opts_t hl_redis_opts_from_conf(const hl_conf_t *conf) {
    hl_redis_opts_t o = {conf->redis_host, (int)conf->redis_port, conf->redis_user,
                         conf->redis_password, (int)conf->redis_timeout_ms};
    return o;
}

hl_err_t hl_redis_error_kind(const redisReply *reply) {
    static const char *const refusals[] = {"NOAUTH", "WRONGPASS", "NOPERM"};
    if (!reply || reply->type != REDIS_REPLY_ERROR || !reply->str)
        return HL_ERR_REDIS;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (strncmp(reply->str, refusals[i], strlen(refusals[i])) == 0)
            return HL_ERR_DENIED;
    return HL_ERR_REDIS;
}

hl_err_t hl_redis_connect(const hl_redis_opts_t *opts, redisContext **out, char *errstr,
                          size_t errstr_size) {
    *out = NULL;
    const char *host = opts->host && *opts->host ? opts->host : "127.0.0.1";
    int ms = opts->timeout_ms > 0 ? opts->timeout_ms : 2000;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(host, opts->port, tv);
    if (!c || c->err) {
        hl_seterr(errstr, errstr_size, "redis %s:%d: connect: %s", host, opts->port,
                  c ? c->errstr : "out of memory");
        redisFree(c);
        return HL_ERR_REDIS;
    }
    redisSetTimeout(c, tv);
    if (!opts->password || !*opts->password) {
        *out = c;
        return HL_OK;
    }
    int as_user = opts->user && *opts->user;
    redisReply *r = as_user ? redisCommand(c, "AUTH %s %s", opts->user, opts->password)
                            : redisCommand(c, "AUTH %s", opts->password);
    if (r && r->type != REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        *out = c;
        return HL_OK;
    }
    hl_err_t kind = hl_redis_error_kind(r);
    hl_seterr(errstr, errstr_size, "redis %s:%d: AUTH as user '%s': %s", host, opts->port,
              as_user ? opts->user : "default", r ? r->str : c->errstr);
    freeReplyObject(r);
    redisFree(c);
    return kind;
}
