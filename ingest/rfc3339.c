/* rfc3339.c: RFC 3339 parsing and the CST calendar. */
#include "ingest/rfc3339.h"

#include <string.h>

#include "common/sbuf.h"

int64_t hl_days_from_civil(int y, int m, int d) {
    /* Howard Hinnant's algorithm. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m) {
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

int hl_rfc3339_parse(const char *s, size_t len, int64_t *out) {
    int y, mo, d, h, mi, se;
    if (len < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
        s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || se > 60)
        return -1;
    size_t i = 19;
    if (i < len && s[i] == '.') {
        size_t f = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return -1;
    }
    int offset = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (len - i < 6 || digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    if (se == 60) /* a leap second counts as the next second's start */
        se = 59;
    int64_t t = hl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    if (t < HL_TS_MIN || t > HL_TS_MAX)
        return -1;
    *out = t;
    return 0;
}

void hl_cst_from_unix(int64_t t, hl_cst_t *out) {
    t += 8 * 3600;
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs % 3600 / 60);
    out->second = (int)(secs % 60);
    out->quarter = (out->month - 1) / 3 + 1;
}

/* Copies @p n bytes of @p text into @p out as snprintf would: cut to
 * @p size - 1 bytes, NUL-terminated when size > 0. */
static void put_cut(char *out, size_t size, const char *text, size_t n) {
    if (!size)
        return;
    if (n >= size)
        n = size - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

/* Formatted by hand: a batch formats it once per ticket change. */
void hl_cst_quarter(int64_t t, char *out, size_t size) {
    hl_cst_t c;
    hl_cst_from_unix(t, &c);
    char b[32];
    size_t n = hl_fmt_u64_pad(b, (uint64_t)(c.year > 0 ? c.year : 0), 4);
    b[n++] = 'Q';
    b[n++] = (char)('0' + c.quarter);
    put_cut(out, size, b, n);
}

void hl_cst_format(int64_t t, char *out, size_t size) {
    hl_cst_t c;
    hl_cst_from_unix(t, &c);
    char b[48];
    size_t n = hl_fmt_u64_pad(b, (uint64_t)(c.year > 0 ? c.year : 0), 4);
    const int parts[5] = {c.month, c.day, c.hour, c.minute, c.second};
    static const char seps[5] = {'-', '-', 'T', ':', ':'};
    for (int i = 0; i < 5; i++) {
        b[n++] = seps[i];
        n += hl_fmt_u64_pad(b + n, (uint64_t)parts[i], 2);
    }
    memcpy(b + n, "+08:00", 6);
    put_cut(out, size, b, n + 6);
}
