/* lifecycle.c: the state machine and the ticket state's text form. */
#include "ingest/lifecycle.h"

#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/taxonomy.h"

static const char *const metric_names[HL_M_COUNT] = {
    "received", "dispatched", "resolved", "resolved_on_time", "reopened",
    "reviewed", "satisfied", "basically_satisfied", "dissatisfied", "agree"};

const char *hl_metric_name(hl_metric_t m) {
    return m < HL_M_COUNT ? metric_names[m] : "?";
}

size_t hl_park_cut(const char *park, size_t len) {
    if (len > HL_PARK_MAX) {
        len = HL_PARK_MAX;
        while (len > 0 && ((unsigned char)park[len] & 0xC0) == 0x80)
            len--;
    }
    return len;
}

/* Keeps at most HL_PARK_MAX bytes, cutting before a UTF-8 continuation. */
static size_t park_copy(char *dst, const char *src, size_t len) {
    len = hl_park_cut(src, len);
    memcpy(dst, src, len);
    dst[len] = '\0';
    return len;
}

void hl_ticket_init(hl_ticket_t *t, const hl_event_t *ev, int topic, int sdept,
                    int64_t due_default_s) {
    memset(t, 0, sizeof *t);
    t->created = ev->ts;
    t->due = ev->due_at ? ev->due_at : ev->ts + due_default_s;
    t->topic = topic;
    t->sdept = sdept;
    t->hdept = -1;
    t->district = ev->district;
    t->appeal = ev->appeal;
    t->channel = ev->channel;
    if (ev->park.ptr)
        t->park_len = park_copy(t->park, ev->park.ptr, ev->park.len);
}

hl_apply_t hl_lifecycle_apply(hl_ticket_t *t, int exists, const hl_event_t *ev) {
    if (!exists)
        return ev->type == HL_EV_CREATED ? HL_APPLY_CHANGED : HL_APPLY_UNKNOWN;
    switch (ev->type) {
    case HL_EV_CREATED:
        return HL_APPLY_NOOP;
    case HL_EV_DISPATCHED:
        if (t->hdept == ev->department)
            return HL_APPLY_NOOP;
        t->hdept = ev->department; /* the latest wins: 改派 */
        return HL_APPLY_CHANGED;
    case HL_EV_RESOLVED:
        if (t->resolved)
            return HL_APPLY_NOOP;
        t->resolved = 1;
        t->resolved_at = ev->ts;
        return HL_APPLY_CHANGED;
    case HL_EV_REOPENED:
        if (!t->resolved)
            return HL_APPLY_NOOP;
        t->resolved = 0;
        t->resolved_at = 0;
        t->reopened = 1;
        return HL_APPLY_CHANGED;
    case HL_EV_REVIEWED:
        if (t->satisfaction == (int)ev->satisfaction)
            return HL_APPLY_NOOP;
        t->satisfaction = ev->satisfaction;
        return HL_APPLY_CHANGED;
    default:
        return HL_APPLY_NOOP;
    }
}

void hl_ticket_contribution(const hl_ticket_t *t, int out[HL_M_COUNT]) {
    out[HL_M_RECEIVED] = 1;
    out[HL_M_DISPATCHED] = t->hdept >= 0;
    out[HL_M_RESOLVED] = t->resolved;
    out[HL_M_RESOLVED_ON_TIME] = t->resolved && t->resolved_at <= t->due;
    out[HL_M_REOPENED] = t->reopened;
    out[HL_M_REVIEWED] = t->satisfaction != HL_SAT_NONE;
    out[HL_M_SATISFIED] = t->satisfaction == HL_SAT_SATISFIED;
    out[HL_M_BASICALLY_SATISFIED] = t->satisfaction == HL_SAT_BASIC;
    out[HL_M_DISSATISFIED] = t->satisfaction == HL_SAT_DISSATISFIED;
    out[HL_M_AGREE] = t->hdept >= 0 && t->hdept == t->sdept;
}

int hl_ticket_resp_dept(const hl_ticket_t *t) {
    return t->hdept >= 0 ? t->hdept : t->sdept;
}

#define PACK_VERSION 1

/* Formatted by hand, not with snprintf: a batch packs every changed ticket. */
size_t hl_ticket_pack(const hl_ticket_t *t, char *out, size_t size) {
    const int64_t num[13] = {PACK_VERSION, t->created,  t->due,      t->resolved_at, t->topic,
                             t->sdept,     t->hdept,    t->district, t->appeal,      t->channel,
                             t->resolved,  t->reopened, t->satisfaction};
    char b[13 * 21 + sizeof t->park];
    size_t n = 0;
    for (int f = 0; f < 13; f++) {
        n += hl_fmt_i64(b + n, num[f]);
        b[n++] = '|';
    }
    size_t park = strlen(t->park);
    memcpy(b + n, t->park, park);
    n += park;
    if (n >= size)
        return 0;
    memcpy(out, b, n);
    out[n] = '\0';
    return n;
}

int hl_ticket_unpack(hl_ticket_t *t, const char *s, size_t len) {
    memset(t, 0, sizeof *t);
    int64_t num[13];
    size_t i = 0;
    for (int f = 0; f < 13; f++) {
        int neg = 0;
        if (i < len && s[i] == '-')
            neg = 1, i++;
        size_t start = i;
        int64_t v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 18)
            v = v * 10 + (s[i++] - '0');
        if (i == start || i >= len || s[i] != '|')
            return -1;
        i++;
        num[f] = neg ? -v : v;
    }
    if (num[0] != PACK_VERSION)
        return -1;
    t->created = num[1];
    t->due = num[2];
    t->resolved_at = num[3];
    t->topic = (int)num[4];
    t->sdept = (int)num[5];
    t->hdept = (int)num[6];
    t->district = (int)num[7];
    t->appeal = (int)num[8];
    t->channel = (int)num[9];
    t->resolved = (int)num[10];
    t->reopened = (int)num[11];
    t->satisfaction = (int)num[12];
    if (t->topic < 0 || t->topic >= HL_TOPIC_COUNT || t->sdept < 0 || t->sdept >= HL_DEPT_COUNT ||
        t->hdept < -1 || t->hdept >= HL_DEPT_COUNT || t->district < 0 ||
        t->district >= HL_DISTRICT_COUNT || t->appeal < 0 || t->appeal >= HL_AP_COUNT ||
        t->channel < 0 || t->channel >= HL_CH_COUNT || t->satisfaction < 0 ||
        t->satisfaction > HL_SAT_DISSATISFIED)
        return -1;
    t->park_len = park_copy(t->park, s + i, len - i);
    return 0;
}
