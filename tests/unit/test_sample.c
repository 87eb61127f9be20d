/* test_sample.c: the sample stream generator (sample/sample.h): determinism,
 * validity of every message under the input contract (checked here with
 * jansson, independently of the generator), lifecycle order per ticket,
 * max_events, duplicates, content size, early stop and option errors. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample/sample.h"
#include "tests/unit/unit.h"

/* ---- a small set of ticket ids with their state ------------------------- */

typedef struct tk_s {
    char *id;
    int64_t created;  /* epoch seconds of `created` */
    int64_t last;     /* epoch seconds of the latest valid event */
    int dispatched, resolved, reviews;
} tk_t;

typedef struct tkset_s {
    tk_t *v;
    size_t cap, n;
} tkset_t;

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static tk_t *tk_find(tkset_t *s, const char *id, int add) {
    if (add && (s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        tk_t *v = calloc(cap, sizeof(*v));
        if (!v)
            return NULL;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i].id)
                continue;
            size_t j = fnv(s->v[i].id, strlen(s->v[i].id), 0xcbf29ce484222325ULL) & (cap - 1);
            while (v[j].id)
                j = (j + 1) & (cap - 1);
            v[j] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    if (!s->cap)
        return NULL;
    size_t j = fnv(id, strlen(id), 0xcbf29ce484222325ULL) & (s->cap - 1);
    while (s->v[j].id) {
        if (strcmp(s->v[j].id, id) == 0)
            return &s->v[j];
        j = (j + 1) & (s->cap - 1);
    }
    if (!add)
        return NULL;
    s->v[j].id = strdup(id);
    s->n++;
    return &s->v[j];
}

static void tk_free(tkset_t *s) {
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i].id);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* ---- contract checks ----------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int num(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* RFC 3339 date-time with offset; returns 0 and the instant, or -1. */
static int rfc3339(const char *s, int64_t *out) {
    size_t n = strlen(s);
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
    int h = num(s + 11, 2), mi = num(s + 14, 2), se = num(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || se < 0 || se > 59)
        return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap))
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int off = 0;
    if (*p == 'Z' && p[1] == '\0') {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh = num(p + 1, 2), om = num(p + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    } else {
        return -1;
    }
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off * 60;
    return 0;
}

static int good_id(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int one_of(const char *s, const char *const *v) {
    for (; *v; v++)
        if (strcmp(s, *v) == 0)
            return 1;
    return 0;
}

static const char *str_field(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *const events[] = {"created", "dispatched", "resolved",
                                     "reviewed", "reopened", NULL};
static const char *const appeal_types[] = {"投诉", "举报", "咨询", "建议",
                                           "求助", "表扬", NULL};
static const char *const satisfactions[] = {"满意", "基本满意", "不满意", NULL};

/* What a checked message was. */
typedef struct verdict_s {
    int valid;
    int event;       /* index into events, when valid */
    int64_t ts;
    char id[80];
    const char *why; /* reason, when invalid */
    size_t content_len;
} verdict_t;

/* Decides whether a message is valid under ../shared/spec/ticket-events.md,
 * including "unknown ticket" against @p known (created ids so far). */
static void check_msg(const char *p, size_t n, tkset_t *known, verdict_t *v) {
    memset(v, 0, sizeof(*v));
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    json_error_t err;
    json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
    if (!o) {
        v->why = "not JSON / bad UTF-8 / NUL / duplicate member";
        return;
    }
    const char *id = str_field(o, "id"), *ev = str_field(o, "event"),
               *ts = str_field(o, "ts");
    v->why = NULL;
    if (!json_is_object(o))
        v->why = "not an object";
    else if (!id || !good_id(id))
        v->why = "bad id";
    else if (!ev || !one_of(ev, events))
        v->why = "bad event";
    else if (!ts || rfc3339(ts, &v->ts) != 0)
        v->why = "bad ts";
    if (!v->why && json_object_get(o, "note") && !str_field(o, "note"))
        v->why = "note not a string";
    if (!v->why) {
        for (int i = 0; events[i]; i++)
            if (strcmp(ev, events[i]) == 0)
                v->event = i;
        snprintf(v->id, sizeof(v->id), "%s", id);
    }
    if (!v->why && v->event == 0) {
        const char *at = str_field(o, "appeal_type");
        json_t *ent = json_object_get(o, "enterprise"), *cal = json_object_get(o, "caller");
        const char *due = str_field(o, "due_at");
        int64_t due_t;
        if (!str_field(o, "channel") || !at || !one_of(at, appeal_types) ||
            !str_field(o, "district") || !str_field(o, "content"))
            v->why = "created lacks a field";
        else if ((json_object_get(o, "park") && !str_field(o, "park")) ||
                 (json_object_get(o, "title") && !str_field(o, "title")))
            v->why = "park/title not a string";
        else if (ent && (!json_is_object(ent) || !str_field(ent, "name") ||
                         !str_field(ent, "credit_code") ||
                         strlen(str_field(ent, "credit_code")) != 18))
            v->why = "bad enterprise";
        else if (cal && (!json_is_object(cal) || !str_field(cal, "name") ||
                         !str_field(cal, "phone")))
            v->why = "bad caller";
        else if (json_object_get(o, "due_at") && (!due || rfc3339(due, &due_t) != 0))
            v->why = "bad due_at";
        if (!v->why)
            v->content_len = strlen(str_field(o, "content"));
    } else if (!v->why && v->event == 1 && !str_field(o, "department")) {
        v->why = "dispatched lacks department";
    } else if (!v->why && v->event == 3) {
        const char *s = str_field(o, "satisfaction");
        if (!s || !one_of(s, satisfactions))
            v->why = "bad satisfaction";
    }
    if (!v->why && v->event != 0 && !tk_find(known, id, 0))
        v->why = "unknown ticket";
    v->valid = v->why == NULL;
    json_decref(o);
}

/* ---- collecting a stream ------------------------------------------------- */

typedef struct coll_s {
    uint64_t hash, count, stop_after;
    int stop_rc;
    int fails;          /* contract failures found while collecting */
    uint64_t invalid, dups, adjacent_same, content_bytes, created;
    int64_t last_ts;    /* latest valid ts, for global order */
    int out_of_order;
    int check;          /* run check_msg on every message */
    tkset_t known;
    char *prev;
    size_t prev_len;
    int prev_valid;
} coll_t;

static int collect(void *opaque, const char *key, size_t key_len,
                   const char *payload, size_t payload_len) {
    coll_t *c = opaque;
    int fails = 0;
    c->hash = fnv(&key_len, sizeof(key_len), c->hash ? c->hash : 0xcbf29ce484222325ULL);
    if (key)
        c->hash = fnv(key, key_len, c->hash);
    c->hash = fnv(&payload_len, sizeof(payload_len), c->hash);
    c->hash = fnv(payload, payload_len, c->hash);
    c->count++;
    int same = c->prev && c->prev_len == payload_len &&
               memcmp(c->prev, payload, payload_len) == 0;
    if (same)
        c->adjacent_same++;
    if (c->check && !(same && c->prev_valid)) {
        verdict_t v;
        check_msg(payload, payload_len, &c->known, &v);
        if (!v.valid) {
            c->invalid++;
        } else {
            TEST_ASSERT(key && key_len == strlen(v.id) && memcmp(key, v.id, key_len) == 0,
                        "key is not the ticket id for %s", v.id);
            TEST_ASSERT(v.ts >= c->last_ts, "stream not in ts order at %s", v.id);
            if (v.ts < c->last_ts)
                c->out_of_order++;
            c->last_ts = v.ts;
            if (v.event == 0) {
                tk_t *t = tk_find(&c->known, v.id, 1);
                TEST_ASSERT(t && t->created == 0, "%s created twice (not as a retry)", v.id);
                if (t) {
                    t->created = t->last = v.ts;
                }
                c->created++;
                c->content_bytes += v.content_len;
            } else {
                tk_t *t = tk_find(&c->known, v.id, 0);
                TEST_ASSERT(t != NULL, "event before created for %s", v.id);
                if (t) {
                    TEST_ASSERT(v.ts > t->created, "%s: %s at or before created",
                                v.id, events[v.event]);
                    TEST_ASSERT(v.ts >= t->last, "%s: events out of order", v.id);
                    t->last = v.ts;
                    if (v.event == 1)
                        t->dispatched++;
                    if (v.event == 2) {
                        TEST_ASSERT(t->resolved == 0, "%s resolved twice", v.id);
                        t->resolved = 1;
                    }
                    if (v.event == 4) {
                        TEST_ASSERT(t->resolved == 1, "%s reopened while open", v.id);
                        t->resolved = 0;
                    }
                    if (v.event == 3) {
                        TEST_ASSERT(t->resolved == 1, "%s reviewed while open", v.id);
                        t->reviews++;
                    }
                }
            }
        }
        c->prev_valid = v.valid;
    }
    if (same && c->prev_valid)
        c->dups++;
    free(c->prev);
    c->prev = malloc(payload_len ? payload_len : 1);
    if (c->prev)
        memcpy(c->prev, payload, payload_len);
    c->prev_len = payload_len;
    c->fails += fails;
    if (c->stop_after && c->count == c->stop_after)
        return c->stop_rc;
    return 0;
}

static void coll_free(coll_t *c) {
    free(c->prev);
    tk_free(&c->known);
}

static void small_opts(hl_sample_opts_t *o, uint64_t seed, uint64_t tickets) {
    hl_sample_opts_default(o);
    o->seed = seed;
    o->tickets = tickets;
}

/* ---- tests ---------------------------------------------------------------- */

static int test_sample_deterministic(void) {
    int fails = 0;
    hl_sample_opts_t o;
    small_opts(&o, 42, 2000);
    o.invalid_rate = 0.01;
    coll_t a = {0}, b = {0}, c = {0};
    char err[256];
    TEST_ASSERT(hl_sample_generate(&o, collect, &a, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(hl_sample_generate(&o, collect, &b, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(a.count > 6000, "only %llu messages", (unsigned long long)a.count);
    TEST_ASSERT(a.count == b.count && a.hash == b.hash,
                "same seed gave different streams");
    o.seed = 43;
    TEST_ASSERT(hl_sample_generate(&o, collect, &c, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(c.hash != a.hash, "different seeds gave the same stream");
    coll_free(&a);
    coll_free(&b);
    coll_free(&c);
    return fails;
}

static int test_sample_contract(void) {
    int fails = 0;
    hl_sample_opts_t o;
    small_opts(&o, 7, 3000);
    o.invalid_rate = 0.02;
    coll_t c = {0};
    c.check = 1;
    hl_sample_stats_t st;
    char err[256];
    TEST_ASSERT(hl_sample_generate_ex(&o, collect, &c, &st, err, sizeof err) == 0,
                "%s", err);
    fails += c.fails;
    TEST_ASSERT(st.messages == c.count, "stats say %llu messages, got %llu",
                (unsigned long long)st.messages, (unsigned long long)c.count);
    /* every deliberately invalid message is invalid, and nothing else is */
    TEST_ASSERT(c.invalid == st.invalid, "contract-invalid %llu, generator says %llu",
                (unsigned long long)c.invalid, (unsigned long long)st.invalid);
    TEST_ASSERT(st.invalid > 100, "too few invalid messages: %llu",
                (unsigned long long)st.invalid);
    for (int k = 0; k < HL_SAMPLE_BAD_COUNT; k++)
        TEST_ASSERT(st.invalid_kinds[k] > 0, "no invalid message of kind %s",
                    hl_sample_invalid_name(k));
    TEST_ASSERT(c.created == 3000 && st.tickets == 3000, "created %llu",
                (unsigned long long)c.created);
    TEST_ASSERT(c.dups == st.duplicates, "duplicates seen %llu, stats %llu",
                (unsigned long long)c.dups, (unsigned long long)st.duplicates);
    TEST_ASSERT(c.out_of_order == 0, "%d messages out of ts order", c.out_of_order);
    /* the lifecycle mix is realistic */
    double n = (double)st.tickets;
    double disp = (double)(st.events[HL_SAMPLE_EV_DISPATCHED] - st.redispatched) / n;
    double res = (double)(st.events[HL_SAMPLE_EV_RESOLVED] -
                          st.events[HL_SAMPLE_EV_REOPENED]) / n;
    TEST_ASSERT(disp > 0.92 && disp < 0.98, "dispatched share %.3f", disp);
    TEST_ASSERT(res > 0.85 && res < 0.94, "resolved share %.3f", res);
    TEST_ASSERT(st.redispatched > 0 && st.events[HL_SAMPLE_EV_REOPENED] > 0 &&
                    st.events[HL_SAMPLE_EV_REVIEWED] > n * 0.5,
                "lifecycle events missing");
    coll_free(&c);
    return fails;
}

static int test_sample_max_events(void) {
    int fails = 0;
    hl_sample_opts_t o;
    small_opts(&o, 9, 1500);
    coll_t full = {0}, part = {0}, pre = {0};
    char err[256];
    TEST_ASSERT(hl_sample_generate(&o, collect, &full, err, sizeof err) == 0, "%s", err);
    o.max_events = 1234;
    TEST_ASSERT(hl_sample_generate(&o, collect, &part, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(part.count == 1234, "max_events 1234 gave %llu",
                (unsigned long long)part.count);
    /* the limited stream is a prefix of the full one */
    o.max_events = 0;
    pre.stop_after = 1234;
    pre.stop_rc = 5;
    TEST_ASSERT(hl_sample_generate(&o, collect, &pre, err, sizeof err) == 5,
                "callback's return value not passed on");
    TEST_ASSERT(pre.count == 1234 && pre.hash == part.hash,
                "max_events stream is not a prefix of the full stream");
    /* a limit past the end changes nothing */
    coll_t big = {0};
    o.max_events = full.count + 1000;
    TEST_ASSERT(hl_sample_generate(&o, collect, &big, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(big.count == full.count && big.hash == full.hash, "long limit differs");
    coll_free(&full);
    coll_free(&part);
    coll_free(&pre);
    coll_free(&big);
    return fails;
}

static int test_sample_duplicates(void) {
    int fails = 0;
    hl_sample_opts_t o;
    small_opts(&o, 11, 1000);
    o.duplicate_rate = 0.25;
    o.invalid_rate = 0;
    coll_t c = {0};
    c.check = 1;
    hl_sample_stats_t st;
    char err[256];
    TEST_ASSERT(hl_sample_generate_ex(&o, collect, &c, &st, err, sizeof err) == 0, "%s", err);
    fails += c.fails;
    TEST_ASSERT(c.invalid == 0 && st.invalid == 0, "invalid messages at rate 0");
    TEST_ASSERT(st.duplicates > 500, "few duplicates: %llu", (unsigned long long)st.duplicates);
    /* every duplicate is the byte-identical message right after its original
     * (the checker counts a created id twice as a failure otherwise) */
    TEST_ASSERT(c.adjacent_same == st.duplicates && c.dups == st.duplicates,
                "adjacent identical %llu, stats %llu", (unsigned long long)c.adjacent_same,
                (unsigned long long)st.duplicates);
    uint64_t valid = st.messages - st.duplicates;
    uint64_t by_type = 0;
    for (int i = 0; i < HL_SAMPLE_EV_COUNT; i++)
        by_type += st.events[i];
    TEST_ASSERT(valid == by_type, "events by type %llu != %llu",
                (unsigned long long)by_type, (unsigned long long)valid);
    /* no duplicates at rate 0 */
    coll_t z = {0};
    o.duplicate_rate = 0;
    TEST_ASSERT(hl_sample_generate_ex(&o, collect, &z, &st, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(st.duplicates == 0 && z.adjacent_same == 0, "duplicates at rate 0");
    coll_free(&c);
    coll_free(&z);
    return fails;
}

static int test_sample_content_bytes(void) {
    int fails = 0;
    hl_sample_opts_t o;
    small_opts(&o, 3, 800);
    o.invalid_rate = 0;
    o.content_bytes = 860;
    coll_t c = {0};
    c.check = 1;
    char err[256];
    TEST_ASSERT(hl_sample_generate(&o, collect, &c, err, sizeof err) == 0, "%s", err);
    fails += c.fails;
    double mean = (double)c.content_bytes / (double)c.created;
    TEST_ASSERT(mean > 860 * 0.85 && mean < 860 * 1.2, "mean content %.0f bytes", mean);
    /* natural lengths are much shorter, like the dev set */
    coll_t d = {0};
    d.check = 1;
    o.content_bytes = 0;
    TEST_ASSERT(hl_sample_generate(&o, collect, &d, err, sizeof err) == 0, "%s", err);
    double nat = (double)d.content_bytes / (double)d.created;
    TEST_ASSERT(nat > 150 && nat < 500, "natural mean content %.0f bytes", nat);
    coll_free(&c);
    coll_free(&d);
    return fails;
}

static int test_sample_topics_and_noise(void) {
    int fails = 0;
    hl_sample_opts_t o;
    small_opts(&o, 5, 6000);
    o.invalid_rate = 0;
    coll_t c = {0};
    hl_sample_stats_t st;
    char err[256];
    TEST_ASSERT(hl_sample_generate_ex(&o, collect, &c, &st, err, sizeof err) == 0, "%s", err);
    uint64_t total = 0;
    for (int i = 0; i < HL_SAMPLE_TOPIC_COUNT; i++) {
        TEST_ASSERT(st.topics[i] > 0, "no ticket about %s", hl_sample_topic_code(i));
        total += st.topics[i];
    }
    TEST_ASSERT(total == st.tickets, "topics add up to %llu", (unsigned long long)total);
    double other = (double)st.topics[HL_SAMPLE_TOPIC_COUNT - 1] / (double)total;
    TEST_ASSERT(other > 0.015 && other < 0.05, "OTHER share %.3f", other);
    double trad = (double)st.traditional / (double)st.tickets;
    TEST_ASSERT(trad > 0.03 && trad < 0.07, "traditional share %.3f", trad);
    TEST_ASSERT(st.hotspot > 0, "no hotspot tickets");
    TEST_ASSERT(hl_sample_topic_code(HL_SAMPLE_TOPIC_COUNT) == NULL &&
                    strcmp(hl_sample_topic_code(8), "MKT.ARREARS") == 0,
                "topic codes");
    coll_free(&c);
    return fails;
}

static int test_sample_bad_opts(void) {
    int fails = 0;
    hl_sample_opts_t o;
    coll_t c = {0};
    char err[256];
    small_opts(&o, 1, 10);
    o.days = 0;
    TEST_ASSERT(hl_sample_generate(&o, collect, &c, err, sizeof err) == -1 && err[0],
                "days = 0 accepted");
    small_opts(&o, 1, 10);
    o.duplicate_rate = 1.5;
    TEST_ASSERT(hl_sample_generate(&o, collect, &c, err, sizeof err) == -1 && err[0],
                "duplicate_rate 1.5 accepted");
    small_opts(&o, 1, 0);
    err[0] = 'x';
    TEST_ASSERT(hl_sample_generate(&o, collect, &c, err, sizeof err) == 0 && c.count == 0 &&
                    err[0] == '\0',
                "0 tickets: %llu messages", (unsigned long long)c.count);
    coll_free(&c);
    return fails;
}

const hl_unit_test_t hl_unit_tests_sample[] = {
    {"sample_deterministic", test_sample_deterministic},
    {"sample_contract", test_sample_contract},
    {"sample_max_events", test_sample_max_events},
    {"sample_duplicates", test_sample_duplicates},
    {"sample_content_bytes", test_sample_content_bytes},
    {"sample_topics_and_noise", test_sample_topics_and_noise},
    {"sample_bad_opts", test_sample_bad_opts},
    {NULL, NULL},
};
