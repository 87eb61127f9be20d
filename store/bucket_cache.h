/* bucket_cache.h: the counter hashes a reader has read, each kept under the
 * change mark it had (a value the ingester writes beside a bucket in the
 * transaction that changes it: docs/redis-keyspace.md, "Change marks"), and
 * the running sum over the hashes of one query. A hash whose mark is
 * unchanged is summed from memory instead of being read again: while the
 * ingester writes, a 30-day query re-reads the few buckets the last batches
 * touched, not all 240. Field names are interned to small ids, so summing a
 * month of buckets walks arrays instead of looking up a map per field.
 * Pure: store/query_buckets.c does the reading. Not thread safe. */
#ifndef HL_BUCKET_CACHE_H
#define HL_BUCKET_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/hl.h"
#include "common/strmap.h"

typedef struct hl_bcache_s hl_bcache_t;

/* @p max_fields: how many fields the kept hashes may hold together before
 * the cache starts over (at the next hl_bcache_begin()); 0 keeps nothing,
 * the cache then only sums. @returns NULL when out of memory; free with
 * hl_bcache_destroy(). */
hl_bcache_t *hl_bcache_new(size_t max_fields);
/* NULL is allowed. */
void hl_bcache_destroy(hl_bcache_t *bc);

/* Starts a query: drops a sum left unfinished (after an error) and forgets
 * every kept hash when they hold more than max_fields fields (so one query
 * may go over the limit, never two). */
void hl_bcache_begin(hl_bcache_t *bc);

/* @returns 1 when hash @p key is kept under @p mark (the same bytes), 0 when
 * it must be read. An empty mark matches nothing. */
int hl_bcache_is_kept(const hl_bcache_t *bc, const char *key, size_t key_len, const char *mark,
                      size_t mark_len);

/* When hash @p key is kept under @p mark, adds its fields to the running
 * sum. @returns 1 when it did, 0 when the hash must be read. */
int hl_bcache_add_kept(hl_bcache_t *bc, const char *key, size_t key_len, const char *mark,
                       size_t mark_len);

/* Adds a hash read from Redis to the running sum: hl_bcache_read_begin(),
 * then hl_bcache_read_field() per field, then hl_bcache_read_end(). With a
 * @p mark (NULL: the hash has none, e.g. written before marks existed) the
 * hash is kept under it, replacing what was kept for @p key. A field's
 * value is its decimal text (anything else counts 0, as Redis readers did);
 * a packed hot-words field "kw#<g>" (common/kwpack.h) is read as the
 * fields "kw|<keyword>" it holds. Strings are copied. @returns HL_OK,
 * HL_ERR_INVALID for a malformed packed field, or HL_ERR_NOMEM (the sum is
 * then incomplete: start the query again). */
hl_err_t hl_bcache_read_begin(hl_bcache_t *bc, const char *key, size_t key_len, const char *mark,
                              size_t mark_len);
hl_err_t hl_bcache_read_field(hl_bcache_t *bc, const char *field, size_t field_len,
                              const char *value, size_t value_len);
hl_err_t hl_bcache_read_end(hl_bcache_t *bc);

/* Adds the running sum to @p out (field -> sum; a field that occurred gets
 * an entry even when its sum is 0) and starts a new sum. @returns HL_OK or
 * HL_ERR_NOMEM. */
hl_err_t hl_bcache_emit(hl_bcache_t *bc, hl_strmap_t *out);

/* Hashes and fields kept now (for tests and logs). */
size_t hl_bcache_hashes(const hl_bcache_t *bc);
size_t hl_bcache_fields(const hl_bcache_t *bc);

#endif
