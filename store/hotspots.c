/* hotspots.c: times, windows, bucket coverage and parameter validation.
 * Aggregation is in hotspots_agg.c, rendering in hotspots_render.c. */
#include "store/hotspots.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/taxonomy.h"
#include "common/utf8.h"
#include "ingest/rfc3339.h"
#include "store/hotspots_int.h"

#define CST_OFFSET (8 * 3600)

const char *const hl_hs_alert_types[4] = {"repeat", "multi", "cluster", "urgent"};

const hl_label_t hl_hs_appeals[HL_HS_APPEAL_COUNT] = {
    {"complaint", "投诉"}, {"report", "举报"},     {"inquiry", "咨询"},
    {"suggestion", "建议"}, {"help", "求助"}, {"praise", "表扬"},
};

const char *const hl_hs_by_names[HL_HS_BY_COUNT] = {"dt",   "topic", "district", "env",
                                                    "dept", "park",  "appeal"};

/* Floor division for negative instants too. */
static int64_t floordiv(int64_t a, int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t hl_hs_hour_ceil(int64_t t) {
    return -floordiv(-t, 3600) * 3600;
}

int64_t hl_hs_day_ceil(int64_t t) {
    return -floordiv(-(t + CST_OFFSET), 86400) * 86400 - CST_OFFSET;
}

void hl_hs_format_time(int64_t t, char *out, size_t size) {
    hl_cst_format(t, out, size);
}

/* Reads exactly @p n digits at s. @returns the value or -1. */
static int digits(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* CST civil time to Unix seconds; -1 when the fields name no such time. */
static int cst_make(int y, int mo, int d, int h, int mi, int se, int64_t *out) {
    if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || se < 0 || se > 59)
        return -1;
    int64_t t = hl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - CST_OFFSET;
    hl_cst_t c;
    hl_cst_from_unix(t, &c);
    if (c.day != d || c.month != mo) /* 2023-02-30 */
        return -1;
    *out = t;
    return 0;
}

int hl_hs_parse_time(const char *s, int64_t now, int64_t *out, char *errstr, size_t errstr_size) {
    size_t len = strlen(s);
    if (strcmp(s, "now") == 0) {
        *out = now;
        return 0;
    }
    if (hl_rfc3339_parse(s, len, out) == 0)
        return 0;
    /* YYYY-MM-DD, YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MM:SS (CST) */
    if ((len == 10 || len == 16 || len == 19) && s[4] == '-' && s[7] == '-') {
        int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = 0, mi = 0, se = 0;
        int ok = y >= 0 && mo >= 0 && d >= 0;
        if (len >= 16) {
            ok = ok && (s[10] == 'T' || s[10] == ' ') && s[13] == ':';
            h = digits(s + 11, 2);
            mi = digits(s + 14, 2);
            ok = ok && h >= 0 && mi >= 0;
        }
        if (len == 19) {
            se = digits(s + 17, 2);
            ok = ok && s[16] == ':' && se >= 0;
        }
        if (ok && cst_make(y, mo, d, h, mi, se, out) == 0)
            return 0;
    }
    hl_seterr(errstr, errstr_size,
              "not a time (want RFC 3339 like 2023-02-15T09:00:00+08:00, or 2023-02-15, or "
              "2023-02-15T09:00 in CST, or now)");
    return -1;
}

/* Start of quarter @p q (1..4) of year @p y, CST. */
static int64_t quarter_start(int y, int q) {
    while (q < 1) {
        q += 4;
        y--;
    }
    while (q > 4) {
        q -= 4;
        y++;
    }
    return hl_days_from_civil(y, (q - 1) * 3 + 1, 1) * 86400 - CST_OFFSET;
}

/* Parses a positive decimal integer of at most 9 digits followed by @p unit. */
static int count_with_unit(const char *s, char unit, long *n) {
    size_t len = strlen(s);
    if (len < 2 || len > 10 || s[len - 1] != unit)
        return -1;
    long v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *n = v;
    return 0;
}

int hl_hs_window_make(const char *spec, const int64_t *from, const int64_t *to, int64_t at,
                      hl_hs_window_t *w, char *errstr, size_t errstr_size) {
    memset(w, 0, sizeof *w);
    long n;
    if (spec) {
        if (count_with_unit(spec, 'h', &n) == 0) {
            if (n < 1 || n > HL_HS_MAX_HOURS) {
                hl_seterr(errstr, errstr_size, "window %s: hours must be 1..%d", spec,
                          HL_HS_MAX_HOURS);
                return -1;
            }
            w->to = hl_hs_hour_ceil(at);
            w->from = w->to - n * 3600;
        } else if (count_with_unit(spec, 'd', &n) == 0) {
            if (n < 1 || n > HL_HS_MAX_DAYS) {
                hl_seterr(errstr, errstr_size, "window %s: days must be 1..%d", spec,
                          HL_HS_MAX_DAYS);
                return -1;
            }
            w->to = hl_hs_day_ceil(at);
            w->from = w->to - n * 86400;
        } else if (strlen(spec) == 6 && spec[4] == 'Q' && digits(spec, 4) >= 2000 &&
                   digits(spec, 4) <= 2099 && spec[5] >= '1' && spec[5] <= '4') {
            int y = digits(spec, 4), q = spec[5] - '0';
            w->from = quarter_start(y, q);
            w->to = quarter_start(y, q + 1);
            w->prev_from = quarter_start(y, q - 1);
            snprintf(w->name, sizeof w->name, "%s", spec);
            return 0;
        } else {
            hl_seterr(errstr, errstr_size,
                      "window \"%.40s\": want <N>h (1..%d), <N>d (1..%d) or a quarter like "
                      "2023Q1",
                      spec, HL_HS_MAX_HOURS, HL_HS_MAX_DAYS);
            return -1;
        }
        snprintf(w->name, sizeof w->name, "%s", spec);
    } else {
        if (!from || !to) {
            hl_seterr(errstr, errstr_size, "from and to go together");
            return -1;
        }
        if (*from % 3600 || *to % 3600) {
            hl_seterr(errstr, errstr_size, "from and to must fall on whole hours (the buckets are hourly)");
            return -1;
        }
        if (*from >= *to) {
            hl_seterr(errstr, errstr_size, "from must be before to");
            return -1;
        }
        if (*to - *from > (int64_t)HL_HS_MAX_DAYS * 86400) {
            hl_seterr(errstr, errstr_size, "window longer than %d days", HL_HS_MAX_DAYS);
            return -1;
        }
        w->from = *from;
        w->to = *to;
        snprintf(w->name, sizeof w->name, "range");
    }
    w->prev_from = w->from - (w->to - w->from);
    return 0;
}

static void bucket_name(int64_t t, int day, hl_hs_bucket_t *b) {
    hl_cst_t c;
    hl_cst_from_unix(t, &c);
    if (day)
        snprintf(b->key, sizeof b->key, "d:%04d%02d%02d", c.year, c.month, c.day);
    else
        snprintf(b->key, sizeof b->key, "h:%04d%02d%02d%02d", c.year, c.month, c.day, c.hour);
}

int hl_hs_buckets(int64_t from, int64_t to, hl_hs_bucket_t *out, int max) {
    if (from % 3600 || to % 3600 || from > to)
        return -1;
    int n = 0;
    for (int64_t t = from; t < to;) {
        if (n == max)
            return -1;
        int day = (t + CST_OFFSET) % 86400 == 0 && t + 86400 <= to;
        bucket_name(t, day, &out[n++]);
        t += day ? 86400 : 3600;
    }
    return n;
}

/* ---- parameters ---- */

enum {
    P_WINDOW, P_FROM, P_TO, P_AT, P_BY, P_URGENT, P_TOPIC, P_DISTRICT, P_DEPT, P_ENV, P_APPEAL,
    P_PARK, P_TOP, P_MIN, P_WORDS, P_SECTIONS, P_DAYS, P_SINCE, P_TYPE, P_LIMIT, P_COUNT
};

static const struct {
    const char *name;
    unsigned kinds; /* bit per hl_hs_kind_t */
} params[P_COUNT] = {
    [P_WINDOW] = {"window", 1}, [P_FROM] = {"from", 1},      [P_TO] = {"to", 1},
    [P_AT] = {"at", 3},         [P_BY] = {"by", 1},          [P_URGENT] = {"urgent", 1},
    [P_TOPIC] = {"topic", 3},   [P_DISTRICT] = {"district", 3}, [P_DEPT] = {"dept", 1},
    [P_ENV] = {"env", 3},       [P_APPEAL] = {"appeal", 1},  [P_PARK] = {"park", 1},
    [P_TOP] = {"top", 1},       [P_MIN] = {"min", 1},        [P_WORDS] = {"words", 1},
    [P_SECTIONS] = {"sections", 1}, [P_DAYS] = {"days", 2},  [P_SINCE] = {"since", 4},
    [P_TYPE] = {"type", 4},     [P_LIMIT] = {"limit", 4},
};

static int int_param(const char *name, const char *v, long lo, long hi, int *out, char *errstr,
                     size_t errstr_size) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!isdigit((unsigned char)*v) || *end || errno || n < lo || n > hi) {
        hl_seterr(errstr, errstr_size, "%s must be an integer %ld..%ld", name, lo, hi);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int label_find(const hl_label_t *labels, int n, const char *v) {
    for (int i = 0; i < n; i++)
        if (strcmp(labels[i].code, v) == 0 || strcmp(labels[i].name_zh, v) == 0)
            return i;
    return -1;
}

static int topic_param(const char *v) {
    int t = hl_topic_find(v, strlen(v));
    if (t >= 0)
        return t;
    for (int i = 0; i < HL_TOPIC_COUNT; i++)
        if (strcmp(hl_topics[i].name_zh, v) == 0)
            return i;
    return -1;
}

static int district_param(const char *v) {
    int d = label_find(hl_districts, HL_DISTRICT_COUNT, v);
    if (d >= 0)
        return d;
    d = hl_district_find(v, strlen(v));
    return d == HL_DISTRICT_UNK ? -1 : d;
}

/* The family of bucket fields a grouping reads. */
hl_hs_family_t hl_hs_family(hl_hs_by_t by) {
    switch (by) {
    case HL_HS_BY_DEPT:
        return HL_HS_FAM_DEPT;
    case HL_HS_BY_PARK:
        return HL_HS_FAM_PARK;
    case HL_HS_BY_APPEAL:
        return HL_HS_FAM_APPEAL;
    default:
        return HL_HS_FAM_DT;
    }
}

static int valid_text(const char *v, size_t max) {
    size_t len = strlen(v);
    if (len > max)
        return 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = hl_utf8_decode((const unsigned char *)v + i, len - i, &cp);
        if (!k || cp < 0x20 || cp == 0x7F)
            return 0;
        i += k;
    }
    return 1;
}

int hl_hs_request_parse(hl_hs_request_t *req, hl_hs_kind_t kind, const char *const *keys,
                        const char *const *vals, size_t n, int64_t now, char *errstr,
                        size_t errstr_size) {
    memset(req, 0, sizeof *req);
    req->by = HL_HS_BY_DT;
    req->topic = req->district = req->dept = req->env = req->appeal = req->alert_type = -1;
    req->top = 20;
    req->min_count = 5;
    req->words = 20;
    req->sections = HL_HS_ALL;
    req->days = 30;
    req->at = now;
    req->since = INT64_MIN;
    req->limit = 100;
    const char *seen[P_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        int p = 0;
        while (p < P_COUNT && strcmp(params[p].name, keys[i]) != 0)
            p++;
        if (p == P_COUNT || !(params[p].kinds & (1u << kind))) {
            hl_seterr(errstr, errstr_size, "unknown parameter \"%.40s\"", keys[i]);
            return -1;
        }
        if (seen[p]) {
            hl_seterr(errstr, errstr_size, "parameter %s given twice", keys[i]);
            return -1;
        }
        if (!vals[i] || !*vals[i]) {
            hl_seterr(errstr, errstr_size, "parameter %s needs a value", keys[i]);
            return -1;
        }
        if (strlen(vals[i]) > 256) {
            hl_seterr(errstr, errstr_size, "parameter %s is too long", keys[i]);
            return -1;
        }
        seen[p] = vals[i];
    }
    char msg[HL_ERRSTR_SIZE];
    int64_t from = 0, to = 0;
    if (seen[P_AT] && hl_hs_parse_time(seen[P_AT], now, &req->at, msg, sizeof msg))
        goto bad_time_at;
    if (seen[P_FROM] && hl_hs_parse_time(seen[P_FROM], now, &from, msg, sizeof msg)) {
        hl_seterr(errstr, errstr_size, "from: %s", msg);
        return -1;
    }
    if (seen[P_TO] && hl_hs_parse_time(seen[P_TO], now, &to, msg, sizeof msg)) {
        hl_seterr(errstr, errstr_size, "to: %s", msg);
        return -1;
    }
    if (seen[P_SINCE] && hl_hs_parse_time(seen[P_SINCE], now, &req->since, msg, sizeof msg)) {
        hl_seterr(errstr, errstr_size, "since: %s", msg);
        return -1;
    }
    if (kind == HL_HS_KIND_HOTSPOTS) {
        if (seen[P_WINDOW] && (seen[P_FROM] || seen[P_TO])) {
            hl_seterr(errstr, errstr_size, "give either window or from and to, not both");
            return -1;
        }
        if ((seen[P_FROM] || seen[P_TO]) && seen[P_AT]) {
            hl_seterr(errstr, errstr_size, "at anchors a named window; from and to need none");
            return -1;
        }
        int r = seen[P_FROM] || seen[P_TO]
                    ? hl_hs_window_make(NULL, seen[P_FROM] ? &from : NULL, seen[P_TO] ? &to : NULL,
                                        req->at, &req->win, msg, sizeof msg)
                    : hl_hs_window_make(seen[P_WINDOW] ? seen[P_WINDOW] : "24h", NULL, NULL,
                                        req->at, &req->win, msg, sizeof msg);
        if (r) {
            hl_seterr(errstr, errstr_size, "%s", msg);
            return -1;
        }
    }
    if (seen[P_BY]) {
        int b = 0;
        while (b < HL_HS_BY_COUNT && strcmp(hl_hs_by_names[b], seen[P_BY]) != 0)
            b++;
        if (b == HL_HS_BY_COUNT) {
            hl_seterr(errstr, errstr_size,
                      "by must be one of dt, topic, district, env, dept, park, appeal");
            return -1;
        }
        req->by = (hl_hs_by_t)b;
    }
    if (seen[P_URGENT]) {
        const char *v = seen[P_URGENT];
        if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
            req->urgent = 1;
        else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0) {
            hl_seterr(errstr, errstr_size, "urgent must be 0, 1, true or false");
            return -1;
        }
    }
    if (seen[P_TOPIC] && (req->topic = topic_param(seen[P_TOPIC])) < 0) {
        hl_seterr(errstr, errstr_size, "unknown topic \"%.40s\" (codes like GOV.APPROVAL)",
                  seen[P_TOPIC]);
        return -1;
    }
    if (seen[P_DISTRICT] && (req->district = district_param(seen[P_DISTRICT])) < 0) {
        hl_seterr(errstr, errstr_size, "unknown district \"%.40s\" (codes like JK, or UNK)",
                  seen[P_DISTRICT]);
        return -1;
    }
    if (seen[P_DEPT] && (req->dept = hl_dept_find(seen[P_DEPT], strlen(seen[P_DEPT]))) < 0) {
        hl_seterr(errstr, errstr_size, "unknown department \"%.40s\" (codes like APPROVAL)",
                  seen[P_DEPT]);
        return -1;
    }
    if (seen[P_ENV] && (req->env = label_find(hl_envs, HL_ENV_COUNT, seen[P_ENV])) < 0) {
        hl_seterr(errstr, errstr_size, "unknown env \"%.40s\" (POL MKT GOV LAW HUM OTHER)",
                  seen[P_ENV]);
        return -1;
    }
    if (seen[P_APPEAL] &&
        (req->appeal = label_find(hl_hs_appeals, HL_HS_APPEAL_COUNT, seen[P_APPEAL])) < 0) {
        hl_seterr(errstr, errstr_size,
                  "unknown appeal \"%.40s\" (complaint report inquiry suggestion help praise)",
                  seen[P_APPEAL]);
        return -1;
    }
    if (seen[P_PARK]) {
        if (!valid_text(seen[P_PARK], 90)) {
            hl_seterr(errstr, errstr_size, "park must be UTF-8 text of at most 90 bytes");
            return -1;
        }
        snprintf(req->park, sizeof req->park, "%s", seen[P_PARK]);
    }
    if (seen[P_TOP] && int_param("top", seen[P_TOP], 1, HL_HS_MAX_TOP, &req->top, errstr, errstr_size))
        return -1;
    if (seen[P_MIN] && int_param("min", seen[P_MIN], 1, 1000000000, &req->min_count, errstr, errstr_size))
        return -1;
    if (seen[P_WORDS] &&
        int_param("words", seen[P_WORDS], 0, HL_HS_MAX_TOP, &req->words, errstr, errstr_size))
        return -1;
    if (seen[P_DAYS] && int_param("days", seen[P_DAYS], 1, HL_HS_MAX_TREND, &req->days, errstr, errstr_size))
        return -1;
    if (seen[P_LIMIT] && int_param("limit", seen[P_LIMIT], 1, 10000, &req->limit, errstr, errstr_size))
        return -1;
    if (seen[P_TYPE]) {
        for (int t = 0; t < 4; t++)
            if (strcmp(hl_hs_alert_types[t], seen[P_TYPE]) == 0)
                req->alert_type = t;
        if (req->alert_type < 0) {
            hl_seterr(errstr, errstr_size, "type must be one of repeat, multi, cluster, urgent");
            return -1;
        }
    }
    if (seen[P_SECTIONS]) {
        req->sections = 0;
        const char *s = seen[P_SECTIONS];
        while (*s) {
            size_t l = strcspn(s, ",");
            if (l == 5 && strncmp(s, "items", 5) == 0)
                req->sections |= HL_HS_ITEMS;
            else if (l == 6 && strncmp(s, "rising", 6) == 0)
                req->sections |= HL_HS_RISING;
            else if (l == 5 && strncmp(s, "words", 5) == 0)
                req->sections |= HL_HS_WORDS;
            else {
                hl_seterr(errstr, errstr_size, "sections: a comma list of items, rising, words");
                return -1;
            }
            s += l + (s[l] == ',');
        }
        if (!req->sections) {
            hl_seterr(errstr, errstr_size, "sections: a comma list of items, rising, words");
            return -1;
        }
    }
    /* Filters must exist in the field family the grouping reads. */
    hl_hs_family_t fam = hl_hs_family(req->by);
    const char *by = hl_hs_by_names[req->by];
    if (req->dept >= 0 && fam != HL_HS_FAM_DEPT) {
        hl_seterr(errstr, errstr_size, "dept filters only by=dept (departments are counted per topic, not per district)");
        return -1;
    }
    if (req->park[0] && fam != HL_HS_FAM_PARK) {
        hl_seterr(errstr, errstr_size, "park filters only by=park (parks are counted per topic, not per district)");
        return -1;
    }
    if (req->appeal >= 0 && fam != HL_HS_FAM_APPEAL) {
        hl_seterr(errstr, errstr_size, "appeal filters only by=appeal (appeal types are counted per topic, not per district)");
        return -1;
    }
    if (req->district >= 0 && fam != HL_HS_FAM_DT && kind == HL_HS_KIND_HOTSPOTS) {
        hl_seterr(errstr, errstr_size, "district cannot filter by=%s (that count has no district)", by);
        return -1;
    }
    if (req->urgent && fam != HL_HS_FAM_DT) {
        hl_seterr(errstr, errstr_size, "urgent goes with by=dt, topic, district or env, not by=%s", by);
        return -1;
    }
    return 0;
bad_time_at:
    hl_seterr(errstr, errstr_size, "at: %s", msg);
    return -1;
}
