/* feed.c: classified-feed messages, written straight into one buffer (one
 * message per changed ticket: jansson's tree of small allocations cost more
 * than the rest of the change). tests/unit/test_feed.c holds jansson's
 * rendering as the reference. */
#include "ingest/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/taxonomy.h"
#include "ingest/rfc3339.h"

static const char *const sat_codes[] = {NULL, "satisfied", "basically_satisfied", "dissatisfied"};

/* A JSON string, escaped as jansson escapes it (UTF-8 kept as it is). */
static void put_str(hl_sbuf_t *o, const char *s, size_t n) {
    hl_sbuf_put(o, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        hl_sbuf_put(o, s + run, i - run);
        run = i + 1;
        char esc[8];
        switch (ch) {
        case '"': hl_sbuf_put(o, "\\\"", 2); break;
        case '\\': hl_sbuf_put(o, "\\\\", 2); break;
        case '\b': hl_sbuf_put(o, "\\b", 2); break;
        case '\f': hl_sbuf_put(o, "\\f", 2); break;
        case '\n': hl_sbuf_put(o, "\\n", 2); break;
        case '\r': hl_sbuf_put(o, "\\r", 2); break;
        case '\t': hl_sbuf_put(o, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", ch);
            hl_sbuf_put(o, esc, 6);
        }
    }
    hl_sbuf_put(o, s + run, n - run);
    hl_sbuf_put(o, "\"", 1);
}

/* ,"key":"value" */
static void put_field(hl_sbuf_t *o, const char *key, const char *v, size_t n) {
    hl_sbuf_put(o, ",\"", 2);
    hl_sbuf_puts(o, key);
    hl_sbuf_put(o, "\":", 2);
    put_str(o, v, n);
}

static void put_field_z(hl_sbuf_t *o, const char *key, const char *v) {
    put_field(o, key, v, strlen(v));
}

/* A real as jansson writes it with JSON_REAL_PRECISION(10): "%.10g", with
 * ".0" when it would read as an integer and no '+' or leading zeros in the
 * exponent. */
static void put_real(hl_sbuf_t *o, double v) {
    char b[40];
    int n = snprintf(b, sizeof b, "%.10g", v);
    if (n < 0 || (size_t)n >= sizeof b - 2)
        return hl_sbuf_puts(o, "0.0"); /* cannot happen: %.10g fits */
    if (!strchr(b, '.') && !strchr(b, 'e'))
        memcpy(b + n, ".0", 3);
    char *e = strchr(b, 'e');
    if (e) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start)
            memmove(start, end, strlen(end) + 1);
    }
    hl_sbuf_puts(o, b);
}

char *hl_feed_render(const hl_change_t *c, const char *table_version) {
    const hl_ticket_t *t = c->ticket;
    char ts[32], quarter[8];
    hl_cst_format(c->ts, ts, sizeof ts);
    hl_sbuf_t o = {0};
    hl_sbuf_puts(&o, "{\"schema\":" HL_FEED_SCHEMA);
    if (c->type == HL_EV_CREATED) {
        hl_cst_quarter(t->created, quarter, sizeof quarter);
        put_field_z(&o, "type", "ticket");
        put_field(&o, "id", c->id, c->id_len);
        put_field_z(&o, "ts", ts);
        put_field_z(&o, "quarter", quarter);
        put_field_z(&o, "district", hl_districts[t->district].code);
        if (t->park_len)
            put_field(&o, "park", t->park, t->park_len);
        else
            hl_sbuf_puts(&o, ",\"park\":null");
        put_field_z(&o, "appeal_type", hl_appeal_code(t->appeal));
        put_field_z(&o, "channel", hl_channel_name((hl_channel_t)t->channel));
        put_field_z(&o, "topic", hl_topics[t->topic].code);
        put_field_z(&o, "environment", hl_envs[hl_topics[t->topic].env].code);
        put_field_z(&o, "department", hl_depts[t->sdept].code);
        hl_sbuf_puts(&o, ",\"score\":");
        put_real(&o, c->score);
        hl_sbuf_puts(&o, ",\"flags\":[");
        int first = 1;
        for (unsigned f = 1; f && f <= c->flags; f <<= 1)
            if (c->flags & f) {
                if (!first)
                    hl_sbuf_put(&o, ",", 1);
                put_str(&o, hl_flag_name(f), strlen(hl_flag_name(f)));
                first = 0;
            }
        hl_sbuf_puts(&o, "],\"keywords\":[");
        const char *k = c->keywords;
        for (size_t i = 0; i < c->nkeywords; i++, k += strlen(k) + 1) {
            if (i)
                hl_sbuf_put(&o, ",", 1);
            put_str(&o, k, strlen(k));
        }
        hl_sbuf_put(&o, "]", 1);
        put_field_z(&o, "table_version", table_version);
    } else {
        put_field_z(&o, "type", "status");
        put_field(&o, "id", c->id, c->id_len);
        put_field_z(&o, "ts", ts);
        put_field_z(&o, "event", hl_event_type_name(c->type));
        put_field_z(&o, "status", t->resolved ? "resolved" : "open");
        put_field_z(&o, "department", hl_depts[hl_ticket_resp_dept(t)].code);
        hl_sbuf_puts(&o, t->reopened ? ",\"reopened\":true" : ",\"reopened\":false");
        if (t->satisfaction)
            put_field_z(&o, "satisfaction", sat_codes[t->satisfaction]);
        else
            hl_sbuf_puts(&o, ",\"satisfaction\":null");
    }
    hl_sbuf_putc(&o, '}');
    return hl_sbuf_finish(&o);
}
