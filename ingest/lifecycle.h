/* lifecycle.h: the ticket state machine of ../shared/spec/ticket-events.md,
 * as pure code. A counter in Redis is, by definition, the sum over tickets of
 * each ticket's *contribution* (received 1, dispatched 0/1, resolved 0/1, ...)
 * to the cells its attributes select. Applying an event therefore means:
 * contribution before, state change, contribution after, and the counters
 * move by the difference: exactly right for every event in every state, and
 * a no-op for repeats. */
#ifndef HL_LIFECYCLE_H
#define HL_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/event.h"

#define HL_PARK_MAX 90 /* bytes kept of a park name (cut at a character) */

/* @returns how many bytes of the park name park[0..len) are kept: at most
 * HL_PARK_MAX, cut before a UTF-8 continuation byte, so the kept name is
 * still valid UTF-8 (the same everywhere the name is counted). */
size_t hl_park_cut(const char *park, size_t len);

/* The cohort metrics of a quarter (the order is the Redis field names'). */
typedef enum hl_metric_e {
    HL_M_RECEIVED = 0, HL_M_DISPATCHED, HL_M_RESOLVED, HL_M_RESOLVED_ON_TIME,
    HL_M_REOPENED, HL_M_REVIEWED, HL_M_SATISFIED, HL_M_BASICALLY_SATISFIED,
    HL_M_DISSATISFIED, HL_M_AGREE, HL_M_COUNT
} hl_metric_t;

/* @returns the field name of a metric ("resolved_on_time"). */
const char *hl_metric_name(hl_metric_t m);

/* What the counts need to know of one ticket, and nothing more: no text, no
 * personal data. */
typedef struct hl_ticket_s {
    int64_t created;     /* Unix seconds of the created event */
    int64_t due;         /* due_at, or created + ingest.due.days */
    int64_t resolved_at; /* current resolution time; 0 when open */
    int topic;           /* classifier's topic */
    int sdept;           /* classifier's suggested department */
    int hdept;           /* handling (dispatched) department, -1 until dispatched */
    int district;
    int appeal;          /* hl_appeal_t */
    int channel;         /* hl_channel_t */
    int resolved;        /* 0 open, 1 resolved */
    int reopened;        /* marked once, however often */
    int satisfaction;    /* hl_satisfaction_t, latest wins */
    size_t park_len;     /* 0: no park */
    char park[HL_PARK_MAX + 1];
} hl_ticket_t;

typedef enum hl_apply_e {
    HL_APPLY_CHANGED = 0,  /* state (and so perhaps counters) changed */
    HL_APPLY_NOOP,         /* legal but changes nothing (a repeat) */
    HL_APPLY_UNKNOWN,      /* not `created` and the ticket does not exist */
} hl_apply_t;

/* Fills @p t for a newly created ticket from its event and classification. */
void hl_ticket_init(hl_ticket_t *t, const hl_event_t *ev, int topic, int sdept,
                    int64_t due_default_s);

/* Applies @p ev to the ticket. @p exists says whether *t holds a ticket.
 * @returns what happened; the caller creates the ticket for `created` on a
 * non-existing id with hl_ticket_init(). */
hl_apply_t hl_lifecycle_apply(hl_ticket_t *t, int exists, const hl_event_t *ev);

/* The ticket's contribution to each metric (0 or 1). */
void hl_ticket_contribution(const hl_ticket_t *t, int out[HL_M_COUNT]);

/* The department a ticket counts under for responsibility: the handling
 * department once dispatched, the suggested one before. */
int hl_ticket_resp_dept(const hl_ticket_t *t);

/* Serialises the state to text (no personal data): "2|created|due|...|park".
 * @returns the length written (< size), or 0 when @p size is too small. */
size_t hl_ticket_pack(const hl_ticket_t *t, char *out, size_t size);

/* Parses hl_ticket_pack() output. @returns 0, or -1 when malformed. */
int hl_ticket_unpack(hl_ticket_t *t, const char *s, size_t len);

#endif
