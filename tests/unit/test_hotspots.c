/* test_hotspots.c: the pure hotspots module: times, windows, bucket
 * coverage, parameter validation, aggregation (filters, top N, rising, hot
 * words), JSON bytes, trends and the alert merge, with a fake fetch; the
 * bucket cache that sums hashes and keeps them under their change marks. */
#include <stdlib.h>
#include <string.h>

#include "store/bucket_cache.h"
#include "store/hotspots.h"
#include "tests/unit/unit.h"

/* 2023-02-15T00:00:00+08:00 */
#define FEB15 INT64_C(1676390400)

static int64_t t_of(const char *s) {
    int64_t t = -1;
    char err[256];
    if (hl_hs_parse_time(s, 0, &t, err, sizeof err))
        return -1;
    return t;
}

static int test_parse_time(void) {
    int fails = 0;
    TEST_ASSERT(t_of("2023-02-15") == FEB15, "date is CST midnight");
    TEST_ASSERT(t_of("2023-02-15T00:00:00+08:00") == FEB15, "rfc3339");
    TEST_ASSERT(t_of("2023-02-14T16:00:00Z") == FEB15, "rfc3339 Z");
    TEST_ASSERT(t_of("2023-02-15T09:30") == FEB15 + 9 * 3600 + 1800, "CST minutes");
    TEST_ASSERT(t_of("2023-02-15 09:30:05") == FEB15 + 9 * 3600 + 1805, "CST seconds");
    TEST_ASSERT(t_of("2023-02-30") == -1, "no such day");
    TEST_ASSERT(t_of("2023-2-15") == -1, "digits");
    TEST_ASSERT(t_of("yesterday") == -1, "words");
    int64_t t;
    char err[256];
    TEST_ASSERT(hl_hs_parse_time("now", 12345, &t, err, sizeof err) == 0 && t == 12345, "now");
    char buf[32];
    hl_hs_format_time(FEB15 + 3600 * 9 + 61, buf, sizeof buf);
    TEST_STREQ(buf, "2023-02-15T09:01:01+08:00");
    TEST_ASSERT(hl_hs_hour_ceil(FEB15) == FEB15, "hour ceil exact");
    TEST_ASSERT(hl_hs_hour_ceil(FEB15 + 1) == FEB15 + 3600, "hour ceil");
    TEST_ASSERT(hl_hs_day_ceil(FEB15) == FEB15, "day ceil exact");
    TEST_ASSERT(hl_hs_day_ceil(FEB15 + 1) == FEB15 + 86400, "day ceil");
    TEST_ASSERT(hl_hs_day_ceil(FEB15 - 8 * 3600) == FEB15, "day ceil at UTC midnight");
    return fails;
}

static int test_windows(void) {
    int fails = 0;
    hl_hs_window_t w;
    char err[256];
    int64_t at = FEB15 + 9 * 3600 + 1800; /* 09:30 CST */
    TEST_ASSERT(hl_hs_window_make("1h", NULL, NULL, at, &w, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(w.from == FEB15 + 9 * 3600 && w.to == FEB15 + 10 * 3600, "1h: the current hour");
    TEST_ASSERT(w.prev_from == FEB15 + 8 * 3600, "1h previous");
    TEST_ASSERT(hl_hs_window_make("24h", NULL, NULL, at, &w, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(w.to == FEB15 + 10 * 3600 && w.from == w.to - 86400 && w.prev_from == w.from - 86400,
                "24h");
    TEST_ASSERT(hl_hs_window_make("30d", NULL, NULL, at, &w, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(w.to == FEB15 + 86400 && w.from == w.to - 30 * 86400 && w.prev_from == w.from - 30 * 86400,
                "30d ends at the next midnight");
    TEST_ASSERT(hl_hs_window_make("7d", NULL, NULL, FEB15, &w, err, sizeof err) == 0 && w.to == FEB15,
                "7d at midnight ends there");
    TEST_ASSERT(hl_hs_window_make("2023Q1", NULL, NULL, 0, &w, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(w.from == t_of("2023-01-01") && w.to == t_of("2023-04-01") &&
                    w.prev_from == t_of("2022-10-01"),
                "quarter and the one before");
    TEST_STREQ(w.name, "2023Q1");
    int64_t f = t_of("2023-02-01T10:00"), t = t_of("2023-02-03T05:00");
    TEST_ASSERT(hl_hs_window_make(NULL, &f, &t, 0, &w, err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(w.prev_from == f - (t - f), "range previous");
    TEST_STREQ(w.name, "range");
    int64_t odd = f + 60;
    TEST_ASSERT(hl_hs_window_make(NULL, &odd, &t, 0, &w, err, sizeof err) < 0 &&
                    strstr(err, "whole hours"),
                "%s", err);
    TEST_ASSERT(hl_hs_window_make(NULL, &t, &f, 0, &w, err, sizeof err) < 0 && strstr(err, "before"),
                "%s", err);
    TEST_ASSERT(hl_hs_window_make("0h", NULL, NULL, at, &w, err, sizeof err) < 0, "0h");
    TEST_ASSERT(hl_hs_window_make("169h", NULL, NULL, at, &w, err, sizeof err) < 0, "169h");
    TEST_ASSERT(hl_hs_window_make("367d", NULL, NULL, at, &w, err, sizeof err) < 0, "367d");
    TEST_ASSERT(hl_hs_window_make("2023Q5", NULL, NULL, at, &w, err, sizeof err) < 0, "Q5");
    TEST_ASSERT(hl_hs_window_make("-1d", NULL, NULL, at, &w, err, sizeof err) < 0, "-1d");
    return fails;
}

static int test_buckets(void) {
    int fails = 0;
    hl_hs_bucket_t b[HL_HS_MAX_BUCKETS];
    /* 22:00 on the 13th .. 02:00 on the 16th: 2 hours, 2 days, 2 hours */
    int n = hl_hs_buckets(FEB15 - 26 * 3600, FEB15 + 86400 + 2 * 3600, b, HL_HS_MAX_BUCKETS);
    TEST_ASSERT(n == 6, "n=%d", n);
    const char *want[] = {"h:2023021322", "h:2023021323", "d:20230214", "d:20230215",
                          "h:2023021600", "h:2023021601"};
    for (int i = 0; i < 6 && i < n; i++)
        TEST_STREQ(b[i].key, want[i]);
    /* a 24h window not on midnight: hours only */
    n = hl_hs_buckets(FEB15 + 10 * 3600 - 86400, FEB15 + 10 * 3600, b, HL_HS_MAX_BUCKETS);
    TEST_ASSERT(n == 24 && strcmp(b[0].key, "h:2023021410") == 0 && strcmp(b[23].key, "h:2023021509") == 0,
                "n=%d", n);
    /* 30 days on midnights: days only */
    n = hl_hs_buckets(FEB15 - 30 * 86400, FEB15, b, HL_HS_MAX_BUCKETS);
    TEST_ASSERT(n == 30 && strcmp(b[0].key, "d:20230116") == 0 && strcmp(b[29].key, "d:20230214") == 0,
                "n=%d", n);
    TEST_ASSERT(hl_hs_buckets(FEB15, FEB15, b, 4) == 0, "empty");
    TEST_ASSERT(hl_hs_buckets(FEB15 + 1, FEB15 + 3600, b, 4) < 0, "unaligned");
    TEST_ASSERT(hl_hs_buckets(FEB15, FEB15 + 5 * 3600, b, 4) < 0, "too small");
    /* the longest window fits */
    hl_hs_window_t w;
    char err[256];
    hl_hs_window_make("366d", NULL, NULL, FEB15 + 1, &w, err, sizeof err);
    TEST_ASSERT(hl_hs_buckets(w.prev_from, w.from, b, HL_HS_MAX_BUCKETS) == 366, "366d");
    return fails;
}

static int parse(hl_hs_request_t *req, hl_hs_kind_t kind, const char *q, char *err, size_t size) {
    /* "k=v&k=v" */
    char buf[1024];
    const char *keys[32], *vals[32];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", q);
    for (char *s = buf; *s && n < 32;) {
        char *amp = strchr(s, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(s, '=');
        keys[n] = s;
        vals[n++] = eq ? (*eq = '\0', eq + 1) : NULL;
        s = amp ? amp + 1 : s + strlen(s);
    }
    return hl_hs_request_parse(req, kind, keys, vals, n, FEB15, err, size);
}

static int test_params(void) {
    int fails = 0;
    hl_hs_request_t r;
    char err[512];
    TEST_ASSERT(parse(&r, HL_HS_KIND_HOTSPOTS, "", err, sizeof err) == 0, "%s", err);
    TEST_ASSERT(strcmp(r.win.name, "24h") == 0 && r.win.to == FEB15 && r.top == 20 && r.min_count == 5 &&
                    r.words == 20 && r.by == HL_HS_BY_DT && r.topic == -1 && r.sections == HL_HS_ALL,
                "defaults");
    TEST_ASSERT(parse(&r, HL_HS_KIND_HOTSPOTS,
                      "window=7d&at=2023-03-01&topic=GOV.APPROVAL&district=京口&top=3&min=2&words=0",
                      err, sizeof err) == 0,
                "%s", err);
    TEST_ASSERT(r.topic >= 0 && r.district == 0 && r.top == 3 && r.min_count == 2 && r.words == 0 &&
                    r.win.to == t_of("2023-03-01"),
                "values");
    TEST_ASSERT(parse(&r, HL_HS_KIND_HOTSPOTS, "topic=行政审批效率&by=dept&dept=市行政审批局", err,
                      sizeof err) == 0,
                "%s", err);
    static const struct {
        hl_hs_kind_t kind;
        const char *q, *msg;
    } bad[] = {
        {HL_HS_KIND_HOTSPOTS, "window=2w", "window \"2w\""},
        {HL_HS_KIND_HOTSPOTS, "window=7d&from=2023-01-01&to=2023-01-02", "either window"},
        {HL_HS_KIND_HOTSPOTS, "from=2023-01-01", "go together"},
        {HL_HS_KIND_HOTSPOTS, "from=2023-01-01&to=2024-02-01", "longer than 366"},
        {HL_HS_KIND_HOTSPOTS, "from=2023-01-01T09:30&to=2023-01-02", "whole hours"},
        {HL_HS_KIND_HOTSPOTS, "at=soon", "at: not a time"},
        {HL_HS_KIND_HOTSPOTS, "top=0", "top must be an integer 1..500"},
        {HL_HS_KIND_HOTSPOTS, "top=501", "top must be"},
        {HL_HS_KIND_HOTSPOTS, "top=1x", "top must be"},
        {HL_HS_KIND_HOTSPOTS, "min=-1", "min must be"},
        {HL_HS_KIND_HOTSPOTS, "words=99999999999999", "words must be"},
        {HL_HS_KIND_HOTSPOTS, "topic=GOV.NOPE", "unknown topic"},
        {HL_HS_KIND_HOTSPOTS, "district=上海", "unknown district"},
        {HL_HS_KIND_HOTSPOTS, "by=dept&dept=NOPE", "unknown department"},
        {HL_HS_KIND_HOTSPOTS, "env=XYZ", "unknown env"},
        {HL_HS_KIND_HOTSPOTS, "by=appeal&appeal=rant", "unknown appeal"},
        {HL_HS_KIND_HOTSPOTS, "by=city", "by must be one of"},
        {HL_HS_KIND_HOTSPOTS, "dept=NDRC", "dept filters only by=dept"},
        {HL_HS_KIND_HOTSPOTS, "park=x", "park filters only by=park"},
        {HL_HS_KIND_HOTSPOTS, "appeal=report", "appeal filters only by=appeal"},
        {HL_HS_KIND_HOTSPOTS, "by=dept&district=JK", "district cannot filter by=dept"},
        {HL_HS_KIND_HOTSPOTS, "by=park&urgent=1", "urgent goes with"},
        {HL_HS_KIND_HOTSPOTS, "urgent=maybe", "urgent must be"},
        {HL_HS_KIND_HOTSPOTS, "top=3&top=4", "given twice"},
        {HL_HS_KIND_HOTSPOTS, "topic=", "needs a value"},
        {HL_HS_KIND_HOTSPOTS, "topic", "needs a value"},
        {HL_HS_KIND_HOTSPOTS, "color=red", "unknown parameter \"color\""},
        {HL_HS_KIND_HOTSPOTS, "days=3", "unknown parameter \"days\""},
        {HL_HS_KIND_HOTSPOTS, "sections=items,charts", "sections"},
        {HL_HS_KIND_TREND, "days=0", "days must be"},
        {HL_HS_KIND_TREND, "days=401", "days must be"},
        {HL_HS_KIND_TREND, "window=7d", "unknown parameter"},
        {HL_HS_KIND_ALERTS, "type=loud", "type must be"},
        {HL_HS_KIND_ALERTS, "since=2023-13-01", "since: not a time"},
        {HL_HS_KIND_ALERTS, "limit=0", "limit must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = parse(&r, bad[i].kind, bad[i].q, err, sizeof err);
        TEST_ASSERT(rc < 0 && strstr(err, bad[i].msg), "%s: rc %d, \"%s\" (want \"%s\")", bad[i].q, rc,
                    err, bad[i].msg);
    }
    TEST_ASSERT(parse(&r, HL_HS_KIND_HOTSPOTS, "park=a\x01", err, sizeof err) < 0, "control char");
    TEST_ASSERT(parse(&r, HL_HS_KIND_HOTSPOTS, "by=park&park=\xff", err, sizeof err) < 0, "bad utf8");
    TEST_ASSERT(parse(&r, HL_HS_KIND_ALERTS, "type=cluster&since=2023-02-01&limit=5", err, sizeof err) == 0 &&
                    r.alert_type == 2 && r.since == t_of("2023-02-01") && r.limit == 5,
                "%s", err);
    return fails;
}

static void put(hl_strmap_t *m, const char *k, int64_t v) {
    hl_strmap_get(m, k, strlen(k), NULL)->value += v;
}

/* Buckets of a small world: the fake Redis for hl_hs_answer(). */
typedef struct fake_s {
    const char *suffix[8];
    const char *fields[8];
    int calls;
    size_t keys_asked;
} fake_t;

static hl_err_t fake_fetch(void *opaque, const char *const *suffixes, size_t n, int each,
                           hl_strmap_t *out, char *errstr, size_t errstr_size) {
    (void)errstr;
    (void)errstr_size;
    fake_t *f = opaque;
    f->calls++;
    f->keys_asked += n;
    for (size_t i = 0; i < (each ? n : 1); i++)
        hl_strmap_clear(&out[i]);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 8 && f->suffix[k]; k++) {
            if (strcmp(f->suffix[k], suffixes[i]) != 0)
                continue;
            /* "field=n;field=n" */
            char buf[1024];
            snprintf(buf, sizeof buf, "%s", f->fields[k]);
            for (char *s = strtok(buf, ";"); s; s = strtok(NULL, ";")) {
                char *eq = strrchr(s, '=');
                *eq = '\0';
                put(&out[each ? i : 0], s, atoll(eq + 1));
            }
        }
    return HL_OK;
}

static char *dump(const json_t *j) {
    return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static fake_t world(void) {
    fake_t f = {{"d:20230214", "h:2023021423", "d:20230212", "d:20230213", NULL}, {0}, 0, 0};
    f.fields[0] = "dt|JK|GOV.APPROVAL=7;dt|RZ|GOV.APPROVAL=2;dt|JK|MKT.ARREARS=7;dt|DY|OTHER=1;"
                  "dept|APPROVAL|GOV.APPROVAL=9;dept|MIIT|MKT.ARREARS=7;park|GOV.APPROVAL|A|园=3;"
                  "appeal|complaint|GOV.APPROVAL=9;urgent|JK|MKT.ARREARS=2;kw|审批=6;kw|欠款=6;kw|跑=1";
    f.fields[1] = "dt|JK|GOV.APPROVAL=1"; /* not in a 2-day window ending at midnight */
    f.fields[2] = "dt|JK|GOV.APPROVAL=2;dt|JK|MKT.ARREARS=9;kw|审批=1";
    f.fields[3] = "dt|RZ|GOV.APPROVAL=1;dt|DY|OTHER=3";
    return f;
}

static int test_answer_json(void) {
    int fails = 0;
    fake_t f = world();
    hl_hs_request_t r;
    char err[512];
    /* 2 days ending 2023-02-15 00:00: [13th, 15th), previous [11th, 13th) */
    TEST_ASSERT(parse(&r, HL_HS_KIND_HOTSPOTS, "window=2d&at=2023-02-14T12:00&top=2&min=2&words=2", err,
                      sizeof err) == 0,
                "%s", err);
    json_t *a = hl_hs_answer(&r, fake_fetch, &f, err, sizeof err);
    TEST_ASSERT(a != NULL, "%s", err);
    TEST_ASSERT(f.calls == 2 && f.keys_asked == 4, "calls %d keys %zu", f.calls, f.keys_asked);
    char *s = dump(a);
    TEST_STREQ(s,
               "{\"window\":{\"name\":\"2d\",\"from\":\"2023-02-13T00:00:00+08:00\",\"to\":\"2023-02-15T00:00:00+08:00\","
               "\"previous\":{\"from\":\"2023-02-11T00:00:00+08:00\",\"to\":\"2023-02-13T00:00:00+08:00\"}},"
               "\"by\":\"dt\",\"urgent\":false,\"filters\":{},\"total\":21,\"previous_total\":11,"
               "\"items\":[{\"district\":\"JK\",\"district_zh\":\"京口区\",\"topic\":\"GOV.APPROVAL\",\"topic_zh\":\"行政审批效率\",\"count\":7,\"previous\":2,\"change\":5},"
               "{\"district\":\"JK\",\"district_zh\":\"京口区\",\"topic\":\"MKT.ARREARS\",\"topic_zh\":\"拖欠企业账款\",\"count\":7,\"previous\":9,\"change\":-2}],"
               "\"rising\":[{\"district\":\"JK\",\"district_zh\":\"京口区\",\"topic\":\"GOV.APPROVAL\",\"topic_zh\":\"行政审批效率\",\"count\":7,\"previous\":2,\"change\":5},"
               "{\"district\":\"DY\",\"district_zh\":\"丹阳市\",\"topic\":\"OTHER\",\"topic_zh\":\"其他\",\"count\":4,\"previous\":0,\"change\":4}],"
               "\"min\":2,"
               "\"hot_words\":[{\"keyword\":\"审批\",\"count\":6,\"previous\":1},{\"keyword\":\"欠款\",\"count\":6,\"previous\":0}]}");
    free(s);
    json_decref(a);
    return fails;
}

/* Counts of a JSON answer's items as "key=count" lines for compact checks. */
static void items_str(const json_t *a, const char *section, const char *d1, const char *d2, char *out,
                      size_t size) {
    out[0] = '\0';
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(a, section), i, it) {
        size_t l = strlen(out);
        snprintf(out + l, size - l, "%s%s%s%s=%lld", l ? " " : "",
                 json_string_value(json_object_get(it, d1)), d2 ? "|" : "",
                 d2 ? json_string_value(json_object_get(it, d2)) : "",
                 (long long)json_integer_value(json_object_get(it, "count")));
    }
}

static int test_groupings_filters(void) {
    int fails = 0;
    hl_strmap_t cur = {0}, prev = {0};
    put(&cur, "dt|JK|GOV.APPROVAL", 7);
    put(&cur, "dt|RZ|GOV.APPROVAL", 2);
    put(&cur, "dt|JK|MKT.ARREARS", 5);
    put(&cur, "dt|DY|POL.TAX", 4);
    put(&cur, "dept|APPROVAL|GOV.APPROVAL", 9);
    put(&cur, "dept|MIIT|MKT.ARREARS", 5);
    put(&cur, "park|GOV.APPROVAL|园|A", 3);
    put(&cur, "park|MKT.ARREARS|B园", 1);
    put(&cur, "appeal|complaint|GOV.APPROVAL", 8);
    put(&cur, "appeal|report|MKT.ARREARS", 5);
    put(&cur, "urgent|JK|MKT.ARREARS", 2);
    put(&prev, "dt|JK|MKT.ARREARS", 1);
    struct {
        const char *q, *d1, *d2, *want;
        int64_t total;
    } cases[] = {
        {"", "district", "topic", "JK|GOV.APPROVAL=7 JK|MKT.ARREARS=5 DY|POL.TAX=4 RZ|GOV.APPROVAL=2", 18},
        {"by=topic", "topic", NULL, "GOV.APPROVAL=9 MKT.ARREARS=5 POL.TAX=4", 18},
        {"by=district", "district", NULL, "JK=12 DY=4 RZ=2", 18},
        {"by=env", "env", NULL, "GOV=9 MKT=5 POL=4", 18},
        {"env=GOV", "district", "topic", "JK|GOV.APPROVAL=7 RZ|GOV.APPROVAL=2", 9},
        {"district=JK", "district", "topic", "JK|GOV.APPROVAL=7 JK|MKT.ARREARS=5", 12},
        {"topic=MKT.ARREARS&by=district", "district", NULL, "JK=5", 5},
        {"urgent=1", "district", "topic", "JK|MKT.ARREARS=2", 2},
        {"by=dept", "dept", "topic", "APPROVAL|GOV.APPROVAL=9 MIIT|MKT.ARREARS=5", 14},
        {"by=dept&dept=MIIT", "dept", "topic", "MIIT|MKT.ARREARS=5", 5},
        {"by=park", "park", "topic", "园|A|GOV.APPROVAL=3 B园|MKT.ARREARS=1", 4},
        {"by=park&park=园|A", "park", "topic", "园|A|GOV.APPROVAL=3", 3},
        {"by=appeal&appeal=投诉", "appeal", "topic", "complaint|GOV.APPROVAL=8", 8},
        {"top=1&by=district", "district", NULL, "JK=12", 18},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hl_hs_request_t r;
        char err[512], got[512];
        TEST_ASSERT(parse(&r, HL_HS_KIND_HOTSPOTS, cases[i].q, err, sizeof err) == 0, "%s: %s",
                    cases[i].q, err);
        json_t *a = hl_hs_aggregate(&r, &cur, &prev);
        items_str(a, "items", cases[i].d1, cases[i].d2, got, sizeof got);
        TEST_ASSERT(strcmp(got, cases[i].want) == 0, "%s: got %s, want %s", cases[i].q, got,
                    cases[i].want);
        TEST_ASSERT(json_integer_value(json_object_get(a, "total")) == cases[i].total, "%s: total",
                    cases[i].q);
        json_decref(a);
    }
    /* the Chinese names come with the codes */
    hl_hs_request_t r;
    char err[256];
    parse(&r, HL_HS_KIND_HOTSPOTS, "by=appeal", err, sizeof err);
    json_t *a = hl_hs_aggregate(&r, &cur, &prev);
    json_t *it = json_array_get(json_object_get(a, "items"), 0);
    TEST_STREQ(json_string_value(json_object_get(it, "appeal_zh")), "投诉");
    TEST_STREQ(json_string_value(json_object_get(it, "topic_zh")), "行政审批效率");
    json_decref(a);
    hl_strmap_free(&cur);
    hl_strmap_free(&prev);
    return fails;
}

static int test_rising(void) {
    int fails = 0;
    hl_strmap_t cur = {0}, prev = {0};
    put(&cur, "dt|JK|GOV.APPROVAL", 10); /* +8 */
    put(&prev, "dt|JK|GOV.APPROVAL", 2);
    put(&cur, "dt|RZ|GOV.APPROVAL", 4); /* +4, but below min 5 */
    put(&cur, "dt|DY|POL.TAX", 20);     /* +8, ties with JK: more tickets first */
    put(&prev, "dt|DY|POL.TAX", 12);
    put(&cur, "dt|XQ|POL.TAX", 6); /* falling */
    put(&prev, "dt|XQ|POL.TAX", 9);
    put(&cur, "dt|GX|POL.TAX", 5); /* flat */
    put(&prev, "dt|GX|POL.TAX", 5);
    put(&cur, "dt|YZ|POL.TAX", 5); /* new: +5 */
    put(&prev, "dt|JR|POL.TAX", 50); /* gone: never listed */
    hl_hs_request_t r;
    char err[256], got[512];
    parse(&r, HL_HS_KIND_HOTSPOTS, "min=5", err, sizeof err);
    json_t *a = hl_hs_aggregate(&r, &cur, &prev);
    items_str(a, "rising", "district", "topic", got, sizeof got);
    TEST_STREQ(got, "DY|POL.TAX=20 JK|GOV.APPROVAL=10 YZ|POL.TAX=5");
    items_str(a, "items", "district", NULL, got, sizeof got);
    TEST_STREQ(got, "DY=20 JK=10 XQ=6 GX=5 YZ=5 RZ=4");
    TEST_ASSERT(json_integer_value(json_object_get(a, "previous_total")) == 78, "previous total");
    json_decref(a);
    parse(&r, HL_HS_KIND_HOTSPOTS, "min=1&top=1&sections=rising", err, sizeof err);
    a = hl_hs_aggregate(&r, &cur, &prev);
    items_str(a, "rising", "district", NULL, got, sizeof got);
    TEST_STREQ(got, "DY=20");
    TEST_ASSERT(!json_object_get(a, "items") && !json_object_get(a, "hot_words"), "sections");
    json_decref(a);
    hl_strmap_free(&cur);
    hl_strmap_free(&prev);
    return fails;
}

static int test_quarter_fallback(void) {
    int fails = 0;
    fake_t f = {{"q:2023Q1", NULL}, {"dt|received|JK|GOV.APPROVAL=40;dt|dispatched|JK|GOV.APPROVAL=30;all|received|=40"}, 0, 0};
    hl_hs_request_t r;
    char err[256], got[256];
    parse(&r, HL_HS_KIND_HOTSPOTS, "window=2023Q1", err, sizeof err);
    json_t *a = hl_hs_answer(&r, fake_fetch, &f, err, sizeof err);
    items_str(a, "items", "district", "topic", got, sizeof got);
    TEST_STREQ(got, "JK|GOV.APPROVAL=40");
    TEST_STREQ(json_string_value(json_object_get(a, "source")), "quarter");
    json_decref(a);
    return fails;
}

static int test_trend(void) {
    int fails = 0;
    fake_t f = world();
    hl_hs_request_t r;
    char err[256];
    TEST_ASSERT(parse(&r, HL_HS_KIND_TREND, "days=3&at=2023-02-14T12:00&topic=GOV.APPROVAL", err, sizeof err) == 0,
                "%s", err);
    json_t *a = hl_hs_trend(&r, fake_fetch, &f, err, sizeof err);
    char *s = dump(a);
    TEST_STREQ(s, "{\"topic\":\"GOV.APPROVAL\",\"topic_zh\":\"行政审批效率\",\"district\":null,\"env\":null,"
                  "\"from\":\"2023-02-12T00:00:00+08:00\",\"to\":\"2023-02-15T00:00:00+08:00\","
                  "\"days\":[{\"date\":\"2023-02-12\",\"count\":2},{\"date\":\"2023-02-13\",\"count\":1},"
                  "{\"date\":\"2023-02-14\",\"count\":9}],\"total\":12}");
    free(s);
    json_decref(a);
    return fails;
}

static int test_alerts(void) {
    int fails = 0;
    const char *texts[] = {
        "{\"schema\":1,\"type\":\"repeat\",\"id\":\"B\",\"ts\":\"2023-02-15T10:00:00+08:00\",\"topic\":\"GOV.APPROVAL\",\"district\":\"JK\",\"park\":null,\"who\":\"139****5678\",\"count\":2}",
        "{\"schema\":1,\"type\":\"urgent\",\"id\":\"A\",\"ts\":\"2023-02-15T02:00:00Z\",\"topic\":\"OTHER\",\"district\":\"JK\",\"park\":null,\"who\":null,\"count\":1}",
        "not json",
        "{\"schema\":1,\"type\":\"cluster\",\"id\":\"C\",\"ts\":\"2023-02-14T10:00:00+08:00\",\"topic\":\"OTHER\",\"district\":\"RZ\",\"park\":\"园\",\"who\":null,\"count\":5}",
        "{\"schema\":1,\"type\":\"multi\",\"id\":\"A\",\"ts\":\"2023-02-15T10:00:00+08:00\",\"topic\":\"OTHER\",\"district\":\"JK\",\"park\":null,\"who\":null,\"count\":3}",
    };
    size_t lens[5];
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(texts[i]);
    hl_hs_request_t r;
    char err[256];
    parse(&r, HL_HS_KIND_ALERTS, "", err, sizeof err);
    json_t *a = hl_hs_alerts(&r, texts, lens, 5);
    char got[256] = "";
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(a, "alerts"), i, it) {
        size_t l = strlen(got);
        snprintf(got + l, sizeof got - l, "%s:%s ", json_string_value(json_object_get(it, "id")),
                 json_string_value(json_object_get(it, "type")));
    }
    /* 02:00Z is 10:00 CST: ties go by id, then type */
    TEST_STREQ(got, "A:multi A:urgent B:repeat C:cluster ");
    TEST_ASSERT(json_integer_value(json_object_get(a, "total")) == 4, "total");
    json_decref(a);
    parse(&r, HL_HS_KIND_ALERTS, "since=2023-02-15T09:00&limit=1", err, sizeof err);
    a = hl_hs_alerts(&r, texts, lens, 5);
    TEST_ASSERT(json_integer_value(json_object_get(a, "total")) == 3 &&
                    json_array_size(json_object_get(a, "alerts")) == 1,
                "since and limit");
    json_decref(a);
    parse(&r, HL_HS_KIND_ALERTS, "type=cluster", err, sizeof err);
    a = hl_hs_alerts(&r, texts, lens, 5);
    TEST_ASSERT(json_integer_value(json_object_get(a, "total")) == 1, "type");
    json_decref(a);
    return fails;
}

static int test_render(void) {
    int fails = 0;
    TEST_ASSERT(hl_hs_width("JK 京口区") == 9, "width %d", hl_hs_width("JK 京口区"));
    fake_t f = world();
    hl_hs_request_t r;
    char err[256];
    parse(&r, HL_HS_KIND_HOTSPOTS, "window=2d&at=2023-02-14T12:00&min=1", err, sizeof err);
    json_t *a = hl_hs_answer(&r, fake_fetch, &f, err, sizeof err);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    hl_hs_print(out, a);
    fclose(out);
    TEST_ASSERT(strstr(buf, "JK 京口区") && strstr(buf, "GOV.APPROVAL 行政审批效率") && strstr(buf, "热词") &&
                    strstr(buf, "上升"),
                "%s", buf);
    free(buf);
    json_decref(a);
    return fails;
}

/* Reads hash @p key as Redis would give it: "field=value" pairs. */
static int read_hash(hl_bcache_t *bc, const char *key, const char *mark, const char *const *kv,
                     size_t n) {
    int fails = 0;
    TEST_ASSERT(hl_bcache_read_begin(bc, key, strlen(key), mark, mark ? strlen(mark) : 0) == HL_OK,
                "begin %s", key);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(kv[i], '=');
        TEST_ASSERT(hl_bcache_read_field(bc, kv[i], (size_t)(eq - kv[i]), eq + 1,
                                         strlen(eq + 1)) == HL_OK,
                    "field %s", kv[i]);
    }
    TEST_ASSERT(hl_bcache_read_end(bc) == HL_OK, "end %s", key);
    return fails;
}

static int64_t sum_of(hl_strmap_t *m, const char *field) {
    const hl_strmap_entry_t *e = hl_strmap_find(m, field, strlen(field));
    return e ? e->value : -999;
}

/* Hashes read are summed and kept under their mark; a kept hash is summed
 * again from memory only under the same mark; a hash without a mark is
 * never kept; zero sums keep their field. */
static int test_bucket_cache(void) {
    int fails = 0;
    hl_bcache_t *bc = hl_bcache_new(1000);
    hl_strmap_t out = {0};
    const char *a[] = {"dt|JK|X=3", "kw|拖欠=2", "zero=0"};
    const char *b[] = {"dt|JK|X=4", "kw|罚款=1", "bad=x1"};
    hl_bcache_begin(bc);
    fails += read_hash(bc, "hl:{t:0}:d:1", "m1", a, 3);
    fails += read_hash(bc, "hl:{t:1}:d:1", NULL, b, 3);
    TEST_ASSERT(hl_bcache_emit(bc, &out) == HL_OK, "emit");
    TEST_ASSERT(sum_of(&out, "dt|JK|X") == 7 && sum_of(&out, "kw|拖欠") == 2 &&
                    sum_of(&out, "kw|罚款") == 1 && sum_of(&out, "zero") == 0 &&
                    sum_of(&out, "bad") == 0 && out.count == 5,
                "sums %lld %zu", (long long)sum_of(&out, "dt|JK|X"), out.count);
    TEST_ASSERT(hl_bcache_hashes(bc) == 1 && hl_bcache_fields(bc) == 3, "kept %zu hashes %zu fields",
                hl_bcache_hashes(bc), hl_bcache_fields(bc));
    /* the next query: the same mark is summed from memory, another is not */
    hl_bcache_begin(bc);
    TEST_ASSERT(hl_bcache_is_kept(bc, "hl:{t:0}:d:1", 12, "m1", 2), "kept under m1");
    TEST_ASSERT(!hl_bcache_is_kept(bc, "hl:{t:0}:d:1", 12, "m2", 2), "kept under m2");
    TEST_ASSERT(!hl_bcache_is_kept(bc, "hl:{t:0}:d:1", 12, "", 0), "an empty mark matches");
    TEST_ASSERT(!hl_bcache_is_kept(bc, "hl:{t:1}:d:1", 12, "", 0), "a hash without mark kept");
    TEST_ASSERT(hl_bcache_add_kept(bc, "hl:{t:0}:d:1", 12, "m1", 2) == 1, "add kept");
    TEST_ASSERT(hl_bcache_add_kept(bc, "hl:{t:0}:d:1", 12, "m2", 2) == 0, "add under m2");
    hl_strmap_clear(&out);
    TEST_ASSERT(hl_bcache_emit(bc, &out) == HL_OK, "emit");
    TEST_ASSERT(sum_of(&out, "dt|JK|X") == 3 && sum_of(&out, "zero") == 0 && out.count == 3,
                "from memory %lld %zu", (long long)sum_of(&out, "dt|JK|X"), out.count);
    /* the bucket changed (mark m2): read again, replacing what was kept */
    const char *a2[] = {"dt|JK|X=5"};
    hl_bcache_begin(bc);
    fails += read_hash(bc, "hl:{t:0}:d:1", "m2", a2, 1);
    hl_strmap_clear(&out);
    TEST_ASSERT(hl_bcache_emit(bc, &out) == HL_OK, "emit");
    TEST_ASSERT(sum_of(&out, "dt|JK|X") == 5 && out.count == 1, "re-read");
    TEST_ASSERT(hl_bcache_hashes(bc) == 1 && hl_bcache_fields(bc) == 1, "replaced: %zu fields",
                hl_bcache_fields(bc));
    TEST_ASSERT(!hl_bcache_is_kept(bc, "hl:{t:0}:d:1", 12, "m1", 2) &&
                    hl_bcache_is_kept(bc, "hl:{t:0}:d:1", 12, "m2", 2),
                "kept under the new mark only");
    /* packed hot words are read as the plain fields they hold, and summed
     * with plain ones (buckets written before packing) and with the same
     * keyword in another group (buckets written with another number of
     * groups: common/kwpack.h) */
    const char *packed[] = {"kw#3=拖欠\t2\n罚款\t1\n", "kw|拖欠=1", "kw#12=拖欠\t4\n"};
    hl_bcache_begin(bc);
    fails += read_hash(bc, "hl:{t:0}:d:2", "m3", packed, 3);
    hl_strmap_clear(&out);
    TEST_ASSERT(hl_bcache_emit(bc, &out) == HL_OK, "emit");
    TEST_ASSERT(sum_of(&out, "kw|拖欠") == 7 && sum_of(&out, "kw|罚款") == 1 && out.count == 2,
                "packed: %lld %zu", (long long)sum_of(&out, "kw|拖欠"), out.count);
    hl_bcache_begin(bc);
    TEST_ASSERT(hl_bcache_read_begin(bc, "hl:{t:0}:d:3", 12, NULL, 0) == HL_OK &&
                    hl_bcache_read_field(bc, "kw#1", 4, "拖欠 2\n", 8) == HL_ERR_INVALID,
                "a malformed packed field is an error");
    /* an unfinished sum (an error half way) is dropped by the next begin */
    TEST_ASSERT(hl_bcache_add_kept(bc, "hl:{t:0}:d:1", 12, "m2", 2) == 1, "add");
    hl_bcache_begin(bc);
    hl_strmap_clear(&out);
    TEST_ASSERT(hl_bcache_emit(bc, &out) == HL_OK && out.count == 0, "dropped sum: %zu",
                out.count);
    hl_strmap_free(&out);
    hl_bcache_destroy(bc);
    return fails;
}

/* Over its limit the cache starts over at the next query, never within
 * one; with limit 0 it only sums. */
static int test_bucket_cache_limit(void) {
    int fails = 0;
    hl_bcache_t *bc = hl_bcache_new(2);
    hl_strmap_t out = {0};
    const char *h[] = {"a=1", "b=2"};
    hl_bcache_begin(bc);
    fails += read_hash(bc, "k1", "m", h, 2);
    fails += read_hash(bc, "k2", "m", h, 2);
    TEST_ASSERT(hl_bcache_fields(bc) == 4 && hl_bcache_add_kept(bc, "k1", 2, "m", 1) == 1,
                "over the limit within one query: %zu", hl_bcache_fields(bc));
    TEST_ASSERT(hl_bcache_emit(bc, &out) == HL_OK && sum_of(&out, "b") == 6, "sum");
    hl_bcache_begin(bc);
    TEST_ASSERT(hl_bcache_hashes(bc) == 0 && hl_bcache_fields(bc) == 0 &&
                    !hl_bcache_is_kept(bc, "k1", 2, "m", 1),
                "starts over: %zu", hl_bcache_hashes(bc));
    hl_bcache_destroy(bc);
    bc = hl_bcache_new(0);
    hl_bcache_begin(bc);
    fails += read_hash(bc, "k1", "m", h, 2);
    TEST_ASSERT(hl_bcache_hashes(bc) == 0 && !hl_bcache_is_kept(bc, "k1", 2, "m", 1), "kept");
    hl_strmap_clear(&out);
    TEST_ASSERT(hl_bcache_emit(bc, &out) == HL_OK && sum_of(&out, "a") == 1, "sums only");
    hl_strmap_free(&out);
    hl_bcache_destroy(bc);
    return fails;
}

const hl_unit_test_t hl_unit_tests_hotspots[] = {
    {"hotspots_parse_time", test_parse_time},
    {"hotspots_windows", test_windows},
    {"hotspots_buckets", test_buckets},
    {"hotspots_params", test_params},
    {"hotspots_answer_json", test_answer_json},
    {"hotspots_groupings_filters", test_groupings_filters},
    {"hotspots_rising", test_rising},
    {"hotspots_quarter_fallback", test_quarter_fallback},
    {"hotspots_trend", test_trend},
    {"hotspots_alerts", test_alerts},
    {"hotspots_render", test_render},
    {"bucket_cache", test_bucket_cache},
    {"bucket_cache_limit", test_bucket_cache_limit},
    {NULL, NULL},
};
