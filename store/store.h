/* store.h: the Redis side of the ingester (the only user of hiredis in the
 * service): stored offsets, ticket states, and the conditional transaction
 * (WATCH + MULTI/EXEC) that writes a batch's counters together with its new
 * offsets. An opaque
 * handle over one redisContext, rebuilt after any connection error. */
#ifndef HL_STORE_H
#define HL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/hl.h"
#include "ingest/batch.h"
#include "store/redis_conn.h"

typedef struct hl_store_s hl_store_t;

/* @returns a new store handle (strings of @p opts copied; connects lazily,
 * on first use), or NULL when out of memory; free with hl_store_destroy(). */
hl_store_t *hl_store_new(const hl_redis_opts_t *opts);
void hl_store_destroy(hl_store_t *st);

/* Connects (if not connected) and PINGs. @returns HL_OK or HL_ERR_REDIS. */
hl_err_t hl_store_ping(hl_store_t *st, char *errstr, size_t errstr_size);

/* Reads the stored next offset of partition tag @p tag into *offset (-1 when
 * none is stored) and registers the tag in the set of partitions. */
hl_err_t hl_store_get_offset(hl_store_t *st, const char *tag, int64_t *offset,
                             char *errstr, size_t errstr_size);

/* Loads the states of every ticket the batches name, WATCHes each
 * partition's stored offset and sets stale[i] when it is no longer the
 * batch's start offset (another ingester moved the partition on). One round
 * trip. */
hl_err_t hl_store_load_states(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n, int *stale,
                              char *errstr, size_t errstr_size);

/* Asks what Redis holds for every counter field the applied batches change,
 * on the connection that WATCHes their offsets, and returns without waiting:
 * Redis answers while the caller works (the writer waits for Kafka), and
 * hl_store_counters_recv() reads the answers. One round trip, none when no
 * counter changes. Any other call on @p st in between loses the answers
 * (the caller recovers). @returns HL_OK, HL_ERR_REDIS or HL_ERR_NOMEM. */
hl_err_t hl_store_counters_send(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n,
                                char *errstr, size_t errstr_size);

/* Reads the answers to hl_store_counters_send() of the same @p pbs into
 * them (hl_pbatch_set_stored). @returns HL_OK; HL_ERR_INVALID when a stored
 * counter is not an integer; HL_ERR_REDIS or HL_ERR_NOMEM. */
hl_err_t hl_store_counters_recv(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n,
                                char *errstr, size_t errstr_size);

/* Sends every batch's changes and new offsets in one MULTI/EXEC (one round
 * trip) that applies only if no offset WATCHed by hl_store_load_states() on
 * this connection has changed since. Returns once it is sent: whether it
 * applied is read by hl_store_settle(), which every other call of this
 * store runs first, so Redis executes it while the caller goes on.
 * @returns HL_OK (sent); HL_ERR_NOMEM or HL_ERR_REDIS when it could not be
 * sent (nothing written, or not known: the caller re-reads the offsets). */
hl_err_t hl_store_commit(hl_store_t *st, hl_pbatch_t *const *pbs, size_t n, char *errstr,
                         size_t errstr_size);

/* Reads the outcome of the last hl_store_commit() (nothing to do when it
 * has been read). @returns HL_OK (applied); HL_ERR_STALE when an offset
 * moved (nothing written); HL_ERR_REDIS when Redis failed or the
 * connection broke (nothing written, or not known). */
hl_err_t hl_store_settle(hl_store_t *st, char *errstr, size_t errstr_size);

/* One question for alerts, asked of an idempotent sorted set: add @p member
 * with @p score (keep_min: keep the member's earliest score), give the key a
 * TTL (with expire), then count members scored in [count_min, count_max] and, with
 * keep_min, read the member's score back (is this addition the earliest?).
 * Replaying the same additions changes nothing. */
typedef struct hl_zquery_s {
    char key[160];
    char member[80];
    int64_t score;
    int keep_min;
    int64_t ttl_s;
    int expire;           /* give the key its TTL: 0 when an earlier query of the
                             same pipeline did (many tickets share a crowd key) */
    int64_t count_min, count_max;
    int64_t count;        /* out */
    int64_t member_score; /* out, keep_min only */
} hl_zquery_t;

/* Sends every query in one pipeline, all additions then all counts, and
 * returns without waiting: Redis answers while the caller works, and
 * hl_store_zcount_recv() reads the answers into the same @p qs (borrowed
 * until then). Any other call on @p st before that drops the connection
 * (the answers are lost; the caller recovers). Keys lie outside the
 * partitions' hash tags (a caller's tickets span partitions).
 * @returns HL_OK, HL_ERR_REDIS or HL_ERR_NOMEM. */
hl_err_t hl_store_zcount_send(hl_store_t *st, const hl_zquery_t *qs, size_t n, char *errstr,
                              size_t errstr_size);
/* Reads the answers to the @p n queries @p qs of hl_store_zcount_send().
 * @returns HL_OK or HL_ERR_REDIS. */
hl_err_t hl_store_zcount_recv(hl_store_t *st, hl_zquery_t *qs, size_t n, char *errstr,
                              size_t errstr_size);

/* Round trips and commands sent since creation. */
void hl_store_counts(const hl_store_t *st, uint64_t *round_trips, uint64_t *commands);

#endif
