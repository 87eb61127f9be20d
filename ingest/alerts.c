/* alerts.c: identities, rules and rendering of alerts. */
#include "ingest/alerts.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/siphash.h"
#include "common/taxonomy.h"
#include "ingest/rfc3339.h"

static const char *const names[] = {"none", "repeat", "multi", "cluster", "urgent"};

const char *hl_alert_type_name(hl_alert_type_t t) {
    return t <= HL_ALERT_URGENT ? names[t] : "?";
}

static void mask(const char *s, size_t len, size_t keep_head, size_t keep_tail, char *out,
                 size_t size) {
    size_t w = 0;
    for (size_t i = 0; i < len && w + 1 < size; i++)
        out[w++] = i < keep_head || i + keep_tail >= len ? s[i] : '*';
    out[w] = '\0';
}

int hl_who_phone(const uint64_t key[2], const char *phone, size_t len, hl_who_t *out) {
    char d[32];
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (phone[i] >= '0' && phone[i] <= '9') {
            if (n == sizeof d - 1)
                return -1;
            d[n++] = phone[i];
        }
    if (n < 7)
        return -1;
    char tagged[40];
    int tl = snprintf(tagged, sizeof tagged, "phone:%.*s", (int)n, d);
    out->hash = hl_siphash(key, tagged, (size_t)tl);
    /* 139****5678: a person recognises the caller, a reader learns little */
    mask(d, n, n >= 11 ? 3 : n / 4, n >= 11 ? 4 : n / 4, out->masked, sizeof out->masked);
    return 0;
}

int hl_who_credit(const uint64_t key[2], const char *code, size_t len, hl_who_t *out) {
    char c[24];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)code[i]))
            continue;
        if (n == sizeof c - 1)
            return -1;
        c[n++] = (char)toupper((unsigned char)code[i]);
    }
    if (n != 18)
        return -1;
    char tagged[40];
    int tl = snprintf(tagged, sizeof tagged, "credit:%.*s", (int)n, c);
    out->hash = hl_siphash(key, tagged, (size_t)tl);
    mask(c, n, 4, 4, out->masked, sizeof out->masked);
    return 0;
}

hl_alert_type_t hl_alert_repeat(int64_t count) {
    return count >= 3 ? HL_ALERT_MULTI : count == 2 ? HL_ALERT_REPEAT : HL_ALERT_NONE;
}

int hl_alert_cluster(int64_t callers, int first_today, int64_t threshold) {
    return first_today && callers == threshold;
}

char *hl_alert_render(const hl_alert_t *a) {
    char ts[32];
    hl_cst_format(a->ts, ts, sizeof ts);
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(1));
    json_object_set_new(o, "type", json_string(hl_alert_type_name(a->type)));
    json_object_set_new(o, "id", json_stringn(a->id, a->id_len));
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "topic", json_string(hl_topics[a->topic].code));
    json_object_set_new(o, "district", json_string(hl_districts[a->district].code));
    json_object_set_new(o, "park", a->park ? json_string(a->park) : json_null());
    json_object_set_new(o, "who", a->who ? json_string(a->who) : json_null());
    json_object_set_new(o, "count", json_integer(a->count));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
