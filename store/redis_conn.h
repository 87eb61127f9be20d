/* redis_conn.h: the one way hotline opens a Redis connection: connect with
 * a timeout, set that timeout on every command, then authenticate (AUTH with
 * an ACL user and password, or the password alone for the default user).
 * Used by the ingester's store and by every reader. */
#ifndef HL_REDIS_CONN_H
#define HL_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <stddef.h>

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

/* @returns a connected, authenticated context the caller frees with
 * redisFree(), or NULL with a message naming the server and the step that
 * failed ("AUTH as user 'hotline': WRONGPASS ..."). The password never
 * appears in the message. */
redisContext *hl_redis_connect(const hl_redis_opts_t *opts, char *errstr, size_t errstr_size);

#endif
