/* test_lifecycle.c: the ticket state machine (every event in every state),
 * the state's text form, and a batch's aggregated writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kwpack.h"
#include "common/taxonomy.h"
#include "ingest/batch.h"
#include "ingest/lifecycle.h"
#include "tests/unit/unit.h"

enum { DUE = 1000, T0 = 500 };

static hl_event_t event(hl_event_type_t type, int64_t ts, int dept, hl_satisfaction_t sat) {
    hl_event_t ev = {0};
    ev.type = type;
    ev.ts = ts;
    ev.department = dept;
    ev.satisfaction = sat;
    ev.due_at = DUE;
    return ev;
}

/* Builds a ticket in a named state. */
static void state(hl_ticket_t *t, const char *name) {
    hl_event_t c = event(HL_EV_CREATED, T0, -1, HL_SAT_NONE);
    hl_ticket_init(t, &c, 12 /* GOV.APPROVAL */, 1 /* APPROVAL */, 86400);
    if (strstr(name, "dispatched"))
        t->hdept = 10; /* HOUSING */
    if (strstr(name, "resolved_late"))
        t->resolved = 1, t->resolved_at = DUE + 1;
    else if (strstr(name, "resolved"))
        t->resolved = 1, t->resolved_at = DUE;
    if (strstr(name, "reopened"))
        t->reopened = 1;
    if (strstr(name, "reviewed"))
        t->satisfaction = HL_SAT_SATISFIED;
}

static int test_lifecycle_every_event_every_state(void) {
    int fails = 0;
    static const char *const states[] = {"open", "open dispatched", "resolved dispatched",
                                         "resolved_late", "open reopened",
                                         "resolved reopened reviewed"};
    /* events: created, dispatched HOUSING, dispatched FIRE, resolved at DUE-1,
     * reopened, reviewed 满意, reviewed 不满意 */
    hl_event_t evs[7] = {
        event(HL_EV_CREATED, T0 + 1, -1, HL_SAT_NONE), event(HL_EV_DISPATCHED, T0, 10, HL_SAT_NONE),
        event(HL_EV_DISPATCHED, T0, 14, HL_SAT_NONE), event(HL_EV_RESOLVED, DUE - 1, -1, HL_SAT_NONE),
        event(HL_EV_REOPENED, T0, -1, HL_SAT_NONE), event(HL_EV_REVIEWED, T0, -1, HL_SAT_SATISFIED),
        event(HL_EV_REVIEWED, T0, -1, HL_SAT_DISSATISFIED)};
    /* expected contribution after each (state, event): received dispatched
     * resolved on_time reopened reviewed sat basic dissat agree, and whether
     * it changed anything */
    static const struct {
        int changed;
        int c[HL_M_COUNT];
    } want[6][7] = {
        /* open */
        {{0, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, {1, {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
         {1, {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}}, {1, {1, 0, 1, 1, 0, 0, 0, 0, 0, 0}},
         {0, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, {1, {1, 0, 0, 0, 0, 1, 1, 0, 0, 0}},
         {1, {1, 0, 0, 0, 0, 1, 0, 0, 1, 0}}},
        /* open dispatched (HOUSING, suggested APPROVAL: no agreement) */
        {{0, {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}}, {0, {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
         {1, {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}}, {1, {1, 1, 1, 1, 0, 0, 0, 0, 0, 0}},
         {0, {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}}, {1, {1, 1, 0, 0, 0, 1, 1, 0, 0, 0}},
         {1, {1, 1, 0, 0, 0, 1, 0, 0, 1, 0}}},
        /* resolved dispatched, on time */
        {{0, {1, 1, 1, 1, 0, 0, 0, 0, 0, 0}}, {0, {1, 1, 1, 1, 0, 0, 0, 0, 0, 0}},
         {1, {1, 1, 1, 1, 0, 0, 0, 0, 0, 0}}, {0, {1, 1, 1, 1, 0, 0, 0, 0, 0, 0}},
         {1, {1, 1, 0, 0, 1, 0, 0, 0, 0, 0}}, {1, {1, 1, 1, 1, 0, 1, 1, 0, 0, 0}},
         {1, {1, 1, 1, 1, 0, 1, 0, 0, 1, 0}}},
        /* resolved late: a second resolve keeps the first time */
        {{0, {1, 0, 1, 0, 0, 0, 0, 0, 0, 0}}, {1, {1, 1, 1, 0, 0, 0, 0, 0, 0, 0}},
         {1, {1, 1, 1, 0, 0, 0, 0, 0, 0, 0}}, {0, {1, 0, 1, 0, 0, 0, 0, 0, 0, 0}},
         {1, {1, 0, 0, 0, 1, 0, 0, 0, 0, 0}}, {1, {1, 0, 1, 0, 0, 1, 1, 0, 0, 0}},
         {1, {1, 0, 1, 0, 0, 1, 0, 0, 1, 0}}},
        /* open after a reopen: resolving again resolves it, still reopened */
        {{0, {1, 0, 0, 0, 1, 0, 0, 0, 0, 0}}, {1, {1, 1, 0, 0, 1, 0, 0, 0, 0, 0}},
         {1, {1, 1, 0, 0, 1, 0, 0, 0, 0, 0}}, {1, {1, 0, 1, 1, 1, 0, 0, 0, 0, 0}},
         {0, {1, 0, 0, 0, 1, 0, 0, 0, 0, 0}}, {1, {1, 0, 0, 0, 1, 1, 1, 0, 0, 0}},
         {1, {1, 0, 0, 0, 1, 1, 0, 0, 1, 0}}},
        /* resolved, reopened before, reviewed 满意: latest review wins */
        {{0, {1, 0, 1, 1, 1, 1, 1, 0, 0, 0}}, {1, {1, 1, 1, 1, 1, 1, 1, 0, 0, 0}},
         {1, {1, 1, 1, 1, 1, 1, 1, 0, 0, 0}}, {0, {1, 0, 1, 1, 1, 1, 1, 0, 0, 0}},
         {1, {1, 0, 0, 0, 1, 1, 1, 0, 0, 0}}, {0, {1, 0, 1, 1, 1, 1, 1, 0, 0, 0}},
         {1, {1, 0, 1, 1, 1, 1, 0, 0, 1, 0}}},
    };
    for (int s = 0; s < 6; s++) {
        for (int e = 0; e < 7; e++) {
            hl_ticket_t t;
            state(&t, states[s]);
            hl_apply_t r = hl_lifecycle_apply(&t, 1, &evs[e]);
            int c[HL_M_COUNT];
            hl_ticket_contribution(&t, c);
            TEST_ASSERT((r == HL_APPLY_CHANGED) == want[s][e].changed,
                        "state \"%s\" event %d: changed %d", states[s], e, r == HL_APPLY_CHANGED);
            TEST_ASSERT(memcmp(c, want[s][e].c, sizeof c) == 0,
                        "state \"%s\" event %d: contribution %d%d%d%d%d%d%d%d%d%d", states[s], e,
                        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]);
        }
    }
    /* a ticket never created: every event but created is unknown */
    for (int e = 0; e < 7; e++) {
        hl_ticket_t t = {0};
        hl_apply_t r = hl_lifecycle_apply(&t, 0, &evs[e]);
        TEST_ASSERT(r == (e == 0 ? HL_APPLY_CHANGED : HL_APPLY_UNKNOWN), "nonexistent, event %d", e);
    }
    /* agreement: dispatched to the suggested department */
    hl_ticket_t t;
    state(&t, "open");
    hl_event_t d = event(HL_EV_DISPATCHED, T0, 1, HL_SAT_NONE);
    hl_lifecycle_apply(&t, 1, &d);
    int c[HL_M_COUNT];
    hl_ticket_contribution(&t, c);
    TEST_ASSERT(c[HL_M_AGREE] == 1 && hl_ticket_resp_dept(&t) == 1, "agreement");
    return fails;
}

static int test_ticket_pack_roundtrip(void) {
    int fails = 0;
    hl_ticket_t t, u;
    state(&t, "resolved reopened reviewed dispatched");
    memcpy(t.park, "a|b:{c}\r\n", 10);
    t.park_len = 9;
    char buf[256];
    size_t n = hl_ticket_pack(&t, buf, sizeof buf);
    TEST_ASSERT(n > 0, "pack");
    TEST_ASSERT(hl_ticket_unpack(&u, buf, n) == 0, "unpack %s", buf);
    TEST_ASSERT(memcmp(&t, &u, sizeof t) == 0, "roundtrip of %s", buf);
    /* the exact text (stored in Redis: the format may never drift) */
    t.hdept = -1;
    t.due = -5;
    n = hl_ticket_pack(&t, buf, sizeof buf);
    char want[256];
    snprintf(want, sizeof want, "1|%lld|-5|%lld|%d|%d|-1|%d|%d|%d|%d|%d|%d|a|b:{c}\r\n",
             (long long)t.created, (long long)t.resolved_at, t.topic, t.sdept, t.district,
             t.appeal, t.channel, t.resolved, t.reopened, t.satisfaction);
    TEST_STREQ(buf, want);
    TEST_ASSERT(n == strlen(want), "length %zu", n);
    TEST_ASSERT(hl_ticket_pack(&t, buf, strlen(want)) == 0, "too small");
    TEST_ASSERT(hl_ticket_pack(&t, buf, strlen(want) + 1) == n, "just fits");
    TEST_ASSERT(hl_ticket_unpack(&u, "1|2|3", 5) == -1, "truncated");
    TEST_ASSERT(hl_ticket_unpack(&u, "1|0|0|0|99|0|0|0|0|0|0|0|0|", 27) == -1, "bad topic");
    return fails;
}

typedef struct ops_s {
    char text[16384];
    size_t len;
} ops_t;

static int collect(void *opaque, hl_op_type_t type, const char *key, size_t key_len,
                   const char *arg, size_t arg_len, const char *value, size_t value_len,
                   int64_t n) {
    ops_t *o = opaque;
    int w = value ? snprintf(o->text + o->len, sizeof o->text - o->len, "%c %.*s %.*s [%.*s]\n",
                             (char)type, (int)key_len, key, (int)arg_len, arg, (int)value_len,
                             value)
                  : snprintf(o->text + o->len, sizeof o->text - o->len, "%c %.*s %.*s %lld\n",
                             (char)type, (int)key_len, key, (int)arg_len, arg, (long long)n);
    if (w > 0)
        o->len += (size_t)w;
    return 0;
}

static int has_op(const ops_t *o, const char *line) { return strstr(o->text, line) != NULL; }

static int test_batch_aggregates(void) {
    int fails = 0;
    hl_pbatch_t pb = {0};
    hl_pbatch_reset(&pb, "tickets", 2, 41);
    hl_result_t res = {0};
    res.topic = 12; /* GOV.APPROVAL */
    res.env = 2;
    res.dept = 1; /* APPROVAL */
    hl_event_t c = {0};
    c.type = HL_EV_CREATED;
    c.id.ptr = "T1";
    c.id.len = 2;
    c.ts = 1676424660; /* 2023-02-15 09:31 CST */
    c.due_at = c.ts + 3600;
    c.district = 0;
    c.appeal = HL_AP_COMPLAINT;
    c.channel = HL_CH_PHONE;
    c.park.ptr = "镇江经济技术开发区";
    c.park.len = strlen(c.park.ptr);
    TEST_ASSERT(hl_pbatch_add(&pb, 41, &c, &res, NULL, 0, "{}", 2) == 0, "add");
    TEST_ASSERT(hl_pbatch_add(&pb, 42, &c, &res, NULL, 0, "{}", 2) == 0, "add repeat");
    hl_event_t d = {0};
    d.type = HL_EV_DISPATCHED;
    d.id = c.id;
    d.ts = c.ts + 60;
    d.department = 10; /* HOUSING */
    TEST_ASSERT(hl_pbatch_add(&pb, 43, &d, NULL, NULL, 0, "{d}", 3) == 0, "add dispatched");
    hl_event_t u = d;
    u.id.ptr = "NOPE";
    u.id.len = 4;
    TEST_ASSERT(hl_pbatch_add(&pb, 44, &u, NULL, NULL, 0, "{u}", 3) == 0, "add unknown");
    TEST_ASSERT(hl_pbatch_add_rejected(&pb, 45, HL_REJECT_INVALID_JSON) == 0, "rejected");
    TEST_ASSERT(pb.next_offset == 46 && pb.events == 5, "offsets %lld", (long long)pb.next_offset);
    TEST_ASSERT(hl_pbatch_set_state(&pb, "T1", 2, NULL, 0) == 0, "state");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "NOPE", 4, NULL, 0) == 0, "state");
    hl_batch_opts_t opts = {5 * 86400, 3600, 86400, "abc"};
    TEST_ASSERT(hl_pbatch_apply(&pb, &opts, NULL) == 0, "apply");
    ops_t o = {{0}, 0};
    hl_pbatch_ops(&pb, collect, &o);
    const char *q = "hl:{tickets:2}:q:2023Q1";
    char line[256];
#define OP(fmt, ...)                                                                   \
    snprintf(line, sizeof line, fmt, __VA_ARGS__);                                     \
    TEST_ASSERT(has_op(&o, line), "missing \"%s\" in:\n%s", line, o.text)
    OP("h %s all|received| 1\n", q);
    OP("h %s all|dispatched| 1\n", q);
    OP("h %s topic|received|GOV.APPROVAL 1\n", q);
    OP("h %s sdept|received|APPROVAL 1\n", q);
    /* dispatched in the same batch: responsibility moved to HOUSING */
    OP("h %s dept|received|HOUSING 1\n", q);
    OP("h %s dept|dispatched|HOUSING 1\n", q);
    OP("h %s dt|received|JK|GOV.APPROVAL 1\n", q);
    OP("h %s park|received|镇江经济技术开发区 1\n", q);
    OP("h %s table|received|abc 1\n", q);
    OP("h hl:{tickets:2}:h:2023021509 dt|JK|GOV.APPROVAL 1\n%s", "");
    OP("h hl:{tickets:2}:d:20230215 dept|APPROVAL|GOV.APPROVAL 1\n%s", "");
    OP("h hl:{tickets:2}:stats applied|created 1\n%s", "");
    OP("h hl:{tickets:2}:stats repeat|created 1\n%s", "");
    OP("h hl:{tickets:2}:stats deadletter|unknown_ticket 1\n%s", "");
    OP("h hl:{tickets:2}:stats deadletter|invalid_json 1\n%s", "");
    OP("x hl:{tickets:2}:h:2023021509  3600\n%s", "");
    /* each bucket's change mark, with the bucket's TTL */
    OP("m hl:{tickets:2}:v:h:2023021509  3600\n%s", "");
    OP("m hl:{tickets:2}:v:d:20230215  86400\n%s", "");
    OP("s hl:{tickets:2}:t:T1 1|1676424660|1676428260|0|12|1|10|0|0|0|0|0|0|镇江经济技术开发区 0\n%s", "");
    /* nothing is written for the APPROVAL responsibility cell: +1 -1 = 0 */
    snprintf(line, sizeof line, "h %s dept|received|APPROVAL", q);
    TEST_ASSERT(!has_op(&o, line), "net-zero write \"%s\"", line);
    TEST_ASSERT(!has_op(&o, "NOPE"), "unknown ticket written");
    hl_pbatch_free(&pb);
    return fails;
}

/* A park name over HL_PARK_MAX bytes counts under the same name (cut at a
 * character, valid UTF-8) in the quarter and in the hotspot buckets, and an
 * empty park counts as no park in both. */
static int test_batch_park_names(void) {
    int fails = 0;
    hl_pbatch_t pb = {0};
    hl_pbatch_reset(&pb, "tickets", 0, 0);
    hl_result_t res = {0};
    res.topic = 12; /* GOV.APPROVAL */
    res.dept = 1;
    char park[128] = "a", cut[128] = "a";
    for (int i = 0; i < 30; i++) /* 1 + 30 * 3 = 91 bytes */
        strcat(park, "园");
    for (int i = 0; i < 29; i++) /* 88 bytes: byte 90 is inside a character */
        strcat(cut, "园");
    hl_event_t c = {0};
    c.type = HL_EV_CREATED;
    c.ts = 1676424660; /* 2023-02-15 09:31 CST */
    c.appeal = HL_AP_COMPLAINT;
    c.id.ptr = "LONG";
    c.id.len = 4;
    c.park.ptr = park;
    c.park.len = strlen(park);
    TEST_ASSERT(hl_pbatch_add(&pb, 0, &c, &res, NULL, 0, "{}", 2) == 0, "add");
    c.id.ptr = "EMPTY";
    c.id.len = 5;
    c.park.ptr = "";
    c.park.len = 0;
    TEST_ASSERT(hl_pbatch_add(&pb, 1, &c, &res, NULL, 0, "{}", 2) == 0, "add");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "LONG", 4, NULL, 0) == 0, "state");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "EMPTY", 5, NULL, 0) == 0, "state");
    hl_batch_opts_t opts = {5 * 86400, 3600, 86400, "abc"};
    TEST_ASSERT(hl_pbatch_apply(&pb, &opts, NULL) == 0, "apply");
    ops_t o = {{0}, 0};
    hl_pbatch_ops(&pb, collect, &o);
    char line[512];
    snprintf(line, sizeof line, "h hl:{tickets:0}:q:2023Q1 park|received|%s 1\n", cut);
    TEST_ASSERT(has_op(&o, line), "missing \"%s\" in:\n%s", line, o.text);
    snprintf(line, sizeof line, "h hl:{tickets:0}:d:20230215 park|GOV.APPROVAL|%s 1\n", cut);
    TEST_ASSERT(has_op(&o, line), "missing \"%s\" in:\n%s", line, o.text);
    TEST_ASSERT(!has_op(&o, "park|received| "), "empty park counted in the quarter");
    TEST_ASSERT(!has_op(&o, "park|GOV.APPROVAL| "), "empty park counted in a bucket");
    hl_pbatch_free(&pb);
    return fails;
}

/* Counters are written as stored + delta: the fields a batch changes are
 * listed per hash (net-zero ones left out), the values read back are added,
 * and one hash's writes come one after another. */
static int test_batch_counters_add_to_stored(void) {
    int fails = 0;
    hl_pbatch_t pb = {0};
    hl_pbatch_reset(&pb, "tickets", 1, 0);
    hl_result_t res = {0};
    res.topic = 12; /* GOV.APPROVAL */
    res.dept = 1;   /* APPROVAL */
    hl_event_t c = {0};
    c.type = HL_EV_CREATED;
    c.id.ptr = "A";
    c.id.len = 1;
    c.ts = 1676424660; /* 2023-02-15 09:31 CST */
    c.appeal = HL_AP_COMPLAINT;
    TEST_ASSERT(hl_pbatch_add(&pb, 0, &c, &res, NULL, 0, "{}", 2) == 0, "add A");
    c.id.ptr = "B";
    c.ts += 3600; /* the next hour */
    TEST_ASSERT(hl_pbatch_add(&pb, 1, &c, &res, NULL, 0, "{}", 2) == 0, "add B");
    hl_event_t d = {0};
    d.type = HL_EV_DISPATCHED;
    d.id = c.id;
    d.ts = c.ts + 60;
    d.department = 10; /* HOUSING: dept|received|APPROVAL nets to zero */
    TEST_ASSERT(hl_pbatch_add(&pb, 2, &d, NULL, NULL, 0, "{d}", 3) == 0, "add dispatched");
    d.id.ptr = "A";
    TEST_ASSERT(hl_pbatch_add(&pb, 3, &d, NULL, NULL, 0, "{d}", 3) == 0, "add dispatched");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "A", 1, NULL, 0) == 0, "state A");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "B", 1, NULL, 0) == 0, "state B");
    hl_batch_opts_t opts = {5 * 86400, 3600, 86400, NULL};
    TEST_ASSERT(hl_pbatch_apply(&pb, &opts, NULL) == 0, "apply");
    /* the hashes: q:2023Q1, stats, two hour buckets, one day bucket */
    TEST_ASSERT(hl_pbatch_nhashes(&pb) == 5, "%zu hashes", hl_pbatch_nhashes(&pb));
    size_t total = 0, listed_zero = 0;
    for (size_t h = 0; h < hl_pbatch_nhashes(&pb); h++) {
        size_t kl, nf, fl;
        const char *key = hl_pbatch_hash_key(&pb, h, &kl, &nf);
        total += nf;
        for (size_t i = 0; i < nf; i++) {
            const char *f = hl_pbatch_hash_field(&pb, h, i, &fl);
            int q = strstr(key, ":q:2023Q1") != NULL;
            if (q && fl == 22 && memcmp(f, "dept|received|APPROVAL", 22) == 0)
                listed_zero++;
            if (q && fl == 13 && memcmp(f, "all|received|", 13) == 0)
                hl_pbatch_set_stored(&pb, h, i, "100", 3, NULL, 0);
            if (strstr(key, ":d:20230215") && fl == 18 && memcmp(f, "dt|JK|GOV.APPROVAL", 18) == 0)
                hl_pbatch_set_stored(&pb, h, i, "7", 1, NULL, 0);
        }
    }
    TEST_ASSERT(listed_zero == 0, "a net-zero counter is read and written");
    ops_t o = {{0}, 0};
    hl_pbatch_ops(&pb, collect, &o);
    TEST_ASSERT(has_op(&o, "h hl:{tickets:1}:q:2023Q1 all|received| 102\n"), "stored 100 + 2:\n%s",
                o.text);
    TEST_ASSERT(has_op(&o, "h hl:{tickets:1}:q:2023Q1 all|dispatched| 2\n"), "nothing stored + 2");
    TEST_ASSERT(has_op(&o, "h hl:{tickets:1}:d:20230215 dt|JK|GOV.APPROVAL 9\n"), "stored 7 + 2");
    TEST_ASSERT(has_op(&o, "h hl:{tickets:1}:h:2023021509 dt|JK|GOV.APPROVAL 1\n"), "hour 09");
    TEST_ASSERT(has_op(&o, "h hl:{tickets:1}:h:2023021510 dt|JK|GOV.APPROVAL 1\n"), "hour 10");
    TEST_ASSERT(!has_op(&o, " dept|received|APPROVAL"), "net-zero write");
    TEST_ASSERT(has_op(&o, " dept|received|HOUSING 2\n"), "moved to HOUSING");
    /* one hash's fields are contiguous: the key changes once per hash */
    size_t hsets = 0, runs = 0;
    char last[128] = "";
    for (const char *line = o.text; *line; line = strchr(line, '\n') + 1) {
        if (line[0] != 'h')
            continue;
        hsets++;
        const char *k = line + 2, *sp = strchr(k, ' ');
        if ((size_t)(sp - k) != strlen(last) || strncmp(k, last, (size_t)(sp - k)) != 0) {
            runs++;
            snprintf(last, sizeof last, "%.*s", (int)(sp - k), k);
        }
    }
    TEST_ASSERT(hsets == total, "%zu writes for %zu changed fields", hsets, total);
    TEST_ASSERT(runs == 5, "%zu runs of one key for 5 hashes:\n%s", runs, o.text);
    hl_pbatch_free(&pb);
    return fails;
}

/* Packed hot words: merged in keyword-byte order, zero counts left out,
 * malformed or unsorted stored values refused; the group is stable. */
static int test_kwpack_merge(void) {
    int fails = 0;
    hl_sbuf_t out = {0};
    hl_kwpack_delta_t d[] = {{"拖欠", 6, 2}, {"a", 1, 1}, {"罚款", 6, -1}, {"zz", 2, 5}};
    const char *stored = "a\t4\n罚款\t1\n催款\t7\n";
    /* "催款" sorts before "罚款" by bytes: this stored value is not sorted */
    TEST_ASSERT(hl_kwpack_merge(stored, strlen(stored), d, 4, &out) == -1, "unsorted accepted");
    out.len = 0;
    stored = "a\t4\n催款\t7\n罚款\t1\n";
    TEST_ASSERT(hl_kwpack_merge(stored, strlen(stored), d, 4, &out) == 0, "merge");
    TEST_ASSERT(out.len == strlen("a\t5\nzz\t5\n催款\t7\n拖欠\t2\n") &&
                    memcmp(out.p, "a\t5\nzz\t5\n催款\t7\n拖欠\t2\n", out.len) == 0,
                "merged \"%.*s\"", (int)out.len, out.p);
    out.len = 0;
    hl_kwpack_delta_t one = {"新词", 6, 1};
    TEST_ASSERT(hl_kwpack_merge(NULL, 0, &one, 1, &out) == 0 && out.len == 9 &&
                    memcmp(out.p, "新词\t1\n", 9) == 0,
                "nothing stored");
    const char *bad[] = {"a\t1", "a1\n", "\t1\n", "a\t\n", "a\tx\n", "a\t1\na\t2\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        out.len = 0;
        TEST_ASSERT(hl_kwpack_merge(bad[i], strlen(bad[i]), &one, 1, &out) == -1,
                    "malformed %zu accepted", i);
    }
    TEST_ASSERT(hl_kwpack_group("a", 1, 16) == (2166136261u ^ 'a') * 16777619u % 16, "FNV-1a");
    hl_sbuf_free(&out);
    return fails;
}

/* A created ticket's keywords count in packed fields of its hour and day
 * buckets: read and written as whole values, merged with what is stored. */
static int test_batch_hot_words_packed(void) {
    int fails = 0;
    hl_pbatch_t pb = {0};
    hl_pbatch_reset(&pb, "tickets", 0, 0);
    hl_rule_t rules[2] = {{.keyword = "拖欠"}, {.keyword = "工资"}};
    hl_match_t matches[2] = {{.rule = &rules[0]}, {.rule = &rules[1]}};
    hl_result_t res = {0};
    res.topic = 12;
    res.dept = 1;
    res.matches = matches;
    res.nmatches = 2;
    hl_event_t c = {0};
    c.type = HL_EV_CREATED;
    c.id.ptr = "K";
    c.id.len = 1;
    c.ts = 1676424660; /* 2023-02-15 09:31 CST */
    c.appeal = HL_AP_COMPLAINT;
    TEST_ASSERT(hl_pbatch_add(&pb, 0, &c, &res, NULL, 0, "{}", 2) == 0, "add");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "K", 1, NULL, 0) == 0, "state");
    hl_batch_opts_t opts = {5 * 86400, 3600, 86400, NULL};
    TEST_ASSERT(hl_pbatch_apply(&pb, &opts, NULL) == 0, "apply");
    char day_field[16], hour_field[16];
    snprintf(day_field, sizeof day_field, "kw#%u", hl_kwpack_group("拖欠", 6, HL_KWPACK_DAY_GROUPS));
    snprintf(hour_field, sizeof hour_field, "kw#%u",
             hl_kwpack_group("工资", 6, HL_KWPACK_HOUR_GROUPS));
    int day_seen = 0, hour_seen = 0;
    char err[256] = "";
    for (size_t h = 0; h < hl_pbatch_nhashes(&pb); h++) {
        size_t kl, nf, fl;
        const char *key = hl_pbatch_hash_key(&pb, h, &kl, &nf);
        for (size_t i = 0; i < nf; i++) {
            const char *f = hl_pbatch_hash_field(&pb, h, i, &fl);
            TEST_ASSERT(fl < 3 || memcmp(f, "kw|", 3) != 0, "a plain hot-word field: %.*s",
                        (int)fl, f);
            if (strstr(key, ":d:") && fl == strlen(day_field) && memcmp(f, day_field, fl) == 0) {
                day_seen++;
                TEST_ASSERT(hl_pbatch_set_stored(&pb, h, i, "x\t1", 3, err, sizeof err) == -1 &&
                                strstr(err, "malformed hot words"),
                            "malformed stored value: %s", err);
                TEST_ASSERT(hl_pbatch_set_stored(&pb, h, i, "拖欠\t40\n", 10, err, sizeof err) == 0,
                            "stored: %s", err);
            }
            if (strstr(key, ":h:") && fl == strlen(hour_field) && memcmp(f, hour_field, fl) == 0)
                hour_seen++;
        }
    }
    TEST_ASSERT(day_seen == 1 && hour_seen == 1, "packed fields listed %d %d", day_seen, hour_seen);
    ops_t o = {{0}, 0};
    TEST_ASSERT(hl_pbatch_ops(&pb, collect, &o) == 0, "ops");
    char line[128];
    snprintf(line, sizeof line, "p hl:{tickets:0}:d:20230215 %s [拖欠\t41\n", day_field);
    TEST_ASSERT(has_op(&o, line), "stored 40 + 1, missing \"%s\" in:\n%s", line, o.text);
    snprintf(line, sizeof line, "工资\t1\n");
    TEST_ASSERT(has_op(&o, line), "工资 counted once per bucket");
    TEST_ASSERT(!has_op(&o, "kw|"), "a plain hot-word field written");
    hl_pbatch_free(&pb);
    return fails;
}

/* What an observer heard of created tickets, one line each. */
typedef struct heard_s {
    char text[1024];
    size_t len;
} heard_t;

static void hear_created(void *opaque, const hl_change_t *c) {
    heard_t *h = opaque;
    if (c->type != HL_EV_CREATED)
        return;
    int w = snprintf(h->text + h->len, sizeof h->text - h->len, "%.*s t%d d%d %s f%u w%zu ts%lld\n",
                     (int)c->id_len, c->id, c->ticket->topic, c->ticket->district, c->ticket->park,
                     c->flags, c->nwho, (long long)c->ts);
    if (w > 0)
        h->len += (size_t)w;
}

/* hl_pbatch_creations() names, before the lifecycle runs, exactly the
 * tickets hl_pbatch_apply() then creates: first creations of ids the store
 * does not hold, in order, with the same ticket (what the alert look-ups,
 * sent before the batch is applied, are asked about). */
static int test_batch_creations_before_apply(void) {
    int fails = 0;
    hl_pbatch_t pb = {0};
    hl_pbatch_reset(&pb, "tickets", 1, 0);
    hl_result_t res = {0};
    res.topic = 12;
    res.dept = 1;
    res.flags = HL_FLAG_URGENT;
    hl_who_t who = {0};
    who.hash = 7;
    hl_event_t c = {0};
    c.type = HL_EV_CREATED;
    c.ts = 1676424660;
    c.appeal = HL_AP_COMPLAINT;
    c.district = 3;
    const char *ids[] = {"T1", "T1", "OLD", "T3"};
    for (int i = 0; i < 4; i++) {
        c.id.ptr = ids[i];
        c.id.len = strlen(ids[i]);
        c.park.ptr = i == 3 ? "园区" : NULL;
        c.park.len = i == 3 ? strlen("园区") : 0;
        TEST_ASSERT(hl_pbatch_add(&pb, i, &c, &res, &who, i == 3, "{}", 2) == 0, "add %d", i);
    }
    hl_event_t d = {0};
    d.type = HL_EV_DISPATCHED;
    d.id.ptr = "T1";
    d.id.len = 2;
    d.ts = c.ts + 60;
    d.department = 10;
    TEST_ASSERT(hl_pbatch_add(&pb, 4, &d, NULL, NULL, 0, "{d}", 3) == 0, "add dispatched");
    const char *old = "1|1676424660|1676428260|0|12|1|10|0|0|0|0|0|0|";
    TEST_ASSERT(hl_pbatch_set_state(&pb, "T1", 2, NULL, 0) == 0, "state");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "OLD", 3, old, strlen(old)) == 0, "state");
    TEST_ASSERT(hl_pbatch_set_state(&pb, "T3", 2, NULL, 0) == 0, "state");
    hl_batch_opts_t opts = {5 * 86400, 3600, 86400, "abc"};
    heard_t before = {{0}, 0}, during = {{0}, 0};
    hl_batch_observer_t ob = {NULL, hear_created, &before}, od = {NULL, hear_created, &during};
    TEST_ASSERT(hl_pbatch_creations(&pb, &opts, &ob) == 0, "creations");
    TEST_ASSERT(strcmp(before.text, "T1 t12 d3  f1 w0 ts1676424660\n"
                                    "T3 t12 d3 园区 f1 w1 ts1676424660\n") == 0,
                "creations heard:\n%s", before.text);
    TEST_ASSERT(hl_pbatch_apply(&pb, &opts, &od) == 0, "apply");
    TEST_ASSERT(strcmp(before.text, during.text) == 0, "before:\n%sduring:\n%s", before.text,
                during.text);
    hl_pbatch_free(&pb);
    return fails;
}

const hl_unit_test_t hl_unit_tests_lifecycle[] = {
    {"lifecycle_every_event_every_state", test_lifecycle_every_event_every_state},
    {"ticket_pack_roundtrip", test_ticket_pack_roundtrip},
    {"batch_aggregates", test_batch_aggregates},
    {"batch_park_names", test_batch_park_names},
    {"batch_counters_add_to_stored", test_batch_counters_add_to_stored},
    {"kwpack_merge", test_kwpack_merge},
    {"batch_hot_words_packed", test_batch_hot_words_packed},
    {"batch_creations_before_apply", test_batch_creations_before_apply},
    {NULL, NULL},
};
