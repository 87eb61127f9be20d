/* report.h: the quarterly health check (季度体检, issue 6) as pure code.
 *
 * Input: the cohort counters of a quarter (docs/redis-keyspace.md, hash
 * `q:<quarter>` summed over partitions, field "<dimension>|<metric>|<value>"
 * -> count) and those of the previous quarter and of the same quarter a year
 * before, as plain hl_strmap_t maps; and the card rules (config/cards.tsv).
 * Output: an hl_report_t (totals and changes, by environment, topic,
 * department, district and park, hotspots, rising topics, red/yellow/green
 * cards, ranking) and its renderings: JSON (docs/report-schema.md), Markdown,
 * CSV and a printable HTML bulletin with inline SVG charts.
 *
 * Everything is deterministic: the same maps and rules give byte-identical
 * renderings (fixed orders, fixed number formats, no clock). No I/O here
 * apart from hl_report_rules_load(), a thin wrapper that reads a file into
 * hl_report_rules_parse(). No global mutable state. */
#ifndef HL_REPORT_H
#define HL_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hl.h"
#include "common/strmap.h"
#include "common/taxonomy.h"

/* Version of the JSON document (field "schema"); docs/report-schema.md. */
#define HL_REPORT_SCHEMA 1

/* Counter metrics, in the order of every rendering. */
typedef enum hl_report_metric_e {
    HL_RPT_RECEIVED = 0,
    HL_RPT_DISPATCHED,
    HL_RPT_RESOLVED,
    HL_RPT_RESOLVED_ON_TIME,
    HL_RPT_REOPENED,
    HL_RPT_REVIEWED,
    HL_RPT_SATISFIED,
    HL_RPT_BASICALLY_SATISFIED,
    HL_RPT_DISSATISFIED,
    HL_RPT_AGREE, /* dispatched to the suggested department */
    HL_RPT_NMETRICS
} hl_report_metric_t;

/* Derived rates (ticket-events.md); null when the denominator is 0. */
typedef enum hl_report_rate_e {
    HL_RPT_DISPATCH_RATE = 0, /* dispatched / received */
    HL_RPT_RESOLUTION_RATE,   /* resolved / received */
    HL_RPT_ON_TIME_RATE,      /* resolved_on_time / resolved */
    HL_RPT_REOPEN_RATE,       /* reopened / received */
    HL_RPT_SATISFACTION_RATE, /* (satisfied + basically_satisfied) / reviewed */
    HL_RPT_AGREEMENT_RATE,    /* agree / dispatched */
    HL_RPT_NRATES
} hl_report_rate_t;

/* Field names: "received", ... (metrics) and "dispatch_rate", ... (rates). */
extern const char *const hl_report_metric_names[HL_RPT_NMETRICS];
extern const char *const hl_report_rate_names[HL_RPT_NRATES];

typedef struct hl_report_counts_s {
    int64_t n[HL_RPT_NMETRICS];
} hl_report_counts_t;

/* @brief Computes rate @p rate of @p c.
 * @returns 1 with *out set, or 0 when the rate is null (denominator 0). */
int hl_report_rate(const hl_report_counts_t *c, hl_report_rate_t rate, double *out);

/* ---- card rules (config/cards.tsv) -------------------------------------- */

typedef enum hl_report_scope_e {
    HL_RPT_SCOPE_DEPARTMENT = 0,
    HL_RPT_SCOPE_DISTRICT,
    HL_RPT_SCOPE_PARK,
    HL_RPT_NSCOPES
} hl_report_scope_t;

typedef enum hl_report_card_e {
    HL_RPT_CARD_NONE = 0, /* not graded: fewer tickets than the scope's minimum */
    HL_RPT_CARD_GREEN,
    HL_RPT_CARD_YELLOW,
    HL_RPT_CARD_RED,
} hl_report_card_t;

/* What a condition term reads from a unit. Rates and growth are fractions
 * (0.85 = 85 %); a term whose value is null is false. */
typedef enum hl_report_cmetric_e {
    HL_RPT_C_SATISFACTION = 0,
    HL_RPT_C_ON_TIME,
    HL_RPT_C_RESOLUTION,
    HL_RPT_C_DISPATCH,
    HL_RPT_C_REOPEN,
    HL_RPT_C_AGREEMENT,
    HL_RPT_C_GROWTH, /* (received - previous quarter's) / previous quarter's */
    HL_RPT_C_RECEIVED,
    HL_RPT_C_DISSATISFIED, /* count */
    HL_RPT_NCMETRICS
} hl_report_cmetric_t;

typedef enum hl_report_op_e { HL_RPT_LT = 0, HL_RPT_LE, HL_RPT_GT, HL_RPT_GE } hl_report_op_t;

#define HL_RPT_MAX_TERMS 8
#define HL_RPT_ID_MAX 32
#define HL_RPT_COND_MAX 160
#define HL_RPT_TEXT_MAX 240

typedef struct hl_report_term_s {
    hl_report_cmetric_t metric;
    hl_report_op_t op;
    double threshold;
} hl_report_term_t;

/* One rule, or the pseudo-rules "min_received" (ungraded) and "default"
 * (no rule matched) that a card may also record. */
typedef struct hl_report_rule_s {
    char id[HL_RPT_ID_MAX + 1];
    int line; /* line in the rules file */
    hl_report_scope_t scope;
    hl_report_card_t card;
    int nterms;
    hl_report_term_t terms[HL_RPT_MAX_TERMS]; /* all must hold */
    char cond[HL_RPT_COND_MAX + 1];           /* as written, e.g. "satisfaction < 0.8" */
    char text[HL_RPT_TEXT_MAX + 1];           /* description for people */
} hl_report_rule_t;

typedef struct hl_report_rules_s {
    hl_report_rule_t *rules; /* in file order: the first that matches gives the card */
    size_t count;
    int graded[HL_RPT_NSCOPES];          /* a "grade" line exists for the scope */
    int64_t min_received[HL_RPT_NSCOPES]; /* fewer tickets: not graded */
    hl_report_card_t default_card[HL_RPT_NSCOPES];
    int grade_line[HL_RPT_NSCOPES];
    int hotspots_top;        /* option hotspots_top (default 10) */
    int rising_top;          /* option rising_top (default 5) */
    int64_t rising_min_prev; /* option rising_min_prev (default 10) */
} hl_report_rules_t;

/* @brief Parses card rules from @p buf (format: config/cards.tsv, docs/report-schema.md).
 * @p source names the buffer in messages ("config/cards.tsv").
 * @returns new rules (free with hl_report_rules_destroy()), or NULL with
 * "source:line: message" in @p errstr. */
hl_report_rules_t *hl_report_rules_parse(const char *buf, size_t len, const char *source,
                                         char *errstr, size_t errstr_size);

/* @brief Reads file @p path and parses it with hl_report_rules_parse().
 * @returns new rules or NULL with "path:line: message" (or "path: reason"). */
hl_report_rules_t *hl_report_rules_load(const char *path, char *errstr, size_t errstr_size);

/* @brief Frees @p rules; NULL is allowed. */
void hl_report_rules_destroy(hl_report_rules_t *rules);

/* @returns the static name of a card ("red", "yellow", "green", "none"), scope
 * ("department", "district", "park") or condition metric ("satisfaction", ...). */
const char *hl_report_card_name(hl_report_card_t card);
const char *hl_report_scope_name(hl_report_scope_t scope);
const char *hl_report_cmetric_name(hl_report_cmetric_t m);

/* ---- the report ---------------------------------------------------------- */

/* A reporting unit: an environment, topic, department, district or park. */
typedef struct hl_report_unit_s {
    char *code;          /* owned: taxonomy code, or the park's name */
    const char *name_zh; /* static Chinese name; NULL for parks */
    hl_report_counts_t c;
    int64_t prev_received; /* the unit's received in the previous quarter */
    int64_t mix[HL_TOPIC_COUNT]; /* districts: received by topic (dt|…); else zeros */
    /* cards (departments, districts, parks of graded scopes, received > 0) */
    int carded;
    hl_report_card_t card;
    hl_report_rule_t rule; /* the rule that gave the card (a copy) */
    int rank;              /* 1-based rank in its scope; 0 = not ranked */
} hl_report_unit_t;

typedef struct hl_report_hotspot_s {
    int district, topic; /* taxonomy indexes */
    int64_t received, prev_received;
} hl_report_hotspot_t;

typedef struct hl_report_rising_s {
    int topic;
    int64_t received, prev_received;
} hl_report_rising_t;

typedef struct hl_report_s {
    char quarter[8], prev_quarter[8], year_ago_quarter[8]; /* "2023Q1" "2022Q4" "2022Q1" */
    hl_report_counts_t totals, prev_totals, year_ago_totals;
    int64_t unclassified; /* topic OTHER received */
    hl_report_unit_t env[HL_ENV_COUNT];
    hl_report_unit_t topic[HL_TOPIC_COUNT];
    hl_report_unit_t dept[HL_DEPT_COUNT];
    hl_report_unit_t district[HL_DISTRICT_COUNT];
    hl_report_unit_t *parks; /* sorted by name (bytes) */
    size_t nparks;
    hl_report_hotspot_t *hotspots; /* top district x topic by received */
    size_t nhotspots;
    hl_report_rising_t *rising; /* fastest-rising topics vs the previous quarter */
    size_t nrising;
    int dept_rank[HL_DEPT_COUNT]; /* department indexes in ranking order */
    size_t ndept_rank;
    int district_rank[HL_DISTRICT_COUNT];
    size_t ndistrict_rank;
} hl_report_t;

/* @brief Parses "2023Q1" into year and quarter (1-4).
 * @returns 0 on success, -1 when @p s is not YYYYQn (year 1970-9999). */
int hl_report_quarter_parse(const char *s, int *year, int *quarter);

/* @brief Writes the quarter @p delta quarters away from @p quarter (e.g.
 * -1: previous, -4: a year before) into @p out (at least 8 bytes).
 * @returns 0, or -1 when @p quarter does not parse or the result is out of range. */
int hl_report_quarter_shift(const char *quarter, int delta, char *out, size_t out_size);

/* @brief Builds the report of @p quarter from its counters @p cur and those
 * of the previous quarter @p prev and of a year before @p year_ago (NULL or
 * empty maps: no data). Fields of unknown dimensions or codes are ignored.
 * @returns a new report (free with hl_report_destroy()), or NULL with a
 * message (bad quarter, out of memory). The maps and rules are borrowed. */
hl_report_t *hl_report_build(const char *quarter, const hl_strmap_t *cur, const hl_strmap_t *prev,
                             const hl_strmap_t *year_ago, const hl_report_rules_t *rules,
                             char *errstr, size_t errstr_size);

/* @brief Frees @p rpt; NULL is allowed. */
void hl_report_destroy(hl_report_t *rpt);

/* @returns the report as a new JSON document of docs/report-schema.md
 * (free with json_decref()), or NULL when out of memory. */
json_t *hl_report_to_json(const hl_report_t *rpt);

typedef enum hl_report_format_e {
    HL_RPT_FMT_JSON = 0,   /* compact, one line, ends with "\n" */
    HL_RPT_FMT_MARKDOWN,
    HL_RPT_FMT_CSV,        /* one row per unit (totals, env, topic, dept, district, park) */
    HL_RPT_FMT_CSV_HOTSPOTS, /* hotspots and rising topics */
    HL_RPT_FMT_HTML,       /* self-contained bulletin with inline SVG charts */
} hl_report_format_t;

/* @brief Renders @p rpt.
 * @returns a new NUL-terminated string (free with free()), or NULL when out
 * of memory. The same report always gives the same bytes. */
char *hl_report_render(const hl_report_t *rpt, hl_report_format_t fmt);

/* @brief One call for the ingester: builds the report of @p quarter from the
 * three maps and renders its JSON (the exact bytes `hotline report --format
 * json` prints and `--emit` publishes, newline included).
 * @returns a new string (free with free()), or NULL with a message. */
char *hl_report_json_for(const hl_strmap_t *this_q, const hl_strmap_t *prev_q,
                         const hl_strmap_t *year_ago_q, const char *quarter,
                         const hl_report_rules_t *rules, char *errstr, size_t errstr_size);

#endif
