/* The classified feed's messages: byte for byte what jansson writes (the
 * renderer before it was hand-written, kept here as the reference), for
 * both kinds of message and for strings that need escaping. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "classify/rules.h"
#include "common/taxonomy.h"
#include "ingest/feed.h"
#include "ingest/rfc3339.h"
#include "unit.h"

static const char *const sat_codes[] = {NULL, "satisfied", "basically_satisfied", "dissatisfied"};

static char *reference_render(const hl_change_t *c, const char *table_version) {
    const hl_ticket_t *t = c->ticket;
    char ts[32], quarter[8];
    hl_cst_t cst; /* formatted here independently of hl_cst_format */
    hl_cst_from_unix(c->ts, &cst);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", cst.year, cst.month, cst.day,
             cst.hour, cst.minute, cst.second);
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(1));
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

static int same_as_reference(const hl_change_t *c, const char *table_version) {
    int fails = 0;
    char *got = hl_feed_render(c, table_version), *want = reference_render(c, table_version);
    TEST_ASSERT(got && want && strcmp(got, want) == 0, "\n got %s\nwant %s", got ? got : "NULL",
                want ? want : "NULL");
    free(got);
    free(want);
    return fails;
}

static int test_feed_ticket(void) {
    int fails = 0;
    hl_ticket_t t = {0};
    t.created = 1676424660; /* 2023-02-15 09:31 CST */
    t.topic = 12;
    t.sdept = 1;
    t.district = 2;
    t.appeal = 1;
    t.channel = 3;
    const char *park = "镇江\"新区\"\\园\n\x01";
    memcpy(t.park, park, strlen(park));
    t.park_len = strlen(park);
    const char kws[] = "审批\0拖\"延\0tab\there\0";
    hl_change_t c = {HL_EV_CREATED, "T-1\x7f\"", 5, t.created, &t, 0.8123456789012, 0, kws, 3, NULL, 0};
    fails += same_as_reference(&c, "d0a90d43071bad82");
    c.flags = 0x3; /* two flags */
    c.score = 2.0;
    fails += same_as_reference(&c, "v");
    c.score = 1e-7;
    c.nkeywords = 0;
    t.park_len = 0;
    fails += same_as_reference(&c, "v");
    c.score = 123456789012.0;
    fails += same_as_reference(&c, "v");
    return fails;
}

static int test_feed_status(void) {
    int fails = 0;
    hl_ticket_t t = {0};
    t.created = 1676424660;
    t.topic = 3;
    t.sdept = 2;
    t.hdept = 5;
    const hl_event_type_t types[] = {HL_EV_DISPATCHED, HL_EV_RESOLVED, HL_EV_REVIEWED,
                                     HL_EV_REOPENED};
    for (int s = 0; s <= 3; s++)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            t.satisfaction = s;
            t.resolved = (int)i % 2;
            t.reopened = s % 2;
            hl_change_t c = {types[i], "T-2", 3, t.created + 99, &t, 0, 0, NULL, 0, NULL, 0};
            fails += same_as_reference(&c, "v");
        }
    return fails;
}

const hl_unit_test_t hl_unit_tests_feed[] = {
    {"feed_ticket", test_feed_ticket},
    {"feed_status", test_feed_status},
    {NULL, NULL},
};
