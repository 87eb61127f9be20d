/* feed.c: classified-feed messages with jansson. */
#include "ingest/feed.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/taxonomy.h"
#include "ingest/rfc3339.h"

void hl_feed_time(int64_t t, char *out, size_t size) {
    hl_cst_t c;
    hl_cst_from_unix(t, &c);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", c.year, c.month, c.day, c.hour,
             c.minute, c.second);
}

static const char *const sat_codes[] = {NULL, "satisfied", "basically_satisfied", "dissatisfied"};

char *hl_feed_render(const hl_change_t *c, const char *table_version) {
    const hl_ticket_t *t = c->ticket;
    char ts[32], quarter[8];
    hl_feed_time(c->ts, ts, sizeof ts);
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(HL_FEED_SCHEMA));
    if (c->type == HL_EV_CREATED) {
        hl_cst_quarter(t->created, quarter, sizeof quarter);
        json_t *flags = json_array(), *kws = json_array();
        for (unsigned f = 1; f && f <= c->flags; f <<= 1)
            if (c->flags & f)
                json_array_append_new(flags, json_string(hl_flag_name(f)));
        const char *k = c->keywords;
        for (size_t i = 0; i < c->nkeywords; i++, k += strlen(k) + 1)
            json_array_append_new(kws, json_string(k));
        json_object_set_new(o, "type", json_string("ticket"));
        json_object_set_new(o, "id", json_stringn(c->id, c->id_len));
        json_object_set_new(o, "ts", json_string(ts));
        json_object_set_new(o, "quarter", json_string(quarter));
        json_object_set_new(o, "district", json_string(hl_districts[t->district].code));
        json_object_set_new(o, "park", t->park_len ? json_stringn(t->park, t->park_len) : json_null());
        json_object_set_new(o, "appeal_type", json_string(hl_appeal_code(t->appeal)));
        json_object_set_new(o, "channel", json_string(hl_channel_name((hl_channel_t)t->channel)));
        json_object_set_new(o, "topic", json_string(hl_topics[t->topic].code));
        json_object_set_new(o, "environment", json_string(hl_envs[hl_topics[t->topic].env].code));
        json_object_set_new(o, "department", json_string(hl_depts[t->sdept].code));
        json_object_set_new(o, "score", json_real(c->score));
        json_object_set_new(o, "flags", flags);
        json_object_set_new(o, "keywords", kws);
        json_object_set_new(o, "table_version", json_string(table_version));
    } else {
        json_object_set_new(o, "type", json_string("status"));
        json_object_set_new(o, "id", json_stringn(c->id, c->id_len));
        json_object_set_new(o, "ts", json_string(ts));
        json_object_set_new(o, "event", json_string(hl_event_type_name(c->type)));
        json_object_set_new(o, "status", json_string(t->resolved ? "resolved" : "open"));
        json_object_set_new(o, "department", json_string(hl_depts[hl_ticket_resp_dept(t)].code));
        json_object_set_new(o, "reopened", json_boolean(t->reopened));
        json_object_set_new(o, "satisfaction",
                            t->satisfaction ? json_string(sat_codes[t->satisfaction]) : json_null());
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    return s;
}
