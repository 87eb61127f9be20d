/* sample.h: a deterministic generator of a realistic stream of ticket events
 * (../shared/spec/ticket-events.md) for tests, demos and benchmarks.
 *
 * The stream looks like what the 镇江 12345 business-environment hotline
 * publishes on Kafka: tickets are created with a weekday/working-hours rhythm
 * and a few seasonal hotspots, then dispatched (sometimes re-dispatched),
 * resolved, reopened and reviewed, every message in timestamp order. Content
 * is built from templates for all 25 topics of the taxonomy, in everyday
 * enterprise wording, with the noise real tickets carry (traditional
 * characters, full-width digits, pinyin annotations, typos). At-least-once
 * duplicates and deliberately malformed messages are mixed in on request.
 *
 * Pure: no I/O, no global state; memory stays bounded by the tickets still in
 * flight, so streams of millions of tickets are generated on the fly. */
#ifndef HL_SAMPLE_H
#define HL_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

/* Options; start from hl_sample_opts_default(). */
typedef struct hl_sample_opts_s {
    uint64_t seed;         /* same seed + opts -> byte-identical stream */
    uint64_t tickets;      /* number of tickets to create (default 20000) */
    uint64_t max_events;   /* 0 = no limit; else stop after exactly this many
                              messages (a prefix of the unlimited stream) */
    int start_year;        /* created ts spread from Jan 1 of this year
                              (default 2023; 1971..9000) */
    int days;              /* length of the period in days (default 365) */
    double duplicate_rate; /* share of valid messages re-sent immediately
                              (at-least-once retry), default 0.02 */
    double invalid_rate;   /* extra malformed messages per valid message,
                              default 0.001; 0 for benchmarks */
    size_t content_bytes;  /* approx. target size of `content` in bytes;
                              0 (default) = natural lengths like the dev set */
    int label;             /* 1: add to created events the topic and department
                              the text was written for, as
                              "expected":{"topic","department"} like the dev
                              set (the service ignores it); default 0 */
} hl_sample_opts_t;

/* Event types in the stream, in the order of hl_sample_stats_t.events. */
enum {
    HL_SAMPLE_EV_CREATED = 0,
    HL_SAMPLE_EV_DISPATCHED,
    HL_SAMPLE_EV_RESOLVED,
    HL_SAMPLE_EV_REVIEWED,
    HL_SAMPLE_EV_REOPENED,
    HL_SAMPLE_EV_COUNT
};

/* Kinds of deliberately invalid messages (hl_sample_stats_t.invalid_kinds). */
enum {
    HL_SAMPLE_BAD_TRUNCATED = 0, /* valid message cut short */
    HL_SAMPLE_BAD_NOT_OBJECT,    /* array, string, number, empty, two objects */
    HL_SAMPLE_BAD_MISSING,       /* a required field is absent */
    HL_SAMPLE_BAD_TYPE,          /* a field has the wrong JSON type */
    HL_SAMPLE_BAD_TS,            /* ts not RFC 3339 with offset / impossible */
    HL_SAMPLE_BAD_EVENT,         /* unknown event type */
    HL_SAMPLE_BAD_UNKNOWN_ID,    /* event for an id never created */
    HL_SAMPLE_BAD_UTF8,          /* invalid UTF-8 bytes (GBK, overlong ...) */
    HL_SAMPLE_BAD_NUL,           /* \u0000 inside a string */
    HL_SAMPLE_BAD_DUP_MEMBER,    /* a member name repeated */
    HL_SAMPLE_BAD_VALUE,         /* impossible value: satisfaction, id chars */
    HL_SAMPLE_BAD_COUNT
};

#define HL_SAMPLE_TOPIC_COUNT 25

/* What a run produced; filled by hl_sample_generate_ex(). */
typedef struct hl_sample_stats_s {
    uint64_t messages;   /* emit calls, all kinds */
    uint64_t bytes;      /* payload bytes over all messages */
    uint64_t tickets;    /* created tickets (not counting duplicates) */
    uint64_t events[HL_SAMPLE_EV_COUNT]; /* valid messages by event type,
                                            duplicates excluded */
    uint64_t redispatched;   /* dispatched events that were a 改派 */
    uint64_t duplicates;     /* byte-identical re-sends */
    uint64_t invalid;        /* deliberately invalid messages */
    uint64_t invalid_kinds[HL_SAMPLE_BAD_COUNT];
    uint64_t traditional;    /* tickets written in traditional characters */
    uint64_t hotspot;        /* tickets created by a seasonal hotspot */
    uint64_t topics[HL_SAMPLE_TOPIC_COUNT]; /* tickets by the topic their text
                                               was written for (taxonomy
                                               order); never in the stream */
    uint64_t max_pending;    /* peak size of the scheduled-event heap */
} hl_sample_stats_t;

/**
 * @brief Fills @p opts with the defaults (seed 1, 20000 tickets, 2023, 365
 *        days, 2% duplicates, 0.1% invalid, natural content lengths).
 */
void hl_sample_opts_default(hl_sample_opts_t *opts);

/**
 * @brief Receives one message, in stream order.
 *
 * @p key is the ticket id (the Kafka message key); it is NULL with
 * @p key_len 0 for some malformed messages. Both buffers are borrowed and
 * valid only during the call; @p payload is not NUL-terminated in general.
 *
 * @returns 0 to go on, non-zero to stop generation (that value is returned
 *          by hl_sample_generate()).
 */
typedef int (*hl_sample_emit_fn)(void *opaque, const char *key,
                                 size_t key_len, const char *payload,
                                 size_t payload_len);

/**
 * @brief Generates the stream described by @p opts, calling @p emit once per
 *        message.
 *
 * Deterministic: the same @p opts give a byte-identical stream, and a run with
 * max_events = k gives the first k messages of the unlimited run.
 *
 * @returns 0 when the stream is complete (or max_events reached), the
 *          non-zero value @p emit returned if it stopped generation, or -1 on
 *          invalid options or allocation failure with a reason in @p errstr
 *          (which is set to "" on entry, so a callback returning -1 can be
 *          told apart).
 */
int hl_sample_generate(const hl_sample_opts_t *opts, hl_sample_emit_fn emit,
                       void *opaque, char *errstr, size_t errstr_size);

/**
 * @brief Like hl_sample_generate(), and fills @p stats (may be NULL) with what
 *        was emitted, also when generation stopped early.
 */
int hl_sample_generate_ex(const hl_sample_opts_t *opts, hl_sample_emit_fn emit,
                          void *opaque, hl_sample_stats_t *stats,
                          char *errstr, size_t errstr_size);

/**
 * @returns the static taxonomy code ("MKT.ARREARS") of topic index @p i as in
 *          hl_sample_stats_t.topics, or NULL when out of range.
 */
const char *hl_sample_topic_code(int i);

/**
 * @returns the static name ("created" ...) of event index @p i, or NULL.
 */
const char *hl_sample_event_name(int i);

/**
 * @returns a static short name ("truncated" ...) of invalid kind @p i, or
 *          NULL.
 */
const char *hl_sample_invalid_name(int i);

#endif
