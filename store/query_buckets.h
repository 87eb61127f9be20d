/* query_buckets.h: batched reads for hotspots and alerts: many bucket
 * hashes of every partition of a topic in one pipelined round trip (after
 * the partition list), and the partitions' alert lists. A connection of its
 * own (hl_query_t is opaque to this file); reconnects after an error. */
#ifndef HL_QUERY_BUCKETS_H
#define HL_QUERY_BUCKETS_H

#include <stddef.h>

#include "common/hl.h"
#include "common/strmap.h"
#include "store/bucket_cache.h"
#include "store/query.h"

typedef struct hl_qb_s hl_qb_t;

/* @returns a connected reader (options copied) or NULL with a message; free
 * with hl_qb_destroy(). Not thread safe: one per thread. */
hl_qb_t *hl_qb_new(const hl_redis_opts_t *opts, char *errstr, size_t errstr_size);
/* NULL is allowed. */
void hl_qb_destroy(hl_qb_t *qb);

/* From now on keeps the bucket hashes it reads, up to @p max_fields fields
 * in all, each under its change mark ("hl:{T:P}:v:<suffix>", written by the
 * ingester in the transaction that changes the bucket), and reads a hash
 * again only when its mark moved: the sums stay exact. A hash without a mark
 * is read every time. For long-lived readers (hotline serve).
 * @returns HL_OK or HL_ERR_NOMEM. */
hl_err_t hl_qb_keep_buckets(hl_qb_t *qb, size_t max_fields);

/* Sums "hl:{<topic>:<p>}:<suffixes[i]>" over the topic's partitions: all
 * into out[0] (@p each == 0) or suffix i into out[i] (@p each == 1); the
 * maps are cleared first. Same contract as hl_hs_fetch_fn.
 * @returns HL_OK, or HL_ERR_REDIS with a message (the next call reconnects). */
hl_err_t hl_qb_sum(hl_qb_t *qb, const char *topic, const char *const *suffixes, size_t n,
                   int each, hl_strmap_t *out, char *errstr, size_t errstr_size);

/* The elements of the lists "hl:{<topic>:<p>}:<suffix>" of every partition
 * (the first @p max of each), concatenated. */
typedef struct hl_qb_texts_s {
    char **texts;   /* owned */
    size_t *lens;
    size_t count;
} hl_qb_texts_t;

/* @returns HL_OK with @p out filled (free with hl_qb_texts_free()), or
 * HL_ERR_REDIS / HL_ERR_NOMEM with a message. */
hl_err_t hl_qb_lists(hl_qb_t *qb, const char *topic, const char *suffix, long max,
                     hl_qb_texts_t *out, char *errstr, size_t errstr_size);
void hl_qb_texts_free(hl_qb_texts_t *t);

/* Writes into @p out the data version of @p topic: its partitions' stored
 * offsets and last commits' marks ("hl:{T:P}:off", "hl:{T:P}:mark";
 * "tag=offset/mark;" in set order). The ingester writes both in the same
 * transaction as its counts, and a mark is never written twice, so an equal
 * version means equal counts: answers cached under it are exact, even after
 * the keys were emptied and the topic ingested again.
 * @returns HL_OK, HL_ERR_INVALID when @p size is too small, or HL_ERR_REDIS. */
hl_err_t hl_qb_version(hl_qb_t *qb, const char *topic, char *out, size_t size, char *errstr,
                       size_t errstr_size);

/* @returns HL_OK when Redis answers PING. */
hl_err_t hl_qb_ping(hl_qb_t *qb, char *errstr, size_t errstr_size);

#endif
