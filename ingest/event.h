/* event.h: decoding one ticket event (../shared/spec/ticket-events.md) from
 * the bytes of a Kafka message into a plain struct. Pure code on yajl's event
 * API (no tree is built); every rejection has a specific reason. */
#ifndef HL_EVENT_H
#define HL_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/hl.h"

typedef enum hl_event_type_e {
    HL_EV_CREATED = 0,
    HL_EV_DISPATCHED,
    HL_EV_RESOLVED,
    HL_EV_REVIEWED,
    HL_EV_REOPENED,
    HL_EV_COUNT
} hl_event_type_t;

typedef enum hl_channel_e {
    HL_CH_PHONE = 0, HL_CH_WEB, HL_CH_APP, HL_CH_WECHAT, HL_CH_EMAIL,
    HL_CH_LETTER, HL_CH_OTHER, HL_CH_COUNT
} hl_channel_t;

/* 投诉 举报 咨询 建议 求助 表扬 */
typedef enum hl_appeal_e {
    HL_AP_COMPLAINT = 0, HL_AP_REPORT, HL_AP_INQUIRY, HL_AP_SUGGESTION,
    HL_AP_HELP, HL_AP_PRAISE, HL_AP_COUNT
} hl_appeal_t;

/* 满意 基本满意 不满意 */
typedef enum hl_satisfaction_e {
    HL_SAT_NONE = 0, HL_SAT_SATISFIED, HL_SAT_BASIC, HL_SAT_DISSATISFIED
} hl_satisfaction_t;

/* Why a message was rejected; HL_REJECT_NONE means accepted. The codes
 * (hl_reject_code) label the dead-letter counters and headers. */
typedef enum hl_reject_e {
    HL_REJECT_NONE = 0,
    HL_REJECT_TOO_LARGE,        /* message over ingest.max.message.bytes */
    HL_REJECT_INVALID_JSON,     /* not RFC 8259 JSON */
    HL_REJECT_INVALID_UTF8,
    HL_REJECT_NOT_OBJECT,
    HL_REJECT_DUPLICATE_MEMBER,
    HL_REJECT_TOO_COMPLEX,      /* nesting over 32 or over 1000 members */
    HL_REJECT_NUL_CHARACTER,
    HL_REJECT_MISSING_FIELD,
    HL_REJECT_WRONG_TYPE,
    HL_REJECT_BAD_ID,
    HL_REJECT_BAD_TIMESTAMP,
    HL_REJECT_UNKNOWN_EVENT,
    HL_REJECT_CONTENT_TOO_LONG, /* content over 64 KiB */
    HL_REJECT_BAD_VALUE,        /* appeal_type, department or satisfaction */
    HL_REJECT_UNKNOWN_TICKET,   /* set by the lifecycle, not the decoder */
    HL_REJECT_COUNT
} hl_reject_t;

#define HL_CONTENT_MAX 65536
#define HL_ID_MAX 64

/* @returns the stable snake_case code of @p r ("invalid_json"). */
const char *hl_reject_code(hl_reject_t r);
const char *hl_event_type_name(hl_event_type_t t);
const char *hl_channel_name(hl_channel_t c);
const char *hl_appeal_name(hl_appeal_t a);         /* Chinese, "投诉" */
const char *hl_satisfaction_name(hl_satisfaction_t s); /* Chinese */

/* One decoded event. Strings are borrowed from the parser and valid until
 * its next hl_event_parse() or destroy; absent optional fields have
 * ptr == NULL. Fields not carried by the event type are absent / zero. */
typedef struct hl_event_s {
    hl_event_type_t type;
    hl_str_t id;
    int64_t ts;                  /* Unix seconds */
    /* created */
    hl_channel_t channel;
    hl_appeal_t appeal;
    int district;                /* index into hl_districts; UNK for others */
    hl_str_t park;               /* free text, optional */
    hl_str_t title;              /* optional */
    hl_str_t content;
    int64_t due_at;              /* 0 when absent */
    /* personal data: only ever used for keyed hashes, never stored or shown */
    hl_str_t caller_phone;
    hl_str_t enterprise_credit_code;
    /* dispatched */
    int department;              /* index into hl_depts, -1 when absent */
    /* reviewed */
    hl_satisfaction_t satisfaction;
} hl_event_t;

typedef struct hl_event_parser_s hl_event_parser_t;

/* @returns a new parser (reusable for any number of messages), or NULL when
 * out of memory; free with hl_event_parser_destroy(). */
hl_event_parser_t *hl_event_parser_new(void);

/* Frees @p p; NULL is allowed. */
void hl_event_parser_destroy(hl_event_parser_t *p);

/* Decodes the message buf[0..len) (a leading UTF-8 BOM is skipped).
 * @returns HL_REJECT_NONE with *ev filled (strings borrowed from @p p), or
 * the reason, with a one-line message in errstr that never quotes the
 * message's values (they may hold personal data). */
hl_reject_t hl_event_parse(hl_event_parser_t *p, const char *buf, size_t len,
                           hl_event_t *ev, char *errstr, size_t errstr_size);

#endif
