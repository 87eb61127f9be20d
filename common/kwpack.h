/* kwpack.h: hot-word counts packed into a few hash fields. A bucket's hot
 * words (every table keyword found in its tickets: three quarters of all
 * counter fields when each had a field of its own) are spread over a fixed
 * number of groups by a hash of the keyword; group g is the field "kw#<g>"
 * of the bucket hash, its value the group's keywords and counts as lines
 * "<keyword>\t<count>\n", sorted by keyword bytes. Redis then holds 4 or
 * 16 fields per bucket instead of hundreds or thousands, and an ingest
 * batch writes each touched group once (docs/redis-keyspace.md). Keywords
 * hold no tab and no newline (the keyword table is tab-separated lines).
 * Pure. */
#ifndef HL_KWPACK_H
#define HL_KWPACK_H

#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"

/* An hour bucket holds ~100 keywords per partition, a day bucket 1,000-3,000.
 * Fewer groups mean fewer, longer values: a new ticket's ~16 keywords touch
 * most groups of its buckets whatever their number, so a batch rewrites
 * about the same bytes, in fewer fields. 4 and 16 cost Redis 10-18% less CPU
 * than 16 and 64 did, and halved the wait for a batch's transaction (bench,
 * 1M events); readers sum a keyword over every group, so buckets written
 * with other numbers still read right. */
#define HL_KWPACK_HOUR_GROUPS 4
#define HL_KWPACK_DAY_GROUPS 16

/* @returns the group (0 .. @p groups - 1) of keyword @p word: FNV-1a. */
unsigned hl_kwpack_group(const char *word, size_t len, unsigned groups);

/* Reads the next "<keyword>\t<count>\n" line of a packed value at *p
 * (advanced past it) before @p end. @returns 1 with the keyword (borrowed)
 * and its count, 0 at the end, -1 when the text is malformed. */
int hl_kwpack_next(const char **p, const char *end, const char **word, size_t *word_len,
                   int64_t *count);

/* A change to one keyword's count (the keyword borrowed). */
typedef struct hl_kwpack_delta_s {
    const char *word;
    size_t len;
    int64_t delta;
} hl_kwpack_delta_t;

/* Writes into @p out (appended) the packed value @p stored (len 0: none)
 * with @p deltas added: sorted by keyword, keywords whose count is 0 left
 * out. @p deltas is sorted in place; a keyword may appear in it once.
 * @returns 0, -1 when @p stored is malformed, -2 when out of memory. */
int hl_kwpack_merge(const char *stored, size_t stored_len, hl_kwpack_delta_t *deltas, size_t n,
                    hl_sbuf_t *out);

#endif
