/* hotspots.h: supervisors' hotspots as pure code (issue 5): window
 * arithmetic on the China Standard Time calendar, which hour/day bucket
 * hashes (docs/redis-keyspace.md) cover a window, aggregation of the summed
 * bucket fields into items by topic x district (or department, park,
 * environment, appeal type), filters, top N, rising items against the
 * previous window of the same length, hot words, and rendering as a table
 * for people or as JSON. Query parameters (CLI options and HTTP query
 * strings alike) are parsed and validated here, with messages fit for a 400.
 * Redis is reached only through a fetch callback the caller supplies, so
 * every function here can be unit tested without a server. No global state. */
#ifndef HL_HOTSPOTS_H
#define HL_HOTSPOTS_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "common/hl.h"
#include "common/strmap.h"

/* Bounds that keep the cost of one query small. */
#define HL_HS_MAX_DAYS 366    /* longest window (and the previous one as long) */
#define HL_HS_MAX_HOURS 168   /* longest "<N>h" window */
#define HL_HS_MAX_TOP 500     /* items / rising / hot words per answer */
#define HL_HS_MAX_TREND 400   /* days of a trend */
#define HL_HS_MAX_BUCKETS 420 /* bucket suffixes of one window (366 days + 2 x 23 hours) */
#define HL_HS_PARK_MAX 96     /* park name bytes (the keyspace keeps at most 90) */

/* A window [from, to) in Unix seconds, hour-aligned (CST), with the
 * previous window of the same length [prev_from, from). A quarter's previous
 * window is the quarter before. */
typedef struct hl_hs_window_s {
    int64_t from, to;
    int64_t prev_from;
    char name[24]; /* "1h" "24h" "7d" "30d" "2023Q1" or "range" */
} hl_hs_window_t;

/* What items are grouped by. Each grouping reads one family of bucket
 * fields: DT, TOPIC, DISTRICT, ENV and (with --urgent) URGENT read
 * dt|<district>|<topic> (urgent|…), DEPT dept|<dept>|<topic>, PARK
 * park|<topic>|<park>, APPEAL appeal|<appeal>|<topic>. */
typedef enum hl_hs_by_e {
    HL_HS_BY_DT = 0, /* district x topic (default) */
    HL_HS_BY_TOPIC,
    HL_HS_BY_DISTRICT,
    HL_HS_BY_ENV,
    HL_HS_BY_DEPT,   /* suggested department x topic */
    HL_HS_BY_PARK,   /* park x topic */
    HL_HS_BY_APPEAL, /* appeal type x topic */
} hl_hs_by_t;

/* Sections of an answer. */
#define HL_HS_ITEMS 1u
#define HL_HS_RISING 2u
#define HL_HS_WORDS 4u
#define HL_HS_ALL (HL_HS_ITEMS | HL_HS_RISING | HL_HS_WORDS)

/* What the endpoints / commands accept (for hl_hs_request_parse()). */
typedef enum hl_hs_kind_e {
    HL_HS_KIND_HOTSPOTS = 0, /* window, from, to, at, by, filters, top, min, words, urgent */
    HL_HS_KIND_TREND,        /* topic, district, env, days, at */
    HL_HS_KIND_ALERTS,       /* since, type, limit */
} hl_hs_kind_t;

/* A validated query. Filters are taxonomy indexes, -1 = any. */
typedef struct hl_hs_request_s {
    hl_hs_window_t win;
    hl_hs_by_t by;
    int urgent;   /* count only tickets flagged urgent (district x topic families) */
    int topic, district, dept, env, appeal;
    char park[HL_HS_PARK_MAX + 1]; /* "" = any */
    int top;      /* items and rising (default 20) */
    int min_count; /* rising: count in the window at least this (default 5) */
    int words;    /* hot words (default 20; 0 = none) */
    unsigned sections;
    /* trend */
    int days;     /* default 30 */
    int64_t at;   /* anchor (Unix seconds) */
    /* alerts */
    int64_t since; /* INT64_MIN = no bound */
    int alert_type; /* -1 any, else index into hl_hs_alert_types */
    int limit;      /* default 100 */
} hl_hs_request_t;

/* Alert type names, "repeat" "multi" "cluster" "urgent". */
extern const char *const hl_hs_alert_types[4];

/* Parses a time: RFC 3339 with an offset, "YYYY-MM-DDTHH:MM[:SS]" or
 * "YYYY-MM-DD" (both read as CST), or "now".
 * @returns 0 with Unix seconds in *out, or -1 with a message. */
int hl_hs_parse_time(const char *s, int64_t now, int64_t *out, char *errstr, size_t errstr_size);

/* Formats @p t as "YYYY-MM-DDTHH:MM:SS+08:00" into out (at least 26 bytes). */
void hl_hs_format_time(int64_t t, char *out, size_t size);

/* @returns the first CST hour boundary at or after @p t. */
int64_t hl_hs_hour_ceil(int64_t t);
/* @returns the first CST midnight at or after @p t. */
int64_t hl_hs_day_ceil(int64_t t);

/* Builds the window named @p spec ("<N>h" 1..168: ends at the first hour
 * boundary at or after @p at; "<N>d" 1..366: ends at the first CST midnight
 * at or after @p at; "YYYYQn": that quarter), or, when @p spec is NULL, the
 * range [from, to) (both on CST hour boundaries, at most 366 days).
 * @returns 0, or -1 with a message for a 400. */
int hl_hs_window_make(const char *spec, const int64_t *from, const int64_t *to, int64_t at,
                      hl_hs_window_t *w, char *errstr, size_t errstr_size);

/* One bucket hash suffix: "h:YYYYMMDDHH" or "d:YYYYMMDD". */
typedef struct hl_hs_bucket_s {
    char key[16];
} hl_hs_bucket_t;

/* The bucket suffixes that cover [from, to) exactly (both hour-aligned):
 * whole CST days as day buckets, the hours at the edges as hour buckets.
 * @returns the number written (at most @p max), or -1 when @p max is too
 * small or the bounds are not hour-aligned. */
int hl_hs_buckets(int64_t from, int64_t to, hl_hs_bucket_t *out, int max);

/* Parses and validates parameters (HTTP query string pairs or CLI options
 * as key/value pairs) for @p kind into @p req, defaults first. Keys:
 * window from to at by urgent topic district dept env appeal park top min
 * words sections | days | since type limit. Unknown or repeated keys, bad
 * values and conflicting filters are errors.
 * @returns 0, or -1 with a message naming the parameter. */
int hl_hs_request_parse(hl_hs_request_t *req, hl_hs_kind_t kind, const char *const *keys,
                        const char *const *vals, size_t n, int64_t now, char *errstr,
                        size_t errstr_size);

/* Reads Redis for the pure core: sums, over every partition of the topic,
 * the hashes "hl:{T:P}:<suffix>" for suffixes[0..n). With @p each == 0 all
 * of them are summed into out[0]; with 1, suffix i into out[i]. Maps are
 * cleared first. @returns HL_OK or an error with a message. */
typedef hl_err_t (*hl_hs_fetch_fn)(void *opaque, const char *const *suffixes, size_t n, int each,
                                   hl_strmap_t *out, char *errstr, size_t errstr_size);

/* Answers a hotspots query: reads the window's and the previous window's
 * buckets through @p fetch and builds
 * {"window":{"name","from","to","previous":{"from","to"}},"by","urgent",
 *  "filters":{…},"total","previous_total","items":[…],"rising":[…],
 *  "hot_words":[{"keyword","count","previous"}…]} (sections as requested).
 * @returns a new JSON object (json_decref) or NULL with a message. */
json_t *hl_hs_answer(const hl_hs_request_t *req, hl_hs_fetch_fn fetch, void *opaque, char *errstr,
                     size_t errstr_size);

/* The pure step of hl_hs_answer(): from the summed fields of the window
 * (@p cur) and of the previous window (@p prev).
 * @returns a new JSON object or NULL when out of memory. */
json_t *hl_hs_aggregate(const hl_hs_request_t *req, const hl_strmap_t *cur, const hl_strmap_t *prev);

/* Answers a trend query: tickets per CST day over the @p req->days days
 * ending with the day of req->at, with the request's filters (topic,
 * district, env):
 * {"topic":…|null,"district":…|null,"env":…|null,"from","to","days":[{"date":"2023-02-15","count":N}…],"total"}.
 * @returns a new JSON object or NULL with a message. */
json_t *hl_hs_trend(const hl_hs_request_t *req, hl_hs_fetch_fn fetch, void *opaque, char *errstr,
                    size_t errstr_size);

/* Merges alert lists (JSON texts as written by the ingester, one array per
 * partition) into {"alerts":[…]}: newest first (ts, then id), those at or
 * after req->since and of req->alert_type only, at most req->limit.
 * Elements that are not alert objects are skipped.
 * @returns a new JSON object or NULL when out of memory. */
json_t *hl_hs_alerts(const hl_hs_request_t *req, const char *const *texts, const size_t *lens,
                     size_t n);

/* Writes a hotspots answer (from hl_hs_answer()) as tables for people,
 * Chinese names beside the codes. */
void hl_hs_print(FILE *out, const json_t *answer);

/* Writes an alerts answer (from hl_hs_alerts()) as a table. */
void hl_hs_print_alerts(FILE *out, const json_t *answer);

/* @returns the display width of UTF-8 text in a terminal (CJK counts 2). */
int hl_hs_width(const char *s);

#endif
