/* fuzz_query.c: libFuzzer target for the hotspots query parameters,
 * hl_hs_request_parse() (store/hotspots.h), the pure validation behind
 * GET /api/hotspots, /api/trend and /api/alerts (serve/, cmd/cmd_serve.c).
 *
 * The input is a raw query string; it is split and decoded the way
 * libmicrohttpd hands it to serve/server.c: pairs at '&', key and value at
 * the first '=', "+" as space, %XX decoded, a key without '=' has a NULL
 * value, at most HL_HTTP_MAX_PARAMS (32) pairs (more are a 400 before the
 * parser runs). Each of the three kinds parses it. A request that
 * validates must describe a window the bucket arithmetic can cover, and is
 * answered (hl_hs_answer / hl_hs_trend / hl_hs_alerts) from a fixed fake
 * Redis, so what a validated request can reach is exercised too. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl.h"
#include "common/strmap.h"
#include "common/utf8.h"
#include "store/hotspots.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

#define MAX_PARAMS 32                  /* HL_HTTP_MAX_PARAMS in serve/server.h */
#define NOW INT64_C(1676424600)        /* 2023-02-15T09:30:00+08:00 */

static int hexval(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into a new NUL-terminated string ("+" -> space, %XX);
 * an embedded %00 ends the C string, as it does for MHD's callers. */
static char *decode(const char *s, size_t len) {
    char *out = malloc(len + 1);
    CHECK(out);
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '+')
            out[w++] = ' ';
        else if (s[i] == '%' && i + 2 < len &&
                 (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
                 (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            out[w++] = (char)(hi * 16 + lo);
            i += 2;
        } else
            out[w++] = s[i];
    }
    out[w] = '\0';
    return out;
}

/* A fake Redis: every bucket holds the same few fields. */
static hl_err_t fetch(void *opaque, const char *const *suffixes, size_t n, int each,
                      hl_strmap_t *out, char *errstr, size_t errstr_size) {
    (void)opaque;
    (void)errstr;
    (void)errstr_size;
    static const char *const fields[] = {
        "dt|JK|GOV.APPROVAL",     "dt|RZ|MKT.ARREARS",   "urgent|JK|GOV.APPROVAL",
        "dept|APPROVAL|GOV.APPROVAL", "park|GOV.APPROVAL|新区产业园", "appeal|complaint|GOV.APPROVAL",
        "kw|营业执照",            "dt|received|JK|GOV.APPROVAL", "garbage", "dt|XX|YY|ZZ"};
    for (size_t i = 0; i < n; i++) {
        CHECK(suffixes[i] && strlen(suffixes[i]) < 16);
        hl_strmap_t *m = each ? &out[i] : &out[0];
        if (each || i == 0)
            hl_strmap_clear(m);
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            hl_strmap_entry_t *e = hl_strmap_get(m, fields[f], strlen(fields[f]), NULL);
            CHECK(e);
            e->value += (int64_t)(f + 1);
        }
    }
    return HL_OK;
}

static void check_window(const hl_hs_request_t *req) {
    const hl_hs_window_t *w = &req->win;
    CHECK(w->from < w->to && w->prev_from < w->from);
    CHECK(w->from % 3600 == 0 && w->to % 3600 == 0 && w->prev_from % 3600 == 0);
    CHECK(memchr(w->name, '\0', sizeof w->name));
    hl_hs_bucket_t b[HL_HS_MAX_BUCKETS];
    CHECK(hl_hs_buckets(w->from, w->to, b, HL_HS_MAX_BUCKETS) > 0);
    CHECK(hl_hs_buckets(w->prev_from, w->from, b, HL_HS_MAX_BUCKETS) > 0);
    char t[32];
    hl_hs_format_time(w->from, t, sizeof t);
    CHECK(strlen(t) == 25);
}

static void run(hl_hs_kind_t kind, const char *const *keys, const char *const *vals, size_t n) {
    hl_hs_request_t req;
    char err[HL_ERRSTR_SIZE];
    err[0] = '\0';
    if (hl_hs_request_parse(&req, kind, keys, vals, n, NOW, err, sizeof err)) {
        CHECK(err[0] != '\0');
        return;
    }
    CHECK(req.top >= 1 && req.top <= HL_HS_MAX_TOP);
    CHECK(req.words >= 0 && req.words <= HL_HS_MAX_TOP);
    CHECK(req.days >= 1 && req.days <= HL_HS_MAX_TREND);
    CHECK(req.limit >= 1 && req.limit <= 10000);
    CHECK(req.sections && (req.sections & ~HL_HS_ALL) == 0);
    CHECK(strlen(req.park) <= 90 && hl_utf8_valid(req.park, strlen(req.park)));
    json_t *ans = NULL;
    switch (kind) {
    case HL_HS_KIND_HOTSPOTS:
        check_window(&req);
        ans = hl_hs_answer(&req, fetch, NULL, err, sizeof err);
        break;
    case HL_HS_KIND_TREND:
        ans = hl_hs_trend(&req, fetch, NULL, err, sizeof err);
        break;
    case HL_HS_KIND_ALERTS: {
        static const char *const texts[] = {
            "{\"type\":\"repeat\",\"id\":\"T1\",\"ts\":\"2023-02-15T08:00:00+08:00\"}",
            "{\"type\":\"urgent\",\"id\":\"T2\",\"ts\":\"2023-02-01T08:00:00+08:00\"}",
            "{\"type\":\"cluster\",\"id\":\"T3\",\"ts\":\"2023-02-15T08:00:00+08:00\"}",
            "{\"type\":\"multi\",\"id\":\"T4\",\"ts\":12}", "[1,2]"};
        size_t lens[5];
        for (int i = 0; i < 5; i++)
            lens[i] = strlen(texts[i]);
        ans = hl_hs_alerts(&req, texts, lens, 5);
        break;
    }
    }
    CHECK(ans);
    char *s = json_dumps(ans, JSON_COMPACT);
    CHECK(s);
    free(s);
    json_decref(ans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *q = (const char *)data;
    char *keys[MAX_PARAMS], *vals[MAX_PARAMS];
    size_t n = 0, pos = 0;
    while (pos < size) {
        const char *amp = memchr(q + pos, '&', size - pos);
        size_t end = amp ? (size_t)(amp - q) : size;
        if (end > pos) { /* MHD skips empty pairs ("a=1&&b=2") */
            if (n == MAX_PARAMS)
                goto done; /* serve/server.c answers 400 "too many parameters" */
            const char *eq = memchr(q + pos, '=', end - pos);
            size_t kend = eq ? (size_t)(eq - q) : end;
            keys[n] = decode(q + pos, kend - pos);
            vals[n] = eq ? decode(eq + 1, end - kend - 1) : NULL;
            n++;
        }
        pos = end + 1;
    }
    for (int kind = HL_HS_KIND_HOTSPOTS; kind <= HL_HS_KIND_ALERTS; kind++)
        run((hl_hs_kind_t)kind, (const char *const *)keys, (const char *const *)vals, n);
done:
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    return 0;
}
