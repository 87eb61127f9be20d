/* redis_conn.h: the one way hotline opens a Redis connection: connect with
 * a timeout, set that timeout on every command, then authenticate (AUTH with
 * an ACL user and password, or the password alone for the default user).
 * Used by the ingester's store and by every reader. */
#ifndef HL_REDIS_CONN_H
#define HL_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "common/hl.h"
#include "config/config.h"

/* Where and as whom to connect. Strings are borrowed for the call. */
typedef struct hl_redis_opts_s {
    const char *host;
    int port;
    const char *user;     /* ACL user; "" or NULL: the default user */
    const char *password; /* "" or NULL: no AUTH */
    int timeout_ms;       /* connect and command timeout; <= 0: 2000 */
} hl_redis_opts_t;

/* The redis.* keys of @p conf (borrowed: valid while @p conf is). */
hl_redis_opts_t hl_redis_opts_from_conf(const hl_conf_t *conf);

/* Connects and authenticates; *out gets a context the caller frees with
 * redisFree(). @returns HL_OK; HL_ERR_REDIS when the server cannot be
 * reached (transient); HL_ERR_DENIED when it refuses the credentials. On
 * error *out is NULL and @p errstr names the server and the step that failed
 * ("AUTH as user 'hotline': WRONGPASS ..."); the password never appears. */
hl_err_t hl_redis_connect(const hl_redis_opts_t *opts, redisContext **out, char *errstr,
                          size_t errstr_size);

/* HL_ERR_DENIED when @p reply is Redis refusing access (NOAUTH, WRONGPASS,
 * NOPERM: retrying cannot help), else HL_ERR_REDIS. */
hl_err_t hl_redis_error_kind(const redisReply *reply);

#endif
