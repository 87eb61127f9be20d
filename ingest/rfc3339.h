/* rfc3339.h: timestamps of the input contract (RFC 3339 with an offset) and
 * the China Standard Time (UTC+8) calendar every count is bucketed by. Pure. */
#ifndef HL_RFC3339_H
#define HL_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* Earliest and latest instants accepted (2000-01-01 .. 2099-12-31, UTC):
 * anything else is an impossible value for a hotline ticket. */
#define HL_TS_MIN INT64_C(946684800)
#define HL_TS_MAX INT64_C(4102444799)

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" from s[0..len).
 * @returns 0 and the instant as Unix seconds in *out (fraction dropped), or
 * -1 when the text is not such a timestamp, names an impossible date or time,
 * or falls outside HL_TS_MIN..HL_TS_MAX. */
int hl_rfc3339_parse(const char *s, size_t len, int64_t *out);

/* The calendar position of an instant in China Standard Time. */
typedef struct hl_cst_s {
    int year, month, day, hour, minute, second;
    int quarter; /* 1..4 */
} hl_cst_t;

/* Converts Unix seconds to CST calendar fields. */
void hl_cst_from_unix(int64_t t, hl_cst_t *out);

/* Writes the quarter "2023Q1" of @p t (CST) into out (at least 8 bytes).
 * Years before 1 (never a ticket's) are written as 0000. */
void hl_cst_quarter(int64_t t, char *out, size_t size);

/* Writes @p t as RFC 3339 in CST, "2023-02-15T09:31:00+08:00" (26 bytes
 * with the NUL), into @p out, cut to @p size like snprintf; years before 1
 * as 0000. Formatted by hand: one call per classified-feed message. */
void hl_cst_format(int64_t t, char *out, size_t size);

/* Days since 1970-01-01 of the civil date (proleptic Gregorian). */
int64_t hl_days_from_civil(int y, int m, int d);

#endif
