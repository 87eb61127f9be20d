/* query.h: the read side of the keyspace: sums a topic's per-partition hashes
 * (docs/redis-keyspace.md) into one view. Only user of hiredis besides
 * store.c; the aggregation itself is plain maps. */
#ifndef HL_QUERY_H
#define HL_QUERY_H

#include <stdint.h>

#include "common/hl.h"
#include "common/strmap.h"
#include "config/config.h"
#include "store/redis_conn.h"

typedef struct hl_query_s hl_query_t;

/* @returns a connected reader or NULL with a message; free with hl_query_destroy(). */
hl_query_t *hl_query_new(const hl_redis_opts_t *opts, char *errstr, size_t errstr_size);

/* The same, with the redis.* keys of @p conf (borrowed for the call). */
hl_query_t *hl_query_from_conf(const hl_conf_t *conf, char *errstr, size_t errstr_size);
void hl_query_destroy(hl_query_t *q);

/* Sums hash "hl:{<topic>:<p>}:<suffix>" over every partition of @p topic
 * (field -> value) into @p out (cleared first). @returns HL_OK or HL_ERR_REDIS. */
hl_err_t hl_query_hash_sum(hl_query_t *q, const char *topic, const char *suffix, hl_strmap_t *out,
                           char *errstr, size_t errstr_size);

/* Lists the quarters ("2023Q1") that have counts for @p topic, unordered, into
 * @p out as keys (values 0). */
hl_err_t hl_query_quarters(hl_query_t *q, const char *topic, hl_strmap_t *out, char *errstr,
                           size_t errstr_size);

/* Reads (set = 0) or adds (set = 1) @p member of the Redis set @p key.
 * @returns 1 when it was a member before the call, 0 when not, -1 on error. */
int hl_query_set_member(hl_query_t *q, const char *key, const char *member, int set, char *errstr,
                        size_t errstr_size);

#endif
