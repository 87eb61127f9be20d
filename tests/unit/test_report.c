/* test_report.c: the quarterly health check's pure code (store/report.h):
 * aggregation from hand-made counter maps with exact numbers, null rates,
 * one test per card rule of config/cards.tsv, ranking order, hotspots and
 * rising topics, the rules parser's errors (exact "file:line: message"),
 * escaping, and byte-identical rendering. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/report.h"
#include "tests/unit/unit.h"

#ifndef HL_SOURCE_DIR
#define HL_SOURCE_DIR "."
#endif

static void put(hl_strmap_t *m, const char *field, int64_t v) {
    int created;
    hl_strmap_entry_t *e = hl_strmap_get(m, field, strlen(field), &created);
    if (e)
        e->value += v;
}

/* Sets the ten metrics of cell "<dim>|<metric>|<value>". */
static void cell(hl_strmap_t *m, const char *dim, const char *value, const int64_t n[10]) {
    for (int i = 0; i < HL_RPT_NMETRICS; i++) {
        if (!n[i])
            continue;
        char f[256];
        snprintf(f, sizeof f, "%s|%s|%s", dim, hl_report_metric_names[i], value);
        put(m, f, n[i]);
    }
}

static hl_report_rules_t *default_rules(void) {
    char err[HL_ERRSTR_SIZE];
    hl_report_rules_t *rs = hl_report_rules_load(HL_SOURCE_DIR "/config/cards.tsv", err, sizeof err);
    if (!rs)
        fprintf(stderr, "%s\n", err);
    return rs;
}

static hl_report_rules_t *rules_of(const char *text) {
    char err[HL_ERRSTR_SIZE];
    hl_report_rules_t *rs = hl_report_rules_parse(text, strlen(text), "t.tsv", err, sizeof err);
    if (!rs)
        fprintf(stderr, "%s\n", err);
    return rs;
}

static json_t *obj(json_t *doc, const char *a, const char *b) {
    json_t *x = json_object_get(doc, a);
    return b ? json_object_get(x, b) : x;
}

static int64_t ival(json_t *o, const char *k) {
    return json_integer_value(json_object_get(o, k));
}

static double rval(json_t *o, const char *k) {
    return json_real_value(json_object_get(o, k));
}

/* ---- aggregation ---------------------------------------------------------- */

static int test_aggregate(void) {
    int fails = 0;
    hl_strmap_t cur = {0}, prev = {0}, ya = {0};
    /* received dispatched resolved on_time reopened reviewed sat basic dissat agree */
    const int64_t all[10] = {10, 8, 6, 3, 1, 4, 2, 1, 1, 6};
    cell(&cur, "all", "", all);
    cell(&cur, "env", "GOV", all);
    const int64_t t1[10] = {7, 6, 5, 3, 1, 4, 2, 1, 1, 5};
    const int64_t t2[10] = {3, 2, 1, 0, 0, 0, 0, 0, 0, 1};
    cell(&cur, "topic", "GOV.APPROVAL", t1);
    cell(&cur, "topic", "OTHER", t2);
    cell(&cur, "dept", "APPROVAL", t1);
    cell(&cur, "dept", "HOTLINE", t2);
    cell(&cur, "district", "JK", all);
    put(&cur, "dt|received|JK|GOV.APPROVAL", 7);
    put(&cur, "dt|received|JK|OTHER", 3);
    put(&cur, "dt|resolved|JK|OTHER", 1); /* only received feeds the mix */
    cell(&cur, "park", "镇江经济技术开发区", t2);
    put(&cur, "table|received|v1", 10); /* ignored */
    put(&cur, "nonsense", 5);           /* ignored */
    const int64_t p[10] = {5, 5, 5, 5, 0, 5, 5, 0, 0, 5};
    cell(&prev, "all", "", p);
    cell(&prev, "dept", "APPROVAL", p);
    put(&prev, "topic|received|GOV.APPROVAL", 5);
    put(&prev, "dt|received|JK|GOV.APPROVAL", 5);
    const int64_t y[10] = {20, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    cell(&ya, "all", "", y);

    char err[HL_ERRSTR_SIZE];
    hl_report_rules_t *rs = default_rules();
    hl_report_t *rpt = hl_report_build("2023Q1", &cur, &prev, &ya, rs, err, sizeof err);
    TEST_ASSERT(rpt, "%s", err);
    if (!rpt)
        goto out;
    TEST_STREQ(rpt->prev_quarter, "2022Q4");
    TEST_STREQ(rpt->year_ago_quarter, "2022Q1");
    TEST_ASSERT(rpt->totals.n[HL_RPT_RECEIVED] == 10, "received");
    TEST_ASSERT(rpt->unclassified == 3, "unclassified %lld", (long long)rpt->unclassified);
    double r;
    TEST_ASSERT(hl_report_rate(&rpt->totals, HL_RPT_SATISFACTION_RATE, &r) && r == 0.75, "sat %g", r);
    TEST_ASSERT(hl_report_rate(&rpt->totals, HL_RPT_ON_TIME_RATE, &r) && r == 0.5, "on time %g", r);
    TEST_ASSERT(hl_report_rate(&rpt->totals, HL_RPT_AGREEMENT_RATE, &r) && r == 0.75, "agree %g", r);
    TEST_ASSERT(rpt->district[0].mix[12] == 7 && rpt->district[0].mix[HL_TOPIC_OTHER] == 3, "mix");
    TEST_ASSERT(rpt->nparks == 1 && strcmp(rpt->parks[0].code, "镇江经济技术开发区") == 0, "parks");
    TEST_ASSERT(rpt->nhotspots == 2 && rpt->hotspots[0].topic == 12 &&
                    rpt->hotspots[0].prev_received == 5,
                "hotspots");

    json_t *doc = hl_report_to_json(rpt);
    json_t *tot = obj(doc, "totals", NULL);
    TEST_ASSERT(ival(doc, "schema") == 1, "schema");
    TEST_ASSERT(ival(tot, "received") == 10 && ival(tot, "agree") == 6, "totals counts");
    TEST_ASSERT(rval(tot, "dispatch_rate") == 0.8 && rval(tot, "resolution_rate") == 0.6 &&
                    rval(tot, "reopen_rate") == 0.1 && rval(tot, "unclassified_share") == 0.3,
                "totals rates");
    json_t *pq = json_object_get(tot, "previous_quarter");
    TEST_STREQ(json_string_value(json_object_get(pq, "quarter")), "2022Q4");
    json_t *ch = json_object_get(json_object_get(pq, "change"), "received");
    TEST_ASSERT(ival(ch, "delta") == 5 && rval(ch, "relative") == 1.0, "change vs previous");
    json_t *rc = json_object_get(pq, "rate_change");
    TEST_ASSERT(rval(rc, "satisfaction_rate") == -0.25, "rate change %g",
                rval(rc, "satisfaction_rate"));
    json_t *yc = json_object_get(json_object_get(json_object_get(tot, "year_ago"), "change"),
                                 "received");
    TEST_ASSERT(ival(yc, "delta") == -10 && rval(yc, "relative") == -0.5, "change vs year ago");
    TEST_ASSERT(json_is_null(json_object_get(json_object_get(json_object_get(tot, "year_ago"),
                                                             "rate_change"),
                                             "satisfaction_rate")),
                "no rate a year ago: null change");
    json_t *ap = obj(doc, "by_department", "APPROVAL");
    TEST_STREQ(json_string_value(json_object_get(ap, "name")), "市行政审批局");
    TEST_ASSERT(ival(ap, "received") == 7 && ival(ap, "agree") == 5 &&
                    fabs(rval(ap, "agreement_rate") - 0.833333) < 1e-12,
                "agreement %g", rval(ap, "agreement_rate"));
    TEST_ASSERT(ival(ap, "previous_received") == 5 && fabs(rval(ap, "growth") - 0.4) < 1e-12,
                "dept growth");
    json_t *jk = obj(doc, "by_district", "JK");
    TEST_ASSERT(ival(json_object_get(jk, "topics"), "GOV.APPROVAL") == 7 &&
                    ival(json_object_get(jk, "topics"), "OTHER") == 3 &&
                    json_object_size(json_object_get(jk, "topics")) == 2,
                "district topic mix");
    TEST_ASSERT(json_object_get(jk, "agree") == NULL, "agree only for departments");
    TEST_ASSERT(json_object_size(obj(doc, "by_topic", NULL)) == HL_TOPIC_COUNT &&
                    json_object_size(obj(doc, "by_department", NULL)) == HL_DEPT_COUNT &&
                    json_object_size(obj(doc, "by_park", NULL)) == 1,
                "group sizes");
    TEST_STREQ(json_string_value(json_object_get(obj(doc, "by_topic", "GOV.APPROVAL"), "environment")),
               "GOV");
    char *s = hl_report_render(rpt, HL_RPT_FMT_JSON);
    TEST_ASSERT(s && strstr(s, "\"satisfaction_rate\":0.75,") &&
                    strstr(s, "\"agreement_rate\":0.833333,") && s[strlen(s) - 1] == '\n',
                "JSON numbers: %.200s", s ? s : "");
    free(s);
    json_decref(doc);
out:
    hl_report_destroy(rpt);
    hl_report_rules_destroy(rs);
    hl_strmap_free(&cur);
    hl_strmap_free(&prev);
    hl_strmap_free(&ya);
    return fails;
}

static int test_null_rates(void) {
    int fails = 0;
    hl_strmap_t cur = {0};
    put(&cur, "all|received|", 4); /* nothing dispatched, resolved or reviewed */
    put(&cur, "district|received|DT", 4);
    char err[HL_ERRSTR_SIZE];
    hl_report_t *rpt = hl_report_build("2024Q2", &cur, NULL, NULL, NULL, err, sizeof err);
    TEST_ASSERT(rpt, "%s", err);
    if (!rpt) {
        hl_strmap_free(&cur);
        return fails;
    }
    double r = -1;
    TEST_ASSERT(!hl_report_rate(&rpt->totals, HL_RPT_SATISFACTION_RATE, &r), "null satisfaction");
    TEST_ASSERT(!hl_report_rate(&rpt->totals, HL_RPT_ON_TIME_RATE, &r), "null on time");
    TEST_ASSERT(!hl_report_rate(&rpt->totals, HL_RPT_AGREEMENT_RATE, &r), "null agreement");
    TEST_ASSERT(hl_report_rate(&rpt->totals, HL_RPT_RESOLUTION_RATE, &r) && r == 0, "0, not null");
    json_t *doc = hl_report_to_json(rpt);
    json_t *tot = json_object_get(doc, "totals");
    TEST_ASSERT(json_is_null(json_object_get(tot, "satisfaction_rate")) &&
                    json_is_null(json_object_get(tot, "on_time_rate")) &&
                    json_is_real(json_object_get(tot, "resolution_rate")),
                "JSON nulls");
    json_t *pq = json_object_get(tot, "previous_quarter");
    TEST_ASSERT(json_is_null(json_object_get(json_object_get(json_object_get(pq, "change"), "received"),
                                             "relative")),
                "relative change from 0 is null");
    TEST_ASSERT(json_is_null(json_object_get(obj(doc, "by_district", "DT"), "growth")), "growth null");
    TEST_ASSERT(json_is_null(json_object_get(obj(doc, "by_topic", "OTHER"), "dispatch_rate")),
                "empty topic: null rates");
    TEST_ASSERT(json_array_size(json_object_get(doc, "cards")) == 0, "no rules: no cards");
    TEST_ASSERT(json_array_size(json_object_get(doc, "rising_topics")) == 0, "no previous: no rising");
    char *md = hl_report_render(rpt, HL_RPT_FMT_MARKDOWN);
    TEST_ASSERT(md && strstr(md, "| 满意率 | — |"), "Markdown shows null as —");
    free(md);
    json_decref(doc);
    hl_report_destroy(rpt);
    hl_strmap_free(&cur);
    return fails;
}

/* ---- one test per card rule of config/cards.tsv ------------------------------ */

typedef struct unit_spec_s {
    int64_t received, dispatched, resolved, on_time, reopened, reviewed, satisfied, basic, agree;
    int64_t prev_received;
} unit_spec_t;

/* Grades one unit (department HOUSING or district JK) under the default rules;
 * checks the card and rule id. */
static int grade_one(int district, unit_spec_t u, const char *want_card, const char *want_rule) {
    int fails = 0;
    hl_strmap_t cur = {0}, prev = {0};
    const char *dim = district ? "district" : "dept", *code = district ? "JK" : "HOUSING";
    int64_t n[10] = {u.received, u.dispatched, u.resolved, u.on_time, u.reopened, u.reviewed,
                     u.satisfied, u.basic, u.reviewed - u.satisfied - u.basic, u.agree};
    cell(&cur, "all", "", n);
    cell(&cur, dim, code, n);
    char f[64];
    snprintf(f, sizeof f, "%s|received|%s", dim, code);
    put(&prev, f, u.prev_received);
    put(&prev, "all|received|", u.prev_received);
    hl_report_rules_t *rs = default_rules();
    char err[HL_ERRSTR_SIZE];
    hl_report_t *rpt = rs ? hl_report_build("2023Q2", &cur, &prev, NULL, rs, err, sizeof err) : NULL;
    TEST_ASSERT(rpt, "no report");
    if (rpt) {
        const hl_report_unit_t *x = district ? &rpt->district[0] : &rpt->dept[10];
        TEST_STREQ(x->code, code);
        TEST_ASSERT(x->carded, "not carded");
        TEST_STREQ(hl_report_card_name(x->card), want_card);
        TEST_STREQ(x->rule.id, want_rule);
        /* the rule recorded is the file's: its line holds its id */
        int found = !strcmp(want_rule, "default") || !strcmp(want_rule, "min_received");
        for (size_t i = 0; i < rs->count; i++)
            if (!strcmp(rs->rules[i].id, want_rule) && rs->rules[i].line == x->rule.line)
                found = 1;
        TEST_ASSERT(found, "rule %s line %d", want_rule, x->rule.line);
        char *s = hl_report_render(rpt, HL_RPT_FMT_JSON);
        char needle[128];
        snprintf(needle, sizeof needle, "\"card\":\"%s\",", want_card);
        TEST_ASSERT(s && strstr(s, needle), "JSON card");
        snprintf(needle, sizeof needle, "\"rule\":{\"id\":\"%s\",\"line\":%d,", want_rule,
                 x->rule.line);
        TEST_ASSERT(s && strstr(s, needle), "JSON rule %s", needle);
        free(s);
    }
    hl_report_destroy(rpt);
    hl_report_rules_destroy(rs);
    hl_strmap_free(&cur);
    hl_strmap_free(&prev);
    return fails;
}

/* A healthy unit: satisfaction 0.95, on time 0.90, reopen 0.02, stable volume. */
#define GOOD {100, 100, 100, 90, 2, 100, 90, 5, 90, 100}

static int test_card_D_RED_SAT(void) {
    unit_spec_t u = GOOD;
    u.satisfied = 80, u.basic = 2; /* 0.82 < 0.83 */
    return grade_one(0, u, "red", "D-RED-SAT");
}
static int test_card_D_RED_ONTIME(void) {
    unit_spec_t u = GOOD;
    u.on_time = 69; /* 0.69 < 0.70 */
    return grade_one(0, u, "red", "D-RED-ONTIME");
}
static int test_card_D_RED_REOPEN(void) {
    unit_spec_t u = GOOD;
    u.reopened = 10; /* 0.10 > 0.09 */
    return grade_one(0, u, "red", "D-RED-REOPEN");
}
static int test_card_D_YEL_SAT(void) {
    unit_spec_t u = GOOD;
    u.satisfied = 80, u.basic = 5; /* 0.85 */
    return grade_one(0, u, "yellow", "D-YEL-SAT");
}
static int test_card_D_YEL_ONTIME(void) {
    unit_spec_t u = GOOD;
    u.on_time = 73;
    return grade_one(0, u, "yellow", "D-YEL-ONTIME");
}
static int test_card_D_YEL_REOPEN(void) {
    unit_spec_t u = GOOD;
    u.reopened = 8;
    return grade_one(0, u, "yellow", "D-YEL-REOPEN");
}
static int test_card_D_YEL_GROWTH(void) {
    int fails = 0;
    unit_spec_t u = GOOD;
    u.prev_received = 60; /* +66.7 % with 100 tickets */
    fails += grade_one(0, u, "yellow", "D-YEL-GROWTH");
    unit_spec_t small = {60, 60, 60, 54, 1, 60, 54, 3, 54, 30}; /* doubled, but < 100 */
    fails += grade_one(0, small, "green", "D-GREEN");
    return fails;
}
static int test_card_D_GREEN(void) {
    unit_spec_t u = GOOD;
    u.satisfied = 81, u.basic = 5, u.on_time = 74; /* exactly 0.86 and 0.74 */
    return grade_one(0, u, "green", "D-GREEN");
}
static int test_card_department_default(void) {
    unit_spec_t u = GOOD;
    u.reviewed = u.satisfied = u.basic = 0; /* satisfaction null: no term on it holds */
    return grade_one(0, u, "yellow", "default");
}
static int test_card_department_min_received(void) {
    unit_spec_t u = {29, 29, 29, 1, 20, 29, 0, 0, 29, 29}; /* terrible, but too few */
    return grade_one(0, u, "none", "min_received");
}
static int test_card_Q_RED_SAT(void) {
    unit_spec_t u = GOOD;
    u.satisfied = 80, u.basic = 3; /* 0.83 < 0.84 */
    return grade_one(1, u, "red", "Q-RED-SAT");
}
static int test_card_Q_RED_ONTIME(void) {
    unit_spec_t u = GOOD;
    u.on_time = 71;
    return grade_one(1, u, "red", "Q-RED-ONTIME");
}
static int test_card_Q_YEL_SAT(void) {
    unit_spec_t u = GOOD;
    u.satisfied = 80, u.basic = 6; /* 0.86 < 0.87 */
    return grade_one(1, u, "yellow", "Q-YEL-SAT");
}
static int test_card_Q_YEL_ONTIME(void) {
    unit_spec_t u = GOOD;
    u.on_time = 74;
    return grade_one(1, u, "yellow", "Q-YEL-ONTIME");
}
static int test_card_Q_YEL_REOPEN(void) {
    unit_spec_t u = GOOD;
    u.reopened = 8;
    return grade_one(1, u, "yellow", "Q-YEL-REOPEN");
}
static int test_card_Q_YEL_GROWTH(void) {
    unit_spec_t u = GOOD;
    u.prev_received = 76; /* +31.6 % */
    return grade_one(1, u, "yellow", "Q-YEL-GROWTH");
}
static int test_card_Q_GREEN(void) {
    unit_spec_t u = GOOD;
    u.satisfied = 82, u.basic = 5, u.on_time = 75, u.prev_received = 77; /* 0.87, 0.75, +29.9 % */
    return grade_one(1, u, "green", "Q-GREEN");
}
static int test_card_district_min_received(void) {
    unit_spec_t u = {49, 49, 49, 49, 0, 49, 49, 0, 49, 49};
    return grade_one(1, u, "none", "min_received");
}

/* Every rule of the shipped file has a test above. */
static int test_card_rules_covered(void) {
    int fails = 0;
    static const char *const tested[] = {
        "D-RED-SAT", "D-RED-ONTIME", "D-RED-REOPEN", "D-YEL-SAT", "D-YEL-ONTIME", "D-YEL-REOPEN",
        "D-YEL-GROWTH", "D-GREEN", "Q-RED-SAT", "Q-RED-ONTIME", "Q-YEL-SAT", "Q-YEL-ONTIME",
        "Q-YEL-REOPEN", "Q-YEL-GROWTH", "Q-GREEN"};
    size_t ntested = sizeof tested / sizeof tested[0];
    hl_report_rules_t *rs = default_rules();
    TEST_ASSERT(rs, "default rules");
    if (!rs)
        return fails;
    TEST_ASSERT(rs->count == ntested, "%zu rules, %zu tested", rs->count, ntested);
    for (size_t i = 0; i < rs->count; i++) {
        int ok = 0;
        for (size_t j = 0; j < ntested; j++)
            ok |= strcmp(rs->rules[i].id, tested[j]) == 0;
        TEST_ASSERT(ok, "rule %s (line %d) has no unit test", rs->rules[i].id, rs->rules[i].line);
    }
    TEST_ASSERT(rs->graded[HL_RPT_SCOPE_DEPARTMENT] && rs->graded[HL_RPT_SCOPE_DISTRICT] &&
                    !rs->graded[HL_RPT_SCOPE_PARK],
                "graded scopes");
    hl_report_rules_destroy(rs);
    return fails;
}

/* ---- ranking, hotspots, rising ---------------------------------------------- */

static int test_ranking(void) {
    int fails = 0;
    hl_report_rules_t *rs = rules_of("grade\tdistrict\t10\tgreen\n"
                                     "rule\tR\tdistrict\tred\tsatisfaction < 0.5\n"
                                     "rule\tY\tdistrict\tyellow\ton_time < 0.5\n");
    hl_strmap_t cur = {0};
    /* received dispatched resolved on_time reopened reviewed sat basic dissat agree */
    const int64_t jk[10] = {20, 20, 20, 20, 0, 10, 9, 0, 1, 0};  /* green, sat .9 */
    const int64_t rz[10] = {20, 20, 20, 20, 2, 10, 9, 0, 1, 0};  /* green, sat .9, reopen .1 */
    const int64_t dt[10] = {20, 20, 20, 5, 0, 10, 10, 0, 0, 0};  /* yellow (on time .25) */
    const int64_t dy[10] = {20, 20, 20, 20, 0, 10, 1, 0, 9, 0};  /* red */
    const int64_t jr[10] = {30, 30, 30, 30, 0, 10, 10, 0, 0, 0}; /* green, sat 1 */
    const int64_t yz[10] = {9, 9, 9, 9, 0, 9, 9, 0, 0, 0};       /* too few: unranked */
    const int64_t xq[10] = {20, 20, 20, 20, 0, 0, 0, 0, 0, 0};   /* green, sat null: after */
    const int64_t gx[10] = {40, 40, 40, 40, 0, 20, 18, 0, 2, 0}; /* = JK but more tickets */
    cell(&cur, "district", "JK", jk);
    cell(&cur, "district", "RZ", rz);
    cell(&cur, "district", "DT", dt);
    cell(&cur, "district", "DY", dy);
    cell(&cur, "district", "JR", jr);
    cell(&cur, "district", "YZ", yz);
    cell(&cur, "district", "XQ", xq);
    cell(&cur, "district", "GX", gx);
    char err[HL_ERRSTR_SIZE];
    hl_report_t *rpt = rs ? hl_report_build("2023Q3", &cur, NULL, NULL, rs, err, sizeof err) : NULL;
    TEST_ASSERT(rpt, "report");
    if (rpt) {
        static const char *const want[] = {"JR", "GX", "JK", "RZ", "XQ", "DT", "DY"};
        TEST_ASSERT(rpt->ndistrict_rank == 7, "%zu ranked", rpt->ndistrict_rank);
        for (size_t i = 0; i < 7 && i < rpt->ndistrict_rank; i++) {
            TEST_STREQ(rpt->district[rpt->district_rank[i]].code, want[i]);
            TEST_ASSERT(rpt->district[rpt->district_rank[i]].rank == (int)i + 1, "rank number");
        }
        TEST_ASSERT(rpt->district[5].rank == 0 && rpt->district[5].card == HL_RPT_CARD_NONE, "YZ");
        char *s = hl_report_render(rpt, HL_RPT_FMT_JSON);
        TEST_ASSERT(s && strstr(s, "\"districts\":[{\"rank\":1,\"code\":\"JR\",\"name\":\"句容市\","
                                   "\"card\":\"green\",\"received\":30,\"satisfaction_rate\":1.0,"),
                    "ranking JSON: %s", s ? strstr(s, "\"ranking\"") : "");
        free(s);
    }
    hl_report_destroy(rpt);
    hl_report_rules_destroy(rs);
    hl_strmap_free(&cur);
    return fails;
}

static int test_hotspots_rising(void) {
    int fails = 0;
    hl_report_rules_t *rs = rules_of("option\thotspots_top\t3\noption\trising_top\t2\n"
                                     "option\trising_min_prev\t10\n");
    hl_strmap_t cur = {0}, prev = {0};
    put(&cur, "dt|received|RZ|POL.TAX", 50);
    put(&cur, "dt|received|JK|POL.FEES", 50); /* tie: JK before RZ */
    put(&cur, "dt|received|JK|POL.SUBSIDY", 50);
    put(&cur, "dt|received|JK|OTHER", 80);
    /* topics: growth 100 % (20->40), 100 % (10->20), 50 % (100->150), from 5 (too few) */
    put(&cur, "topic|received|MKT.IP", 40);
    put(&prev, "topic|received|MKT.IP", 20);
    put(&cur, "topic|received|MKT.ENTRY", 20);
    put(&prev, "topic|received|MKT.ENTRY", 10);
    put(&cur, "topic|received|GOV.LAND", 150);
    put(&prev, "topic|received|GOV.LAND", 100);
    put(&cur, "topic|received|GOV.SERVICE", 50);
    put(&prev, "topic|received|GOV.SERVICE", 5);
    put(&cur, "topic|received|LAW.CREDIT", 5);
    put(&prev, "topic|received|LAW.CREDIT", 50);
    char err[HL_ERRSTR_SIZE];
    hl_report_t *rpt = rs ? hl_report_build("2023Q3", &cur, &prev, NULL, rs, err, sizeof err) : NULL;
    TEST_ASSERT(rpt, "report");
    if (rpt) {
        TEST_ASSERT(rpt->nhotspots == 3, "top 3");
        TEST_ASSERT(rpt->hotspots[0].topic == HL_TOPIC_OTHER && rpt->hotspots[0].received == 80,
                    "first");
        TEST_ASSERT(rpt->hotspots[1].district == 0 && rpt->hotspots[1].topic == 0, "JK SUBSIDY");
        TEST_ASSERT(rpt->hotspots[2].district == 0 && rpt->hotspots[2].topic == 1, "JK FEES");
        TEST_ASSERT(rpt->nrising == 2, "rising %zu", rpt->nrising);
        /* equal growth: the larger increase first */
        TEST_STREQ(hl_topics[rpt->rising[0].topic].code, "MKT.IP");
        TEST_STREQ(hl_topics[rpt->rising[1].topic].code, "MKT.ENTRY");
    }
    hl_report_destroy(rpt);
    hl_report_rules_destroy(rs);
    hl_strmap_free(&cur);
    hl_strmap_free(&prev);
    return fails;
}

/* ---- the rules parser ---------------------------------------------------------- */

static int test_rules_errors(void) {
    int fails = 0;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"# c\n\nbogus\tx\n", "t.tsv:3: unknown directive \"bogus\" (grade, rule or option)"},
        {"grade\tdepartment\t30\n",
         "t.tsv:1: expected \"grade <scope> <min_received> <default card>\" (tab-separated), got 3 fields"},
        {"grade\tcity\t30\tgreen\n", "t.tsv:1: unknown scope \"city\" (department, district or park)"},
        {"grade\tdistrict\t30\tblue\n", "t.tsv:1: unknown card \"blue\" (red, yellow or green)"},
        {"grade\tdistrict\t-3\tgreen\n", "t.tsv:1: bad minimum \"-3\": a whole number of tickets"},
        {"grade\tdistrict\t3\tgreen\ngrade\tdistrict\t4\tred\n",
         "t.tsv:2: second grade line for scope \"district\" (first on line 1)"},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\tsatisfaction < 0.8\n"
         "rule\tA\tdistrict\tred\ton_time < 0.8\n",
         "t.tsv:3: duplicate rule id \"A\" (first on line 2)"},
        {"grade\tdistrict\t3\tgreen\nrule\tA B\tdistrict\tred\tsatisfaction < 0.8\n",
         "t.tsv:2: bad rule id \"A B\": 1-32 characters of A-Z a-z 0-9 . _ -"},
        {"grade\tdistrict\t3\tgreen\nrule\tdefault\tdistrict\tred\tsatisfaction < 0.8\n",
         "t.tsv:2: rule id \"default\" is reserved"},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\thappiness < 0.8\n",
         "t.tsv:2: unknown metric \"happiness\" (satisfaction, on_time, resolution, dispatch, "
         "reopen, agreement, growth, received or dissatisfied)"},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\tsatisfaction =< 0.8\n",
         "t.tsv:2: unknown operator \"=<\" (<, <=, > or >=)"},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\tsatisfaction < 80%\n",
         "t.tsv:2: bad threshold \"80%\": a decimal number (rates as fractions: 0.8 = 80%)"},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\tsatisfaction < nan\n",
         "t.tsv:2: bad threshold \"nan\": a decimal number (rates as fractions: 0.8 = 80%)"},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\tsatisfaction <\n",
         "t.tsv:2: condition \"satisfaction <\": expected \"metric operator number\" terms joined "
         "by \"and\""},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\tsatisfaction < 0.8 or reopen > 0.1\n",
         "t.tsv:2: condition \"satisfaction < 0.8 or reopen > 0.1\": expected \"and\" after a "
         "term, got \"or\""},
        {"grade\tdistrict\t3\tgreen\nrule\tA\tdistrict\tred\t\tdesc\n", "t.tsv:2: field 5 is empty"},
        {"rule\tA\tpark\tred\treopen > 0.1\n",
         "t.tsv:1: rule \"A\" for scope \"park\", which has no grade line"},
        {"option\thotspots_top\tmany\n",
         "t.tsv:1: bad value \"many\" for option hotspots_top: a whole number"},
        {"option\tcolour\t3\n",
         "t.tsv:1: unknown option \"colour\" (hotspots_top, rising_top or rising_min_prev)"},
        {"grade\tdistrict\t3\tgreen\r\nrule\tA\tdistrict\tred\treopen > 0.1\tx\ty\r\n",
         "t.tsv:2: expected \"rule <id> <scope> <card> <condition> [<description>]\" "
         "(tab-separated), got 7 fields"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[HL_ERRSTR_SIZE] = "";
        hl_report_rules_t *rs =
            hl_report_rules_parse(cases[i].text, strlen(cases[i].text), "t.tsv", err, sizeof err);
        TEST_ASSERT(!rs, "case %zu parsed", i);
        TEST_STREQ(err, cases[i].msg);
        hl_report_rules_destroy(rs);
    }
    /* a good file: comments, CRLF, spaces around fields, "and" terms */
    const char *good = "# rules\r\n grade \tdepartment\t 5\tgreen\r\n"
                       "rule\tX.1\tdepartment\tred\tsatisfaction < 0.8 and received >= 10\t说明\r\n"
                       "option\trising_top\t7\n";
    char err[HL_ERRSTR_SIZE] = "";
    hl_report_rules_t *rs = hl_report_rules_parse(good, strlen(good), "g.tsv", err, sizeof err);
    TEST_ASSERT(rs, "%s", err);
    if (rs) {
        TEST_ASSERT(rs->count == 1 && rs->rules[0].nterms == 2 && rs->rules[0].line == 3 &&
                        rs->rules[0].terms[1].metric == HL_RPT_C_RECEIVED &&
                        rs->rules[0].terms[1].op == HL_RPT_GE && rs->rules[0].terms[0].threshold == 0.8,
                    "parsed rule");
        TEST_STREQ(rs->rules[0].text, "说明");
        TEST_STREQ(rs->rules[0].cond, "satisfaction < 0.8 and received >= 10");
        TEST_ASSERT(rs->min_received[HL_RPT_SCOPE_DEPARTMENT] == 5 && rs->rising_top == 7 &&
                        rs->hotspots_top == 10,
                    "grade and options");
    }
    hl_report_rules_destroy(rs);
    rs = hl_report_rules_load("/nonexistent/cards.tsv", err, sizeof err);
    TEST_ASSERT(!rs, "missing file");
    TEST_STREQ(err, "/nonexistent/cards.tsv: No such file or directory");
    return fails;
}

static int test_quarters(void) {
    int fails = 0;
    char out[8];
    TEST_ASSERT(hl_report_quarter_shift("2023Q1", -1, out, sizeof out) == 0, "shift");
    TEST_STREQ(out, "2022Q4");
    TEST_ASSERT(hl_report_quarter_shift("2023Q1", -4, out, sizeof out) == 0, "shift");
    TEST_STREQ(out, "2022Q1");
    TEST_ASSERT(hl_report_quarter_shift("2023Q4", 1, out, sizeof out) == 0, "shift");
    TEST_STREQ(out, "2024Q1");
    int y, q;
    static const char *const bad[] = {"2023Q5", "2023Q0", "2023q1", "23Q1", "2023Q12", "", "abcdQ1",
                                      "1969Q4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TEST_ASSERT(hl_report_quarter_parse(bad[i], &y, &q) != 0, "%s accepted", bad[i]);
    char err[HL_ERRSTR_SIZE];
    hl_strmap_t m = {0};
    TEST_ASSERT(!hl_report_build("2023Q9", &m, NULL, NULL, NULL, err, sizeof err), "bad quarter");
    TEST_STREQ(err, "bad quarter \"2023Q9\": expected YYYYQn, e.g. 2023Q1");
    return fails;
}

/* ---- rendering ---------------------------------------------------------------------- */

static void fill_map(hl_strmap_t *m, int reverse) {
    static const char *const fields[] = {
        "all|received|", "all|resolved|", "all|reviewed|", "all|satisfied|",
        "district|received|JK", "district|reviewed|JK", "district|satisfied|JK",
        "dept|received|HOUSING", "dept|dispatched|HOUSING", "dept|agree|HOUSING",
        "topic|received|GOV.CONSTRUCTION", "env|received|GOV", "dt|received|JK|GOV.CONSTRUCTION",
        "park|received|<b>园区\"A\",=1", "park|received|镇江高新区"};
    static const int64_t values[] = {40, 30, 20, 15, 40, 20, 15, 40, 39, 33, 40, 40, 40, 7, 3};
    size_t n = sizeof fields / sizeof fields[0];
    for (size_t k = 0; k < n; k++) {
        size_t i = reverse ? n - 1 - k : k;
        put(m, fields[i], values[i]);
    }
}

static int test_render_identical(void) {
    int fails = 0;
    hl_strmap_t a = {0}, b = {0}, p = {0};
    fill_map(&a, 0);
    fill_map(&b, 1);
    fill_map(&p, 1);
    hl_report_rules_t *rs = default_rules();
    char err[HL_ERRSTR_SIZE];
    hl_report_t *ra = hl_report_build("2023Q2", &a, &p, NULL, rs, err, sizeof err);
    hl_report_t *rb = hl_report_build("2023Q2", &b, &p, NULL, rs, err, sizeof err);
    TEST_ASSERT(ra && rb, "build");
    if (ra && rb) {
        for (int f = HL_RPT_FMT_JSON; f <= HL_RPT_FMT_HTML; f++) {
            char *x = hl_report_render(ra, (hl_report_format_t)f);
            char *y = hl_report_render(rb, (hl_report_format_t)f);
            char *z = hl_report_render(ra, (hl_report_format_t)f);
            TEST_ASSERT(x && y && z && strcmp(x, y) == 0 && strcmp(x, z) == 0,
                        "format %d differs by insertion order or run", f);
            if (f == HL_RPT_FMT_HTML && x) {
                TEST_ASSERT(strstr(x, "&lt;b&gt;园区&quot;A&quot;,=1") && !strstr(x, "<b>园区"),
                            "HTML escapes park names");
                TEST_ASSERT(!strstr(x, "<script") && !strstr(x, "https://") &&
                                strstr(x, "data-chart=\"topics\" data-key=\"GOV.CONSTRUCTION\" "
                                          "data-value=\"40\""),
                            "HTML charts");
                TEST_ASSERT(strstr(x, "data-chart=\"district_satisfaction\" data-key=\"JK\" "
                                      "data-value=\"0.750000\" x=\"220\" y=\"30\" width=\"322.50\""),
                            "bar length proportional to the rate");
            }
            if (f == HL_RPT_FMT_CSV && x) {
                TEST_ASSERT(!strncmp(x, "\xEF\xBB\xBFquarter,2023Q2\r\n", 19), "CSV BOM and header");
                TEST_ASSERT(strstr(x, "\r\npark,\"<b>园区\"\"A\"\",=1\",,7,"), "CSV quoting");
                TEST_ASSERT(strstr(x, "\r\ndepartment,HOUSING,市住房和城乡建设局,40,39,0,0,0,0,0,0,0,33,"
                                      "0.975000,0.000000,,0.000000,,0.846154,40,0.000000,"),
                            "CSV department row");
            }
            if (f == HL_RPT_FMT_MARKDOWN && x)
                TEST_ASSERT(strstr(x, "| 满意率 | 75.0% | 75.0% | +0.0个百分点 |"), "Markdown totals");
            free(x);
            free(y);
            free(z);
        }
        char *j = hl_report_json_for(&a, &p, NULL, "2023Q2", rs, err, sizeof err);
        char *k = hl_report_render(ra, HL_RPT_FMT_JSON);
        TEST_ASSERT(j && k && strcmp(j, k) == 0, "hl_report_json_for = render JSON");
        free(j);
        free(k);
    }
    hl_report_destroy(ra);
    hl_report_destroy(rb);
    hl_report_rules_destroy(rs);
    hl_strmap_free(&a);
    hl_strmap_free(&b);
    hl_strmap_free(&p);
    return fails;
}

const hl_unit_test_t hl_unit_tests_report[] = {
    {"report_aggregate", test_aggregate},
    {"report_null_rates", test_null_rates},
    {"report_card_D_RED_SAT", test_card_D_RED_SAT},
    {"report_card_D_RED_ONTIME", test_card_D_RED_ONTIME},
    {"report_card_D_RED_REOPEN", test_card_D_RED_REOPEN},
    {"report_card_D_YEL_SAT", test_card_D_YEL_SAT},
    {"report_card_D_YEL_ONTIME", test_card_D_YEL_ONTIME},
    {"report_card_D_YEL_REOPEN", test_card_D_YEL_REOPEN},
    {"report_card_D_YEL_GROWTH", test_card_D_YEL_GROWTH},
    {"report_card_D_GREEN", test_card_D_GREEN},
    {"report_card_department_default", test_card_department_default},
    {"report_card_department_min_received", test_card_department_min_received},
    {"report_card_Q_RED_SAT", test_card_Q_RED_SAT},
    {"report_card_Q_RED_ONTIME", test_card_Q_RED_ONTIME},
    {"report_card_Q_YEL_SAT", test_card_Q_YEL_SAT},
    {"report_card_Q_YEL_ONTIME", test_card_Q_YEL_ONTIME},
    {"report_card_Q_YEL_REOPEN", test_card_Q_YEL_REOPEN},
    {"report_card_Q_YEL_GROWTH", test_card_Q_YEL_GROWTH},
    {"report_card_Q_GREEN", test_card_Q_GREEN},
    {"report_card_district_min_received", test_card_district_min_received},
    {"report_card_rules_covered", test_card_rules_covered},
    {"report_ranking", test_ranking},
    {"report_hotspots_rising", test_hotspots_rising},
    {"report_rules_errors", test_rules_errors},
    {"report_quarters", test_quarters},
    {"report_render_identical", test_render_identical},
    {NULL, NULL},
};
