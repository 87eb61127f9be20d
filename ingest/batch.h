/* batch.h: one partition's share of an ingest batch, as pure code. Events are
 * added as they are polled (created tickets already classified); at flush the
 * caller loads the batch's ticket states from Redis, hl_batch_apply() runs
 * the lifecycle and aggregates every counter change in memory, and
 * hl_batch_ops() lists the writes (counter values, packed hot words, ticket
 * states, bucket TTLs and change marks) that go to Redis in one conditional
 * transaction with the offset.
 *
 * Redis keys are documented in docs/redis-keyspace.md; every key of a
 * partition carries the hash tag {<topic>:<partition>}. */
#ifndef HL_BATCH_H
#define HL_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"
#include "common/strmap.h"
#include "ingest/alerts.h"
#include "ingest/event.h"
#include "ingest/lifecycle.h"

typedef struct hl_batch_opts_s {
    int64_t due_default_s;  /* ingest.due.days in seconds */
    int64_t hour_ttl_s;     /* TTL of hour buckets */
    int64_t day_ttl_s;      /* TTL of day buckets */
    const char *table_version; /* keyword table that classified the batch */
} hl_batch_opts_t;

/* An accepted event waiting for its ticket's state (internal to batch.c). */
typedef struct hl_pending_s hl_pending_t;

typedef struct hl_pbatch_s {
    char tag[160];          /* "{hotline.tickets:3}" */
    int32_t partition;
    int64_t start_offset;   /* stored offset the batch started from; -1: none */
    int64_t next_offset;    /* offset after the last event added */
    size_t events;          /* messages added, accepted or not */
    hl_pending_t *pending;
    size_t npending, pending_cap;
    char *arena;            /* ids, parks, raw bytes, keywords of pending events */
    size_t arena_len, arena_cap;
    hl_strmap_t tickets;    /* ticket id -> index into states */
    struct hl_pstate_s *states;
    size_t nstates, states_cap;
    hl_strmap_t hashes;     /* counter hash key -> unused; its entry index is the hash id */
    hl_strmap_t counters;   /* 4-byte hash id + field -> delta */
    int64_t *stored;        /* per counters entry: the value Redis holds (hl_pbatch_set_stored) */
    size_t *by_hash;        /* counters entries with a delta, grouped by hash (after apply) */
    size_t *hash_start;     /* hash h's entries: by_hash[hash_start[h] .. hash_start[h + 1]) */
    size_t group_cap, hash_start_cap;
    int64_t stats_hash;     /* id of the stats hash; -1: not known yet */
    char q_quarter[8];      /* the quarter whose hash id is q_hash ("" none) */
    int64_t q_hash;
    /* hot words: counter "kw#<g>\t<keyword>" is a member of the packed field
     * "kw#<g>" of its hash (common/kwpack.h); packs are listed after a
     * hash's plain counters */
    hl_strmap_t packs;      /* 4-byte hash id + "kw#<g>" -> member count; entry index = pack id */
    uint32_t *member_pack;  /* per counters entry: its pack id + 1, 0 for a plain counter */
    size_t *pack_members;   /* members grouped by pack: pack k's at [pack_start[k], [k + 1]) */
    size_t *pack_start;
    size_t *pack_by_hash;   /* pack ids grouped by hash: hash h's at [pack_hstart[h], [h + 1]) */
    size_t *pack_hstart;
    size_t *pack_stored;    /* per pack: arena offset of the stored value; SIZE_MAX none */
    size_t *pack_stored_len;
    size_t pack_cap;
    hl_strmap_t expires;    /* bucket key -> TTL seconds */
    hl_strmap_t quarters;   /* quarters that received tickets in this batch */
    /* during hl_pbatch_apply(): the quarter's (dimension, value) cells, one
     * look-up per ticket and cell, their metrics' deltas gathered here and
     * made counters at its end */
    hl_strmap_t cells;      /* 4-byte hash id + "<dim>|<value>" -> index into cell_deltas */
    int64_t (*cell_deltas)[HL_M_COUNT];
    size_t cells_cap;
    size_t *alerts_off;     /* alerts (JSON in the arena) written with the batch */
    size_t nalerts, alerts_cap;
} hl_pbatch_t;

/* Resets @p pb for a new batch of @p partition of @p topic starting at stored
 * offset @p start_offset (-1 when none is stored). */
void hl_pbatch_reset(hl_pbatch_t *pb, const char *topic, int32_t partition,
                     int64_t start_offset);
void hl_pbatch_free(hl_pbatch_t *pb);

/* Adds an accepted event at @p offset. For `created`, @p res is its
 * classification (its keywords are copied) and @p who the caller's and the
 * enterprise's identities (0-2, for alerts); for other types @p raw is the
 * message (kept to dead-letter it if its ticket turns out unknown).
 * @returns 0, or -1 when out of memory. */
int hl_pbatch_add(hl_pbatch_t *pb, int64_t offset, const hl_event_t *ev,
                  const hl_result_t *res, const hl_who_t *who, size_t nwho, const char *raw,
                  size_t raw_len);

/* Adds an alert (JSON) to be written with the batch into the partition's
 * alert list (the newest 10,000 are kept). @returns 0, or -1 when out of memory. */
int hl_pbatch_add_alert(hl_pbatch_t *pb, const char *json);

/* Counts a message rejected by the decoder (reason code) at @p offset. */
int hl_pbatch_add_rejected(hl_pbatch_t *pb, int64_t offset, hl_reject_t reason);

/* Ticket ids whose state must be loaded before hl_batch_apply(): calls
 * @p fn for each distinct id in order. */
void hl_pbatch_each_id(const hl_pbatch_t *pb, void (*fn)(void *opaque, const char *id,
                       size_t len), void *opaque);

/* Records the stored state of @p id (packed text, or NULL when the ticket
 * does not exist). @returns 0, or -1 when the stored text is malformed. */
int hl_pbatch_set_state(hl_pbatch_t *pb, const char *id, size_t id_len,
                        const char *packed, size_t packed_len);

/* A ticket state change made by hl_pbatch_apply(), for outputs such as the
 * classified feed. Borrowed for the duration of the callback. */
typedef struct hl_change_s {
    hl_event_type_t type;     /* created: a new ticket; others: its state moved */
    const char *id;
    size_t id_len;
    int64_t ts;               /* the event's time */
    const hl_ticket_t *ticket;/* the state after the event */
    /* created only: the classification */
    double score;
    unsigned flags;
    const char *keywords;     /* nkeywords NUL-terminated strings, back to back */
    size_t nkeywords;
    const hl_who_t *who;      /* caller / enterprise identities */
    size_t nwho;
} hl_change_t;

/* What hl_pbatch_apply() reports besides counts; any callback may be NULL. */
typedef struct hl_batch_observer_s {
    /* an event whose ticket was never created, with its ticket id, original
     * message and offset, so the caller dead-letters it */
    void (*unknown)(void *opaque, int32_t partition, int64_t offset, const char *id,
                    size_t id_len, const char *raw, size_t len);
    /* a ticket created or changed (not called for repeats) */
    void (*changed)(void *opaque, const hl_change_t *change);
    void *opaque;
} hl_batch_observer_t;

/* Runs the lifecycle over the pending events in order and aggregates the
 * counter changes; @p obs (may be NULL) hears of unknown tickets and changes.
 * @returns 0, or -1 when out of memory. */
int hl_pbatch_apply(hl_pbatch_t *pb, const hl_batch_opts_t *opts, const hl_batch_observer_t *obs);

/* Before hl_pbatch_apply() (the states loaded): tells @p obs->changed of
 * each ticket the batch will create, exactly as hl_pbatch_apply() will
 * report it, in the same order (so look-ups that depend only on new
 * tickets, the alerts', can run while the batch is applied).
 * @returns 0, or -1 when out of memory or a state was not loaded. */
int hl_pbatch_creations(const hl_pbatch_t *pb, const hl_batch_opts_t *opts,
                        const hl_batch_observer_t *obs);

/* The counter hashes an applied batch changes. Counters are written as
 * absolute values (HSET of many fields per hash is several times cheaper for
 * Redis than one HINCRBY per field), so before the commit the caller reads
 * what Redis holds for each changed field and hands it back with
 * hl_pbatch_set_stored(). This read-modify-write is exact because only the
 * partition's owner writes its keys, and the commit applies only if the
 * partition's offset, WATCHed before the read, did not move.
 * Hash ids run from 0 to hl_pbatch_nhashes() - 1; strings are borrowed until
 * the batch is reset. */
size_t hl_pbatch_nhashes(const hl_pbatch_t *pb);
/* @returns the key of hash @p h; *nfields: how many of its fields change
 * (its plain counters first, then its packed hot-word fields "kw#<g>"). */
const char *hl_pbatch_hash_key(const hl_pbatch_t *pb, size_t h, size_t *len, size_t *nfields);
/* @returns field @p i (0 .. nfields - 1) of hash @p h. */
const char *hl_pbatch_hash_field(const hl_pbatch_t *pb, size_t h, size_t i, size_t *len);
/* Records the value Redis holds for field @p i of hash @p h: its text
 * (copied), NULL when absent. A counter holds a decimal integer; a packed
 * field (hot words) a common/kwpack.h value.
 * @returns 0, -1 when the value is malformed (@p errstr says which), -2
 * when out of memory. */
int hl_pbatch_set_stored(hl_pbatch_t *pb, size_t h, size_t i, const char *value, size_t len,
                         char *errstr, size_t errstr_size);

/* One write of the transaction. */
typedef enum hl_op_type_e {
    HL_OP_HSET = 'h', /* a counter's new value: stored + the batch's delta */
    HL_OP_HSET_TEXT = 'p', /* a packed field's new value (common/kwpack.h) */
    HL_OP_SET = 's', HL_OP_EXPIRE = 'x', HL_OP_SADD = 'a',
    HL_OP_LPUSH = 'l', /* and trim the list to its newest 10,000 */
    HL_OP_MARK = 'm'   /* a bucket's change mark: SET key <a value unique to
                          the commit> EX n (docs/redis-keyspace.md) */
} hl_op_type_t;

/* Lists the writes after hl_pbatch_apply() (and hl_pbatch_set_stored()):
 * @p fn gets (type, key, field or value, text value of HL_OP_HSET_TEXT,
 * integer argument); the HSETs of one hash come one after another; strings
 * are borrowed for the call only. */
typedef int (*hl_op_fn)(void *opaque, hl_op_type_t type, const char *key, size_t key_len,
                        const char *arg, size_t arg_len, const char *value, size_t value_len,
                        int64_t n);
int hl_pbatch_ops(hl_pbatch_t *pb, hl_op_fn fn, void *opaque);

/* Writes the Redis key of a ticket / the offset into @p out.
 * @returns the length. */
size_t hl_key_ticket(const char *tag, const char *id, size_t id_len, char *out, size_t size);
size_t hl_key_offset(const char *tag, char *out, size_t size);

/* @returns the ASCII code of an appeal type ("complaint"). */
const char *hl_appeal_code(int appeal);

#endif
