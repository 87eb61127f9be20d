/* event.c: the ticket-event decoder. yajl's callbacks record the members the
 * contract names (copying their strings into a per-message arena) and check
 * every object for repeated member names; validation by event type follows
 * once the whole message has parsed. */
#include "ingest/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "common/taxonomy.h"
#include "common/utf8.h"
#include "ingest/rfc3339.h"

#define MAX_DEPTH 32
#define MAX_MEMBERS 1000

enum field {
    F_ID, F_EVENT, F_TS, F_CHANNEL, F_APPEAL, F_DISTRICT, F_PARK, F_TITLE,
    F_CONTENT, F_ENTERPRISE, F_CALLER, F_DUE, F_DEPARTMENT, F_SATISFACTION,
    F_NOTE, F_COUNT
};
static const char *const field_names[F_COUNT] = {
    "id", "event", "ts", "channel", "appeal_type", "district", "park", "title",
    "content", "enterprise", "caller", "due_at", "department", "satisfaction",
    "note"};

enum sub { S_NAME, S_CREDIT_CODE, S_PHONE, S_COUNT };
static const char *const sub_names[S_COUNT] = {"name", "credit_code", "phone"};

enum vtype { V_ABSENT = 0, V_STRING, V_NUMBER, V_BOOL, V_NULL, V_OBJECT, V_ARRAY };
static const char *const vtype_names[] = {"absent", "a string", "a number",
                                          "a boolean", "null", "an object",
                                          "an array"};

typedef struct value_s {
    unsigned char type;
    size_t off, len; /* into the arena, for V_STRING */
} value_t;

typedef struct frame_s {
    int is_map;
    size_t first_key; /* index into keys[] of this map's first member */
} frame_t;

typedef struct key_s {
    size_t off, len; /* into keybuf */
} key_t_;

struct hl_event_parser_s {
    /* arena for copied string values, reset per message */
    char *arena;
    size_t arena_len, arena_cap;
    /* member names of the open maps, for repeated-name detection */
    char *keybuf;
    size_t keybuf_len, keybuf_cap;
    key_t_ *keys;
    size_t nkeys, keys_cap; /* keys_cap counts entries */
    frame_t stack[MAX_DEPTH];
    int depth;
    int started;        /* the top-level value began */
    int cur_field;      /* at depth 1: the member being read, or -1 */
    int obj_field;      /* at depth 2: F_ENTERPRISE/F_CALLER map, or -1 */
    int cur_sub;        /* at depth 2: the sub-member being read, or -1 */
    value_t fields[F_COUNT];
    value_t subs[2][S_COUNT]; /* [0] enterprise, [1] caller */
    hl_reject_t reject; /* set by a callback that cancels the parse */
    const char *reject_msg;
    char msgbuf[128];
};

static const char *const reject_codes[HL_REJECT_COUNT] = {
    "none", "too_large", "invalid_json", "invalid_utf8", "not_object",
    "duplicate_member", "too_complex", "nul_character", "missing_field",
    "wrong_type", "bad_id", "bad_timestamp", "unknown_event",
    "content_too_long", "bad_value", "unknown_ticket"};

const char *hl_reject_code(hl_reject_t r) {
    return r >= 0 && r < HL_REJECT_COUNT ? reject_codes[r] : "unknown";
}

static const char *const event_names[HL_EV_COUNT] = {
    "created", "dispatched", "resolved", "reviewed", "reopened"};
static const char *const channel_names[HL_CH_COUNT] = {
    "phone", "web", "app", "wechat", "email", "letter", "other"};
static const char *const appeal_names[HL_AP_COUNT] = {
    "投诉", "举报", "咨询", "建议", "求助", "表扬"};
static const char *const satisfaction_names[] = {"", "满意", "基本满意", "不满意"};

const char *hl_event_type_name(hl_event_type_t t) {
    return t < HL_EV_COUNT ? event_names[t] : "?";
}
const char *hl_channel_name(hl_channel_t c) {
    return c < HL_CH_COUNT ? channel_names[c] : "?";
}
const char *hl_appeal_name(hl_appeal_t a) {
    return a < HL_AP_COUNT ? appeal_names[a] : "?";
}
const char *hl_satisfaction_name(hl_satisfaction_t s) {
    return s <= HL_SAT_DISSATISFIED ? satisfaction_names[s] : "?";
}

hl_event_parser_t *hl_event_parser_new(void) {
    return calloc(1, sizeof(hl_event_parser_t));
}

void hl_event_parser_destroy(hl_event_parser_t *p) {
    if (!p)
        return;
    free(p->arena);
    free(p->keybuf);
    free(p->keys);
    free(p);
}

static int grow(char **buf, size_t *cap, size_t need) {
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 4096;
    while (ncap < need)
        ncap *= 2;
    char *nb = realloc(*buf, ncap);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = ncap;
    return 0;
}

/* Cancels the parse with a reason; yajl then stops at once. */
static int fail(hl_event_parser_t *p, hl_reject_t r, const char *msg) {
    p->reject = r;
    p->reject_msg = msg;
    return 0;
}

static int find_name(const char *const *names, int n, const unsigned char *s,
                     size_t len) {
    if (!len)
        return -1;
    for (int i = 0; i < n; i++) /* the first byte rules out most before strlen */
        if (names[i][0] == s[0] && strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    return -1;
}

/* Records a scalar or container start as the value of the current member. */
static int record(hl_event_parser_t *p, enum vtype t, const unsigned char *s,
                  size_t len) {
    if (p->depth == 0) {
        if (t != V_OBJECT)
            return fail(p, HL_REJECT_NOT_OBJECT, "the message is not a JSON object");
        return 1;
    }
    value_t *v = NULL;
    if (p->depth == 1 && p->cur_field >= 0)
        v = &p->fields[p->cur_field];
    else if (p->depth == 2 && p->obj_field >= 0 && p->cur_sub >= 0)
        v = &p->subs[p->obj_field == F_CALLER][p->cur_sub];
    if (p->depth == 1)
        p->cur_field = -1;
    else if (p->depth == 2)
        p->cur_sub = -1;
    if (!v)
        return 1;
    v->type = (unsigned char)t;
    if (t == V_STRING) {
        if (grow(&p->arena, &p->arena_cap, p->arena_len + len + 1))
            return fail(p, HL_REJECT_TOO_COMPLEX, "out of memory");
        memcpy(p->arena + p->arena_len, s, len);
        p->arena[p->arena_len + len] = '\0';
        v->off = p->arena_len;
        v->len = len;
        p->arena_len += len + 1;
    }
    return 1;
}

static int cb_null(void *ctx) { return record(ctx, V_NULL, NULL, 0); }
static int cb_boolean(void *ctx, int b) {
    (void)b;
    return record(ctx, V_BOOL, NULL, 0);
}
static int cb_number(void *ctx, const char *s, size_t len) {
    (void)s;
    (void)len;
    return record(ctx, V_NUMBER, NULL, 0);
}
/* yajl checks only the shape of UTF-8 sequences (it lets overlongs, encoded
 * surrogates and code points over U+10FFFF through), so every string and
 * member name is checked strictly here, wherever it is: the contract rejects
 * invalid UTF-8 in any string, including members that are otherwise ignored. */
static int cb_string(void *ctx, const unsigned char *s, size_t len) {
    hl_event_parser_t *p = ctx;
    if (memchr(s, '\0', len))
        return fail(p, HL_REJECT_NUL_CHARACTER, "NUL character in a string");
    if (!hl_utf8_valid((const char *)s, len))
        return fail(p, HL_REJECT_INVALID_UTF8, "invalid UTF-8 in a string");
    return record(p, V_STRING, s, len);
}

static int push(hl_event_parser_t *p, int is_map) {
    if (p->depth == MAX_DEPTH)
        return fail(p, HL_REJECT_TOO_COMPLEX, "nesting deeper than 32");
    p->stack[p->depth].is_map = is_map;
    p->stack[p->depth].first_key = p->nkeys;
    p->depth++;
    return 1;
}

static int cb_start_map(void *ctx) {
    hl_event_parser_t *p = ctx;
    int entering_obj = p->depth == 1 &&
                       (p->cur_field == F_ENTERPRISE || p->cur_field == F_CALLER);
    int field = p->cur_field;
    if (!record(p, V_OBJECT, NULL, 0) || !push(p, 1))
        return 0;
    if (p->depth == 2) {
        p->obj_field = entering_obj ? field : -1;
        p->cur_sub = -1;
    }
    return 1;
}

static int cb_start_array(void *ctx) {
    hl_event_parser_t *p = ctx;
    if (!record(p, V_ARRAY, NULL, 0))
        return 0;
    if (p->depth == 1)
        p->obj_field = -1;
    return push(p, 0);
}

static int pop(hl_event_parser_t *p) {
    p->depth--;
    p->nkeys = p->stack[p->depth].first_key;
    p->keybuf_len = p->nkeys ? p->keys[p->nkeys - 1].off + p->keys[p->nkeys - 1].len : 0;
    if (p->depth == 1)
        p->obj_field = -1;
    return 1;
}
static int cb_end_map(void *ctx) { return pop(ctx); }
static int cb_end_array(void *ctx) { return pop(ctx); }

static int cb_map_key(void *ctx, const unsigned char *key, size_t len) {
    hl_event_parser_t *p = ctx;
    if (memchr(key, '\0', len))
        return fail(p, HL_REJECT_NUL_CHARACTER, "NUL character in a member name");
    if (!hl_utf8_valid((const char *)key, len))
        return fail(p, HL_REJECT_INVALID_UTF8, "invalid UTF-8 in a member name");
    size_t first = p->stack[p->depth - 1].first_key;
    if (p->nkeys - first >= MAX_MEMBERS)
        return fail(p, HL_REJECT_TOO_COMPLEX, "an object with over 1000 members");
    for (size_t i = first; i < p->nkeys; i++) {
        if (p->keys[i].len == len && memcmp(p->keybuf + p->keys[i].off, key, len) == 0) {
            int f = p->depth == 1 ? find_name(field_names, F_COUNT, key, len) : -1;
            if (f >= 0) {
                snprintf(p->msgbuf, sizeof p->msgbuf, "member \"%s\" repeated",
                         field_names[f]);
                return fail(p, HL_REJECT_DUPLICATE_MEMBER, p->msgbuf);
            }
            return fail(p, HL_REJECT_DUPLICATE_MEMBER, "a member name repeated");
        }
    }
    if (grow(&p->keybuf, &p->keybuf_cap, p->keybuf_len + len + 1))
        return fail(p, HL_REJECT_TOO_COMPLEX, "out of memory");
    if (p->nkeys == p->keys_cap) {
        size_t ncap = p->keys_cap ? p->keys_cap * 2 : 64;
        key_t_ *nk = realloc(p->keys, ncap * sizeof *nk);
        if (!nk)
            return fail(p, HL_REJECT_TOO_COMPLEX, "out of memory");
        p->keys = nk;
        p->keys_cap = ncap;
    }
    memcpy(p->keybuf + p->keybuf_len, key, len);
    p->keys[p->nkeys].off = p->keybuf_len;
    p->keys[p->nkeys].len = len;
    p->keybuf_len += len;
    p->nkeys++;
    if (p->depth == 1)
        p->cur_field = find_name(field_names, F_COUNT, key, len);
    else if (p->depth == 2 && p->obj_field >= 0) {
        p->cur_sub = find_name(sub_names, S_COUNT, key, len);
        /* enterprise has name+credit_code, caller has name+phone */
        if ((p->obj_field == F_ENTERPRISE && p->cur_sub == S_PHONE) ||
            (p->obj_field == F_CALLER && p->cur_sub == S_CREDIT_CODE))
            p->cur_sub = -1;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array};

static hl_str_t str_of(const hl_event_parser_t *p, const value_t *v) {
    hl_str_t s = {NULL, 0};
    if (v->type == V_STRING) {
        s.ptr = p->arena + v->off;
        s.len = v->len;
    }
    return s;
}

static hl_reject_t reject(char *errstr, size_t errstr_size, hl_reject_t r,
                          const char *fmt, const char *arg) {
    hl_seterr(errstr, errstr_size, fmt, arg);
    return r;
}

/* Checks that field @p f is present (when required) and a string.
 * @returns HL_REJECT_NONE or the reason (message in errstr). */
static hl_reject_t need_string(const hl_event_parser_t *p, int f, int required,
                               char *errstr, size_t errstr_size) {
    const value_t *v = &p->fields[f];
    if (v->type == V_ABSENT)
        return required ? reject(errstr, errstr_size, HL_REJECT_MISSING_FIELD,
                                 "missing field \"%s\"", field_names[f])
                        : HL_REJECT_NONE;
    if (v->type != V_STRING) {
        hl_seterr(errstr, errstr_size, "field \"%s\" must be a string, not %s",
                  field_names[f], vtype_names[v->type]);
        return HL_REJECT_WRONG_TYPE;
    }
    return HL_REJECT_NONE; /* its UTF-8 was checked as it was parsed (cb_string) */
}

static int valid_id(hl_str_t s) {
    if (s.len < 1 || s.len > HL_ID_MAX)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int str_is(hl_str_t s, const char *z) {
    return s.len == strlen(z) && memcmp(s.ptr, z, s.len) == 0;
}

static hl_reject_t check_object(const hl_event_parser_t *p, int f, int who,
                                char *errstr, size_t errstr_size) {
    const value_t *v = &p->fields[f];
    if (v->type == V_ABSENT)
        return HL_REJECT_NONE;
    if (v->type != V_OBJECT) {
        hl_seterr(errstr, errstr_size, "field \"%s\" must be an object, not %s",
                  field_names[f], vtype_names[v->type]);
        return HL_REJECT_WRONG_TYPE;
    }
    for (int s = 0; s < S_COUNT; s++) {
        const value_t *sv = &p->subs[who][s];
        if (sv->type != V_ABSENT && sv->type != V_STRING) {
            hl_seterr(errstr, errstr_size, "field \"%s.%s\" must be a string",
                      field_names[f], sub_names[s]);
            return HL_REJECT_WRONG_TYPE;
        }
    }
    return HL_REJECT_NONE;
}

/* Validates the recorded members against the contract and fills *ev. */
static hl_reject_t validate(hl_event_parser_t *p, hl_event_t *ev, char *errstr,
                            size_t errstr_size) {
    hl_reject_t r;
    static const int always[] = {F_ID, F_EVENT, F_TS};
    for (size_t i = 0; i < 3; i++)
        if ((r = need_string(p, always[i], 1, errstr, errstr_size)))
            return r;
    if ((r = need_string(p, F_NOTE, 0, errstr, errstr_size)))
        return r;
    ev->id = str_of(p, &p->fields[F_ID]);
    if (!valid_id(ev->id))
        return reject(errstr, errstr_size, HL_REJECT_BAD_ID,
                      "bad id: want 1-64 of A-Z a-z 0-9 . _ -%s", "");
    hl_str_t event = str_of(p, &p->fields[F_EVENT]);
    int type = -1;
    for (int i = 0; i < HL_EV_COUNT; i++)
        if (str_is(event, event_names[i]))
            type = i;
    if (type < 0)
        return reject(errstr, errstr_size, HL_REJECT_UNKNOWN_EVENT,
                      "unknown event type%s", "");
    ev->type = (hl_event_type_t)type;
    hl_str_t ts = str_of(p, &p->fields[F_TS]);
    if (hl_rfc3339_parse(ts.ptr, ts.len, &ev->ts))
        return reject(errstr, errstr_size, HL_REJECT_BAD_TIMESTAMP,
                      "bad timestamp in \"%s\"", "ts");

    switch (ev->type) {
    case HL_EV_CREATED: {
        static const int req[] = {F_CHANNEL, F_APPEAL, F_DISTRICT, F_CONTENT};
        static const int opt[] = {F_PARK, F_TITLE, F_DUE};
        for (size_t i = 0; i < 4; i++)
            if ((r = need_string(p, req[i], 1, errstr, errstr_size)))
                return r;
        for (size_t i = 0; i < 3; i++)
            if ((r = need_string(p, opt[i], 0, errstr, errstr_size)))
                return r;
        if ((r = check_object(p, F_ENTERPRISE, 0, errstr, errstr_size)) ||
            (r = check_object(p, F_CALLER, 1, errstr, errstr_size)))
            return r;
        hl_str_t ch = str_of(p, &p->fields[F_CHANNEL]);
        ev->channel = HL_CH_OTHER;
        for (int i = 0; i < HL_CH_OTHER; i++)
            if (str_is(ch, channel_names[i]))
                ev->channel = (hl_channel_t)i;
        hl_str_t ap = str_of(p, &p->fields[F_APPEAL]);
        int appeal = -1;
        for (int i = 0; i < HL_AP_COUNT; i++)
            if (str_is(ap, appeal_names[i]))
                appeal = i;
        if (appeal < 0)
            return reject(errstr, errstr_size, HL_REJECT_BAD_VALUE,
                          "unknown appeal_type%s", "");
        ev->appeal = (hl_appeal_t)appeal;
        hl_str_t d = str_of(p, &p->fields[F_DISTRICT]);
        ev->district = hl_district_find(d.ptr, d.len);
        ev->park = str_of(p, &p->fields[F_PARK]);
        ev->title = str_of(p, &p->fields[F_TITLE]);
        ev->content = str_of(p, &p->fields[F_CONTENT]);
        if (ev->content.len > HL_CONTENT_MAX)
            return reject(errstr, errstr_size, HL_REJECT_CONTENT_TOO_LONG,
                          "content over 64 KiB%s", "");
        if (p->fields[F_DUE].type == V_STRING) {
            hl_str_t due = str_of(p, &p->fields[F_DUE]);
            if (hl_rfc3339_parse(due.ptr, due.len, &ev->due_at))
                return reject(errstr, errstr_size, HL_REJECT_BAD_TIMESTAMP,
                              "bad timestamp in \"%s\"", "due_at");
        }
        ev->caller_phone = str_of(p, &p->subs[1][S_PHONE]);
        ev->enterprise_credit_code = str_of(p, &p->subs[0][S_CREDIT_CODE]);
        break;
    }
    case HL_EV_DISPATCHED: {
        if ((r = need_string(p, F_DEPARTMENT, 1, errstr, errstr_size)))
            return r;
        hl_str_t d = str_of(p, &p->fields[F_DEPARTMENT]);
        ev->department = hl_dept_find(d.ptr, d.len);
        if (ev->department < 0)
            return reject(errstr, errstr_size, HL_REJECT_BAD_VALUE,
                          "unknown department%s", "");
        break;
    }
    case HL_EV_REVIEWED: {
        if ((r = need_string(p, F_SATISFACTION, 1, errstr, errstr_size)))
            return r;
        hl_str_t s = str_of(p, &p->fields[F_SATISFACTION]);
        for (int i = HL_SAT_SATISFIED; i <= HL_SAT_DISSATISFIED; i++)
            if (str_is(s, satisfaction_names[i]))
                ev->satisfaction = (hl_satisfaction_t)i;
        if (ev->satisfaction == HL_SAT_NONE)
            return reject(errstr, errstr_size, HL_REJECT_BAD_VALUE,
                          "unknown satisfaction%s", "");
        break;
    }
    default:
        break;
    }
    return HL_REJECT_NONE;
}

static int hex4(const char *s, size_t len, unsigned *v) {
    *v = 0;
    if (len < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

/* Whether the (already parsed, so well-formed) JSON text holds a \u escape
 * of a UTF-16 surrogate that is not part of a high+low pair. yajl turns a
 * lone high surrogate into '?' and pairs a high one with whatever escape
 * follows, so this is checked on the raw text: such a string has no UTF-8
 * encoding and is rejected as invalid UTF-8. A backslash appears only inside
 * strings in valid JSON, and "\\" is skipped as a pair. */
static int lone_surrogate(const char *buf, size_t len) {
    const char *end = buf + len, *s = buf;
    while ((s = memchr(s, '\\', (size_t)(end - s))) != NULL) {
        if (end - s < 2)
            return 0;
        if (s[1] != 'u') {
            s += 2;
            continue;
        }
        unsigned cp, lo;
        if (hex4(s + 2, (size_t)(end - s - 2), &cp))
            return 0; /* cannot happen after a successful parse */
        s += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return 1; /* a low surrogate first */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - s < 6 || s[0] != '\\' || s[1] != 'u' ||
                hex4(s + 2, (size_t)(end - s - 2), &lo) || lo < 0xDC00 || lo > 0xDFFF)
                return 1;
            s += 6;
        }
    }
    return 0;
}

/* One pass of yajl over the message. @p validate: yajl checks the shape of
 * UTF-8 in strings itself (cb_string and cb_map_key check every string
 * strictly either way). @returns the reason, HL_REJECT_NONE when the
 * members were recorded. */
static hl_reject_t parse_pass(hl_event_parser_t *p, const char *buf, size_t len, int validate,
                              char *errstr, size_t errstr_size) {
    p->arena_len = p->keybuf_len = p->nkeys = 0;
    p->depth = 0;
    p->cur_field = p->obj_field = p->cur_sub = -1;
    p->reject = HL_REJECT_NONE;
    p->reject_msg = NULL;
    memset(p->fields, 0, sizeof p->fields);
    memset(p->subs, 0, sizeof p->subs);
    yajl_handle h = yajl_alloc(&callbacks, NULL, p);
    if (!h) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return HL_REJECT_TOO_COMPLEX;
    }
    if (!validate)
        yajl_config(h, yajl_dont_validate_strings, 1);
    yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    hl_reject_t r = HL_REJECT_NONE;
    if (p->reject) {
        r = p->reject;
        hl_seterr(errstr, errstr_size, "%s", p->reject_msg);
    } else if (st != yajl_status_ok) {
        unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
        size_t at = yajl_get_bytes_consumed(h);
        r = msg && strstr((const char *)msg, "UTF8") ? HL_REJECT_INVALID_UTF8
                                                       : HL_REJECT_INVALID_JSON;
        /* yajl's message names the problem, never the bytes around it */
        char clean[96] = "";
        for (size_t i = 0, j = 0; msg && msg[i] && j + 1 < sizeof clean; i++)
            if (msg[i] != '\n')
                clean[j++] = (char)msg[i], clean[j] = '\0';
        hl_seterr(errstr, errstr_size, "%s at byte %zu: %s",
                  r == HL_REJECT_INVALID_UTF8 ? "invalid UTF-8" : "invalid JSON",
                  at, clean);
        if (msg)
            yajl_free_error(h, msg);
    }
    yajl_free(h);
    return r;
}

hl_reject_t hl_event_parse(hl_event_parser_t *p, const char *buf, size_t len,
                           hl_event_t *ev, char *errstr, size_t errstr_size) {
    memset(ev, 0, sizeof *ev);
    ev->department = -1;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3, len -= 3;
    /* yajl's own UTF-8 check only repeats, more loosely, the strict one of
     * the callbacks, so a message that passes goes through once without it
     * (a fifth fewer instructions). A rejected one is parsed again with it,
     * so that its reason and message are those of the first error a
     * validating parse meets (a cut character is yajl's "invalid UTF-8",
     * not a premature end). */
    hl_reject_t r = parse_pass(p, buf, len, 0, errstr, errstr_size);
    if (r)
        r = parse_pass(p, buf, len, 1, errstr, errstr_size);
    if (r)
        return r;
    if (lone_surrogate(buf, len)) {
        hl_seterr(errstr, errstr_size, "invalid UTF-8: an escaped UTF-16 surrogate not in a pair");
        return HL_REJECT_INVALID_UTF8;
    }
    return validate(p, ev, errstr, errstr_size);
}
