/* rules.c: the keyword-table parser. */
#include "classify/rules.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl.h"
#include "common/taxonomy.h"
#include "common/utf8.h"

#define HEADER "keyword\ttopic\tdepartment\tweight\tflags"
#define KEYWORD_MAX 100

static const char *const flag_names[HL_FLAG_COUNT] = {"urgent"};

const char *hl_flag_name(unsigned flag) {
    for (int i = 0; i < HL_FLAG_COUNT; i++)
        if (flag == (1u << i))
            return flag_names[i];
    return "?";
}

void hl_diag_add(hl_diag_t *diag, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    if (diag->len + (size_t)n + 1 > diag->cap) {
        size_t cap = (diag->len + (size_t)n + 1) * 2;
        char *t = realloc(diag->text, cap);
        if (!t)
            return;
        diag->text = t;
        diag->cap = cap;
    }
    memcpy(diag->text + diag->len, line, (size_t)n);
    diag->len += (size_t)n;
    diag->text[diag->len] = '\0';
    diag->count++;
}

void hl_diag_free(hl_diag_t *diag) {
    free(diag->text);
    memset(diag, 0, sizeof *diag);
}

void hl_rules_destroy(hl_rules_t *rules) {
    if (!rules)
        return;
    for (size_t i = 0; i < rules->count; i++) {
        free(rules->rules[i].keyword);
        free(rules->rules[i].normalised);
    }
    free(rules->rules);
    free(rules);
}

/* Splits line[0..len) at tabs into at most @p max fields (trimmed of spaces).
 * @returns the number of fields found (may exceed max: the rest is ignored). */
static int split_tabs(const char *line, size_t len, const char **f, size_t *fl, int max) {
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || line[i] == '\t') {
            if (n < max) {
                size_t b = start, e = i;
                while (b < e && line[b] == ' ')
                    b++;
                while (e > b && line[e - 1] == ' ')
                    e--;
                f[n] = line + b;
                fl[n] = e - b;
            }
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int parse_weight(const char *s, size_t len, double *out) {
    char tmp[32];
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double w = strtod(tmp, &end);
    if (errno || *end || !isfinite(w))
        return -1;
    *out = w;
    return 0;
}

/* Parses the flags column ("", "urgent", "urgent,other").
 * @returns 0, or -1 with the offending name in *bad. */
static int parse_flags(const char *s, size_t len, unsigned *out, const char **bad,
                       size_t *badlen) {
    *out = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != ',')
            j++;
        size_t b = i, e = j;
        while (b < e && s[b] == ' ')
            b++;
        while (e > b && s[e - 1] == ' ')
            e--;
        if (e > b) {
            int found = 0;
            for (int k = 0; k < HL_FLAG_COUNT; k++)
                if (strlen(flag_names[k]) == e - b && memcmp(flag_names[k], s + b, e - b) == 0)
                    *out |= 1u << k, found = 1;
            if (!found) {
                *bad = s + b;
                *badlen = e - b;
                return -1;
            }
        }
        i = j + 1;
    }
    return 0;
}

/* Open-addressing index from normalised keyword to rule, for duplicates. */
static uint64_t fnv1a(const char *s, size_t len, uint64_t h) {
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}
#define FNV_BASIS UINT64_C(14695981039346656037)

static void parse_row(hl_rules_t *rules, const char *line, size_t len, int lineno,
                      const char *source, const hl_normaliser_t *nz,
                      hl_normbuf_t *nb, hl_diag_t *diag) {
    const char *f[5];
    size_t fl[5];
    int n = split_tabs(line, len, f, fl, 5);
    int errors = diag->count;
    if (n < 4 || n > 5) {
        hl_diag_add(diag, "%s:%d: expected 4 or 5 tab-separated columns (%s), got %d",
                    source, lineno, HEADER, n);
        return;
    }
    if (!hl_utf8_valid(line, len)) {
        hl_diag_add(diag, "%s:%d: invalid UTF-8", source, lineno);
        return;
    }
    hl_rule_t r = {0};
    r.line = lineno;
    r.dept = -1;
    if (fl[0] == 0)
        hl_diag_add(diag, "%s:%d: empty keyword", source, lineno);
    else if (fl[0] > KEYWORD_MAX)
        hl_diag_add(diag, "%s:%d: keyword longer than %d bytes", source, lineno, KEYWORD_MAX);
    if (fl[1] == 1 && f[1][0] == '-') {
        r.topic = HL_TOPIC_NONE;
    } else {
        r.topic = hl_topic_find(f[1], fl[1]);
        if (r.topic < 0) {
            r.topic = HL_TOPIC_OTHER; /* reported; keeps the checks below quiet */
            hl_diag_add(diag, "%s:%d: unknown topic code \"%.*s\"", source, lineno,
                        (int)fl[1], f[1]);
        } else if (r.topic == HL_TOPIC_OTHER)
            hl_diag_add(diag, "%s:%d: topic OTHER takes no keywords (it is what "
                        "nothing matching gives)", source, lineno);
    }
    if (fl[2]) {
        r.dept = hl_dept_find(f[2], fl[2]);
        if (r.dept < 0)
            hl_diag_add(diag, "%s:%d: unknown department code \"%.*s\"", source,
                        lineno, (int)fl[2], f[2]);
        else if (r.topic == HL_TOPIC_NONE)
            hl_diag_add(diag, "%s:%d: a flag-only row (topic \"-\") takes no "
                        "department", source, lineno);
    }
    if (parse_weight(f[3], fl[3], &r.weight))
        hl_diag_add(diag, "%s:%d: bad weight \"%.*s\": want a number", source,
                    lineno, (int)fl[3], f[3]);
    else if (r.topic == HL_TOPIC_NONE && r.weight != 0)
        hl_diag_add(diag, "%s:%d: a flag-only row (topic \"-\") must have weight 0",
                    source, lineno);
    else if (r.topic != HL_TOPIC_NONE && (r.weight <= 0 || r.weight > 100))
        hl_diag_add(diag, "%s:%d: bad weight \"%.*s\": want a number > 0 and <= 100",
                    source, lineno, (int)fl[3], f[3]);
    const char *bad;
    size_t badlen;
    if (n == 5 && parse_flags(f[4], fl[4], &r.flags, &bad, &badlen))
        hl_diag_add(diag, "%s:%d: unknown flag \"%.*s\" (known: urgent)", source,
                    lineno, (int)badlen, bad);
    if (r.topic == HL_TOPIC_NONE && !r.flags && errors == diag->count)
        hl_diag_add(diag, "%s:%d: a flag-only row (topic \"-\") needs a flag",
                    source, lineno);
    if (errors != diag->count || fl[0] == 0)
        return;
    if (hl_normalise(nz, f[0], fl[0], nb)) {
        hl_diag_add(diag, "%s:%d: out of memory", source, lineno);
        return;
    }
    if (nb->len == 0) {
        hl_diag_add(diag, "%s:%d: keyword \"%.*s\" is empty once spaces and "
                    "punctuation are ignored", source, lineno, (int)fl[0], f[0]);
        return;
    }
    r.keyword = strndup(f[0], fl[0]);
    r.normalised = strndup(nb->text, nb->len);
    r.normalised_len = nb->len;
    hl_rule_t *grown = realloc(rules->rules, (rules->count + 1) * sizeof *grown);
    if (!r.keyword || !r.normalised || !grown) {
        free(r.keyword);
        free(r.normalised);
        if (grown)
            rules->rules = grown;
        hl_diag_add(diag, "%s:%d: out of memory", source, lineno);
        return;
    }
    rules->rules = grown;
    rules->rules[rules->count++] = r;
}

/* Reports keywords that normalise alike with different labels; drops exact
 * repeats (same topic, department, weight and flags) keeping the first. */
static void check_duplicates(hl_rules_t *rules, const char *source, hl_diag_t *diag) {
    size_t cap = 16;
    while (cap < rules->count * 2)
        cap *= 2;
    size_t *slots = malloc(cap * sizeof *slots);
    if (!slots) {
        hl_diag_add(diag, "%s: out of memory", source);
        return;
    }
    for (size_t i = 0; i < cap; i++)
        slots[i] = SIZE_MAX;
    size_t kept = 0;
    for (size_t i = 0; i < rules->count; i++) {
        hl_rule_t *r = &rules->rules[i];
        size_t s = fnv1a(r->normalised, r->normalised_len, FNV_BASIS) & (cap - 1);
        int drop = 0;
        for (; slots[s] != SIZE_MAX; s = (s + 1) & (cap - 1)) {
            hl_rule_t *o = &rules->rules[slots[s]];
            if (o->normalised_len != r->normalised_len ||
                memcmp(o->normalised, r->normalised, r->normalised_len) != 0)
                continue;
            if (o->topic == r->topic && o->dept == r->dept && o->weight == r->weight &&
                o->flags == r->flags)
                drop = 1;
            else
                hl_diag_add(diag, "%s:%d: keyword \"%s\" conflicts with line %d "
                            "(\"%s\"): same keyword, different labels",
                            source, r->line, r->keyword, o->line, o->keyword);
            break;
        }
        if (drop) {
            free(r->keyword);
            free(r->normalised);
            continue;
        }
        if (slots[s] == SIZE_MAX)
            slots[s] = kept;
        rules->rules[kept++] = *r;
    }
    rules->count = kept;
    free(slots);
}

hl_rules_t *hl_rules_parse(const char *buf, size_t len, const char *source,
                           const hl_normaliser_t *nz, hl_diag_t *diag) {
    hl_rules_t *rules = calloc(1, sizeof *rules);
    if (!rules) {
        hl_diag_add(diag, "%s: out of memory", source);
        return NULL;
    }
    snprintf(rules->version, sizeof rules->version, "%016llx",
             (unsigned long long)fnv1a(buf, len, FNV_BASIS));
    int errors_before = diag->count;
    hl_normbuf_t nb = {0};
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3, len -= 3;
    int seen_header = 0;
    size_t pos = 0;
    for (int lineno = 1; pos < len; lineno++) {
        const char *line = buf + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        if (ll && line[ll - 1] == '\r')
            ll--;
        size_t b = 0;
        while (b < ll && (line[b] == ' ' || line[b] == '\t'))
            b++;
        if (b == ll || line[b] == '#')
            continue;
        if (memchr(line, '\0', ll)) {
            hl_diag_add(diag, "%s:%d: NUL byte", source, lineno);
            continue;
        }
        if (!seen_header) {
            seen_header = 1;
            const char *f[5];
            size_t fl[5];
            int n = split_tabs(line, ll, f, fl, 5);
            static const char *const cols[5] = {"keyword", "topic", "department", "weight", "flags"};
            int ok = n == 5;
            for (int i = 0; ok && i < 5; i++)
                ok = fl[i] == strlen(cols[i]) && memcmp(f[i], cols[i], fl[i]) == 0;
            if (!ok)
                hl_diag_add(diag, "%s:%d: expected the header line \"%s\" (tab-separated)",
                            source, lineno, "keyword<TAB>topic<TAB>department<TAB>weight<TAB>flags");
            continue;
        }
        parse_row(rules, line, ll, lineno, source, nz, &nb, diag);
    }
    hl_normbuf_free(&nb);
    if (!seen_header)
        hl_diag_add(diag, "%s:1: empty table: no header line", source);
    else if (rules->count == 0 && diag->count == errors_before)
        hl_diag_add(diag, "%s: the table has no keywords", source);
    if (diag->count == errors_before)
        check_duplicates(rules, source, diag);
    if (diag->count != errors_before) {
        hl_rules_destroy(rules);
        return NULL;
    }
    return rules;
}

hl_rules_t *hl_rules_load_file(const char *path, const hl_normaliser_t *nz,
                               hl_diag_t *diag) {
    char *buf, err[512];
    size_t len;
    if (hl_read_file(path, &buf, &len, err, sizeof err)) {
        hl_diag_add(diag, "%s", err);
        return NULL;
    }
    hl_rules_t *rules = hl_rules_parse(buf, len, path, nz, diag);
    free(buf);
    return rules;
}
