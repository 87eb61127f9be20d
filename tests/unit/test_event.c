/* test_event.c: the ticket-event decoder and the RFC 3339 / CST calendar. */
#include <stdlib.h>
#include <string.h>

#include "common/taxonomy.h"
#include "ingest/event.h"
#include "ingest/rfc3339.h"
#include "tests/unit/unit.h"

static hl_reject_t parse(const char *json, hl_event_t *ev, char *err) {
    hl_event_parser_t *p = hl_event_parser_new();
    hl_reject_t r = hl_event_parse(p, json, strlen(json), ev, err, 256);
    hl_event_parser_destroy(p);
    return r;
}

static int test_event_created_full(void) {
    int fails = 0;
    hl_event_parser_t *p = hl_event_parser_new();
    const char *json =
        "\xEF\xBB\xBF{\"id\":\"ZJ12345-20230215-000123\",\"event\":\"created\","
        "\"ts\":\"2023-02-15T09:31:00+08:00\",\"channel\":\"phone\","
        "\"appeal_type\":\"投诉\",\"district\":\"京口区\",\"park\":\"镇江经济技术开发区\","
        "\"title\":\"厂房竣工验收迟迟不办\",\"content\":\"我公司新建厂房\\u4e00\\n\","
        "\"enterprise\":{\"name\":\"某公司\",\"credit_code\":\"91321100MA1XXXXXXX\"},"
        "\"caller\":{\"name\":\"王先生\",\"phone\":\"13912345678\"},"
        "\"due_at\":\"2023-02-22T17:00:00+08:00\",\"unknown\":[1,{\"a\":null}]}";
    hl_event_t ev;
    char err[256] = "";
    hl_reject_t r = hl_event_parse(p, json, strlen(json), &ev, err, sizeof err);
    TEST_ASSERT(r == HL_REJECT_NONE, "rejected: %s", err);
    TEST_ASSERT(ev.type == HL_EV_CREATED, "type %d", ev.type);
    TEST_ASSERT(ev.id.len == 23 && memcmp(ev.id.ptr, "ZJ12345-20230215-000123", 23) == 0, "id");
    TEST_ASSERT(ev.ts == 1676424660, "ts %lld", (long long)ev.ts);
    TEST_ASSERT(ev.channel == HL_CH_PHONE && ev.appeal == HL_AP_COMPLAINT, "enums");
    TEST_STREQ(hl_districts[ev.district].code, "JK");
    TEST_STREQ(ev.park.ptr, "镇江经济技术开发区");
    TEST_STREQ(ev.content.ptr, "我公司新建厂房一\n");
    TEST_STREQ(ev.caller_phone.ptr, "13912345678");
    TEST_STREQ(ev.enterprise_credit_code.ptr, "91321100MA1XXXXXXX");
    TEST_ASSERT(ev.due_at == 1677056400, "due %lld", (long long)ev.due_at);
    /* the parser is reusable: a second message replaces the first */
    const char *json2 = "{\"id\":\"a\",\"event\":\"reviewed\",\"ts\":\"2023-02-21T02:15:00Z\","
                        "\"satisfaction\":\"基本满意\",\"note\":\"x\"}";
    r = hl_event_parse(p, json2, strlen(json2), &ev, err, sizeof err);
    TEST_ASSERT(r == HL_REJECT_NONE, "rejected: %s", err);
    TEST_ASSERT(ev.type == HL_EV_REVIEWED && ev.satisfaction == HL_SAT_BASIC, "reviewed");
    TEST_ASSERT(ev.park.ptr == NULL && ev.content.ptr == NULL, "fields of other events absent");
    hl_event_parser_destroy(p);
    return fails;
}

static int test_event_other_types(void) {
    int fails = 0;
    hl_event_t ev;
    char err[256];
    TEST_ASSERT(parse("{\"id\":\"x\",\"event\":\"dispatched\",\"ts\":\"2023-01-01T00:00:00+08:00\","
                      "\"department\":\"市住房和城乡建设局\"}", &ev, err) == HL_REJECT_NONE, "%s", err);
    TEST_STREQ(hl_depts[ev.department].code, "HOUSING");
    TEST_ASSERT(parse("{\"id\":\"x\",\"event\":\"dispatched\",\"ts\":\"2023-01-01T00:00:00+08:00\","
                      "\"department\":\"FIRE\"}", &ev, err) == HL_REJECT_NONE, "%s", err);
    TEST_STREQ(hl_depts[ev.department].code, "FIRE");
    TEST_ASSERT(parse("{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00.123-05:30\"}",
                      &ev, err) == HL_REJECT_NONE, "%s", err);
    TEST_ASSERT(ev.type == HL_EV_RESOLVED && ev.ts == 1672551000, "ts %lld", (long long)ev.ts);
    TEST_ASSERT(parse("{\"id\":\"x\",\"event\":\"reopened\",\"ts\":\"2023-01-01T00:00:00Z\"}",
                      &ev, err) == HL_REJECT_NONE, "%s", err);
    /* odd district text is legal and counts under UNK */
    TEST_ASSERT(parse("{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\","
                      "\"channel\":\"fax\",\"appeal_type\":\"建议\",\"district\":\"a:{b}\\r\\n\","
                      "\"content\":\"\"}", &ev, err) == HL_REJECT_NONE, "%s", err);
    TEST_ASSERT(ev.district == HL_DISTRICT_UNK && ev.channel == HL_CH_OTHER, "UNK / other");
    TEST_ASSERT(parse("{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\","
                      "\"channel\":\"web\",\"appeal_type\":\"建议\",\"district\":\"潤州區\","
                      "\"content\":\"c\"}", &ev, err) == HL_REJECT_NONE, "%s", err);
    TEST_STREQ(hl_districts[ev.district].code, "RZ");
    return fails;
}

/* Each rejected message with its exact reason code. */
static int test_event_rejections(void) {
    int fails = 0;
    static const struct {
        const char *json;
        hl_reject_t want;
    } cases[] = {
        {"", HL_REJECT_INVALID_JSON},
        {"{\"id\":\"x\",", HL_REJECT_INVALID_JSON},
        {"{\"id\":\"x\"} {}", HL_REJECT_INVALID_JSON},
        {"{'id':1}", HL_REJECT_INVALID_JSON},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",}", HL_REJECT_INVALID_JSON},
        {"[1,2]", HL_REJECT_NOT_OBJECT},
        {"\"created\"", HL_REJECT_NOT_OBJECT},
        {"42", HL_REJECT_NOT_OBJECT},
        {"{\"id\":\"x\",\"id\":\"y\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_DUPLICATE_MEMBER},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"u\":{\"a\":1,\"a\":2}}", HL_REJECT_DUPLICATE_MEMBER},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"a\\u0000b\"}", HL_REJECT_NUL_CHARACTER},
        {"{\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_MISSING_FIELD},
        {"{\"id\":\"x\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_MISSING_FIELD},
        {"{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\",\"channel\":\"web\",\"appeal_type\":\"建议\",\"district\":\"京口\"}", HL_REJECT_MISSING_FIELD},
        {"{\"id\":\"x\",\"event\":\"dispatched\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_MISSING_FIELD},
        {"{\"id\":7,\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_WRONG_TYPE},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":null}", HL_REJECT_WRONG_TYPE},
        {"{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\",\"channel\":\"web\",\"appeal_type\":\"建议\",\"district\":\"京口\",\"content\":\"c\",\"caller\":\"王\"}", HL_REJECT_WRONG_TYPE},
        {"{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\",\"channel\":\"web\",\"appeal_type\":\"建议\",\"district\":\"京口\",\"content\":\"c\",\"caller\":{\"phone\":139}}", HL_REJECT_WRONG_TYPE},
        {"{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\",\"channel\":\"web\",\"appeal_type\":\"建议\",\"district\":[],\"content\":\"c\"}", HL_REJECT_WRONG_TYPE},
        {"{\"id\":\"\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_BAD_ID},
        {"{\"id\":\"a b\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_BAD_ID},
        {"{\"id\":\"hl:{p0}\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_BAD_ID},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-02-30T00:00:00Z\"}", HL_REJECT_BAD_TIMESTAMP},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01 00:00:00\"}", HL_REJECT_BAD_TIMESTAMP},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00\"}", HL_REJECT_BAD_TIMESTAMP},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"1899-01-01T00:00:00Z\"}", HL_REJECT_BAD_TIMESTAMP},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"99999-01-01T00:00:00Z\"}", HL_REJECT_BAD_TIMESTAMP},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T24:00:00Z\"}", HL_REJECT_BAD_TIMESTAMP},
        {"{\"id\":\"x\",\"event\":\"closed\",\"ts\":\"2023-01-01T00:00:00Z\"}", HL_REJECT_UNKNOWN_EVENT},
        {"{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\",\"channel\":\"web\",\"appeal_type\":\"抱怨\",\"district\":\"京口\",\"content\":\"c\"}", HL_REJECT_BAD_VALUE},
        {"{\"id\":\"x\",\"event\":\"dispatched\",\"ts\":\"2023-01-01T00:00:00Z\",\"department\":\"NOPE\"}", HL_REJECT_BAD_VALUE},
        {"{\"id\":\"x\",\"event\":\"reviewed\",\"ts\":\"2023-01-01T00:00:00Z\",\"satisfaction\":\"ok\"}", HL_REJECT_BAD_VALUE},
        {"{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\",\"channel\":\"web\",\"appeal_type\":\"建议\",\"district\":\"京口\",\"content\":\"c\",\"due_at\":\"soon\"}", HL_REJECT_BAD_TIMESTAMP},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"\xff\"}", HL_REJECT_INVALID_UTF8},
        /* overlong and surrogate encodings: caught by the strict check */
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"\xc0\xaf\"}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"\xed\xa0\x80\"}", HL_REJECT_INVALID_UTF8},
        /* ... in members the decoder otherwise ignores, and in member names
         * (yajl checks only the shape of a sequence) */
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"unknown\":\"\xc0\xaf\"}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"unknown\":[\"\xed\xa0\x80\"]}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"\xe0\x80\xaf\":1}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"caller\":{\"x\":\"\xf4\x90\x80\x80\"}}", HL_REJECT_INVALID_UTF8},
        /* escaped surrogates outside a high+low pair have no UTF-8 encoding */
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"\\ud800\"}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"\\udc00x\"}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"\\ud800\\u0041\"}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"unknown\":\"a\\uDBFF\"}", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"note\":\"\\ud83d\\ude00 \\\\ud800\"}", HL_REJECT_NONE},
        /* a character cut by the message's end is invalid UTF-8, not a
         * premature end of the JSON (what a validating yajl meets first);
         * and a broken character before a NUL is reported, not the NUL */
        {"{\"id\":\"x\",\"event\":\"resolved\",\"note\":\"\xe4\xb8", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"note\":\"\xe4\xb8\xad\xe4", HL_REJECT_INVALID_UTF8},
        {"{\"id\":\"x\",\"note\":\"\xff\\u0000\"}", HL_REJECT_INVALID_UTF8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hl_event_t ev;
        char err[256] = "";
        hl_reject_t r = parse(cases[i].json, &ev, err);
        TEST_ASSERT(r == cases[i].want, "case %zu: got %s (%s), want %s", i,
                    hl_reject_code(r), err, hl_reject_code(cases[i].want));
        TEST_ASSERT(r == HL_REJECT_NONE || *err, "case %zu: no message", i);
    }
    return fails;
}

static int test_event_limits(void) {
    int fails = 0;
    hl_event_t ev;
    char err[256];
    /* content of exactly 64 KiB is accepted, one byte more is not */
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = HL_CONTENT_MAX + (size_t)extra;
        char *json = malloc(n + 256);
        int k = sprintf(json, "{\"id\":\"x\",\"event\":\"created\",\"ts\":\"2023-01-01T00:00:00Z\","
                              "\"channel\":\"web\",\"appeal_type\":\"建议\",\"district\":\"京口\",\"content\":\"");
        memset(json + k, 'a', n);
        strcpy(json + k + n, "\"}");
        hl_reject_t r = parse(json, &ev, err);
        TEST_ASSERT(r == (extra ? HL_REJECT_CONTENT_TOO_LONG : HL_REJECT_NONE), "extra %d: %s", extra, hl_reject_code(r));
        free(json);
    }
    /* deep nesting is refused with its own reason, not a crash */
    char deep[2100];
    strcpy(deep, "{\"id\":\"x\",\"event\":\"resolved\",\"ts\":\"2023-01-01T00:00:00Z\",\"u\":");
    size_t k = strlen(deep);
    for (int i = 0; i < 1000; i++)
        deep[k++] = '[';
    deep[k] = '\0';
    TEST_ASSERT(parse(deep, &ev, err) == HL_REJECT_TOO_COMPLEX, "deep: %s", err);
    return fails;
}

/* Every labeled dev ticket decodes. */
static int test_event_dev_tickets(void) {
    int fails = 0;
    FILE *f = fopen(HL_SHARED_DIR "/data/dev-tickets.jsonl", "r");
    TEST_ASSERT(f, "cannot open dev-tickets.jsonl");
    if (!f)
        return fails;
    hl_event_parser_t *p = hl_event_parser_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int count = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        hl_event_t ev;
        char err[256];
        hl_reject_t r = hl_event_parse(p, line, (size_t)n, &ev, err, sizeof err);
        TEST_ASSERT(r == HL_REJECT_NONE, "line %d: %s", count + 1, err);
        count++;
    }
    TEST_ASSERT(count == 300, "count %d", count);
    free(line);
    fclose(f);
    hl_event_parser_destroy(p);
    return fails;
}

static int test_rfc3339_cst(void) {
    int fails = 0;
    int64_t t;
    TEST_ASSERT(hl_rfc3339_parse("2023-03-31T16:00:00Z", 20, &t) == 0, "parse");
    char q[8];
    hl_cst_quarter(t, q, sizeof q);
    TEST_STREQ(q, "2023Q2"); /* 2023-04-01 00:00 in CST */
    TEST_ASSERT(hl_rfc3339_parse("2023-03-31T15:59:59Z", 20, &t) == 0, "parse");
    hl_cst_quarter(t, q, sizeof q);
    TEST_STREQ(q, "2023Q1");
    hl_cst_t c;
    TEST_ASSERT(hl_rfc3339_parse("2024-02-29T23:30:00-01:00", 25, &t) == 0, "leap day");
    hl_cst_from_unix(t, &c);
    TEST_ASSERT(c.year == 2024 && c.month == 3 && c.day == 1 && c.hour == 8 && c.minute == 30,
                "%d-%d-%d %d:%d", c.year, c.month, c.day, c.hour, c.minute);
    TEST_ASSERT(hl_rfc3339_parse("2023-02-29T00:00:00Z", 20, &t) == -1, "not a leap year");
    /* the hand-made formats are printf's, across the timestamps a ticket
     * may carry, and cut like snprintf */
    for (int64_t u = HL_TS_MIN; u <= HL_TS_MAX; u += 7919) {
        char got[32], want[32], gq[8], wq[8];
        hl_cst_from_unix(u, &c);
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", c.year, c.month,
                 c.day, c.hour, c.minute, c.second);
        snprintf(wq, sizeof wq, "%04dQ%d", c.year, c.quarter);
        hl_cst_format(u, got, sizeof got);
        hl_cst_quarter(u, gq, sizeof gq);
        if (strcmp(got, want) != 0 || strcmp(gq, wq) != 0) {
            TEST_ASSERT(0, "%lld: %s / %s, want %s / %s", (long long)u, got, gq, want, wq);
            break;
        }
    }
    char small[11];
    hl_cst_format(HL_TS_MIN, small, sizeof small);
    TEST_STREQ(small, "2000-01-01");
    return fails;
}

const hl_unit_test_t hl_unit_tests_event[] = {
    {"event_created_full", test_event_created_full},
    {"event_other_types", test_event_other_types},
    {"event_rejections", test_event_rejections},
    {"event_limits", test_event_limits},
    {"event_dev_tickets", test_event_dev_tickets},
    {"rfc3339_cst", test_rfc3339_cst},
    {NULL, NULL},
};
