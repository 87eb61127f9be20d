/* report_rules.c: the card rules file (config/cards.tsv) parsed from a
 * buffer, every problem reported as "source:line: message"; the file
 * reading is a thin wrapper. Format: docs/report-schema.md, "Card rules". */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/report.h"

static const char *const card_names[] = {"none", "green", "yellow", "red"};
static const char *const scope_names[] = {"department", "district", "park"};
static const char *const cmetric_names[] = {"satisfaction", "on_time", "resolution",
                                            "dispatch",     "reopen",  "agreement",
                                            "growth",       "received", "dissatisfied"};
static const char *const op_names[] = {"<", "<=", ">", ">="};

const char *hl_report_card_name(hl_report_card_t card) {
    return (unsigned)card < 4 ? card_names[card] : "none";
}

const char *hl_report_scope_name(hl_report_scope_t scope) {
    return (unsigned)scope < HL_RPT_NSCOPES ? scope_names[scope] : "?";
}

const char *hl_report_cmetric_name(hl_report_cmetric_t m) {
    return (unsigned)m < HL_RPT_NCMETRICS ? cmetric_names[m] : "?";
}

void hl_report_rules_destroy(hl_report_rules_t *rules) {
    if (!rules)
        return;
    free(rules->rules);
    free(rules);
}

static int find_name(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* Parsing state: the source name for messages and the current line. */
typedef struct pstate_s {
    const char *source;
    int line;
    char *errstr;
    size_t errstr_size;
} pstate_t;

#define PERR(ps, ...)                                                                  \
    do {                                                                               \
        char m_[400];                                                                  \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                          \
        hl_seterr((ps)->errstr, (ps)->errstr_size, "%s:%d: %s", (ps)->source, (ps)->line, m_); \
    } while (0)

static int parse_int(const char *s, int64_t max, int64_t *out) {
    if (!*s)
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

static int parse_number(const char *s, double *out) {
    if (!*s || isspace((unsigned char)*s))
        return -1;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789.-+eE", *p))
            return -1; /* no "inf", "nan", hex */
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_scope(pstate_t *ps, const char *s, hl_report_scope_t *out) {
    int i = find_name(scope_names, HL_RPT_NSCOPES, s);
    if (i < 0) {
        PERR(ps, "unknown scope \"%.40s\" (department, district or park)", s);
        return -1;
    }
    *out = (hl_report_scope_t)i;
    return 0;
}

static int parse_card(pstate_t *ps, const char *s, hl_report_card_t *out) {
    int i = find_name(card_names, 4, s);
    if (i <= 0) {
        PERR(ps, "unknown card \"%.40s\" (red, yellow or green)", s);
        return -1;
    }
    *out = (hl_report_card_t)i;
    return 0;
}

/* "metric op number [and metric op number]...", tokens separated by spaces. */
static int parse_condition(pstate_t *ps, const char *cond, hl_report_rule_t *r) {
    if (strlen(cond) > HL_RPT_COND_MAX) {
        PERR(ps, "condition longer than %d bytes", HL_RPT_COND_MAX);
        return -1;
    }
    char buf[HL_RPT_COND_MAX + 1];
    strcpy(buf, cond);
    char *tok[3 * HL_RPT_MAX_TERMS + HL_RPT_MAX_TERMS + 1];
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
        if (n == (int)(sizeof tok / sizeof tok[0])) {
            PERR(ps, "more than %d terms in condition", HL_RPT_MAX_TERMS);
            return -1;
        }
        tok[n++] = p;
    }
    r->nterms = 0;
    for (int i = 0;; i += 4) {
        if (n - i < 3) {
            PERR(ps, "condition \"%.60s\": expected \"metric operator number\" terms joined by \"and\"",
                 cond);
            return -1;
        }
        hl_report_term_t *t = &r->terms[r->nterms];
        int m = find_name(cmetric_names, HL_RPT_NCMETRICS, tok[i]);
        if (m < 0) {
            PERR(ps,
                 "unknown metric \"%.40s\" (satisfaction, on_time, resolution, dispatch, reopen, "
                 "agreement, growth, received or dissatisfied)",
                 tok[i]);
            return -1;
        }
        int op = find_name(op_names, 4, tok[i + 1]);
        if (op < 0) {
            PERR(ps, "unknown operator \"%.10s\" (<, <=, > or >=)", tok[i + 1]);
            return -1;
        }
        if (parse_number(tok[i + 2], &t->threshold)) {
            PERR(ps, "bad threshold \"%.40s\": a decimal number (rates as fractions: 0.8 = 80%%)",
                 tok[i + 2]);
            return -1;
        }
        t->metric = (hl_report_cmetric_t)m;
        t->op = (hl_report_op_t)op;
        r->nterms++;
        if (i + 3 == n)
            break;
        if (strcmp(tok[i + 3], "and") != 0) {
            PERR(ps, "condition \"%.60s\": expected \"and\" after a term, got \"%.20s\"", cond,
                 tok[i + 3]);
            return -1;
        }
        if (r->nterms == HL_RPT_MAX_TERMS) {
            PERR(ps, "more than %d terms in condition", HL_RPT_MAX_TERMS);
            return -1;
        }
    }
    strcpy(r->cond, cond);
    return 0;
}

static int valid_id(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > HL_RPT_ID_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
            return 0;
    return 1;
}

/* Applies one line split into @p f[0..n). @returns 0 or -1 (message set). */
static int apply_line(pstate_t *ps, hl_report_rules_t *rs, size_t *cap, char **f, int n) {
    static const struct {
        const char *name;
        int min, max;
        const char *usage;
    } directives[] = {
        {"grade", 4, 4, "grade <scope> <min_received> <default card>"},
        {"rule", 5, 6, "rule <id> <scope> <card> <condition> [<description>]"},
        {"option", 3, 3, "option <name> <value>"},
    };
    int d = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(f[0], directives[i].name) == 0)
            d = i;
    if (d < 0) {
        PERR(ps, "unknown directive \"%.40s\" (grade, rule or option)", f[0]);
        return -1;
    }
    if (n < directives[d].min || n > directives[d].max) {
        PERR(ps, "expected \"%s\" (tab-separated), got %d field%s", directives[d].usage, n,
             n == 1 ? "" : "s");
        return -1;
    }
    for (int i = 1; i < n; i++)
        if (!*f[i]) {
            PERR(ps, "field %d is empty", i + 1);
            return -1;
        }
    if (d == 0) { /* grade */
        hl_report_scope_t sc = HL_RPT_SCOPE_DEPARTMENT;
        int64_t min = 0;
        hl_report_card_t card = HL_RPT_CARD_NONE;
        if (parse_scope(ps, f[1], &sc))
            return -1;
        if (rs->graded[sc]) {
            PERR(ps, "second grade line for scope \"%s\" (first on line %d)", f[1],
                 rs->grade_line[sc]);
            return -1;
        }
        if (parse_int(f[2], 1000000000, &min)) {
            PERR(ps, "bad minimum \"%.40s\": a whole number of tickets", f[2]);
            return -1;
        }
        if (parse_card(ps, f[3], &card))
            return -1;
        rs->graded[sc] = 1;
        rs->min_received[sc] = min;
        rs->default_card[sc] = card;
        rs->grade_line[sc] = ps->line;
        return 0;
    }
    if (d == 2) { /* option */
        int64_t v;
        if (parse_int(f[2], 1000000, &v)) {
            PERR(ps, "bad value \"%.40s\" for option %s: a whole number", f[2], f[1]);
            return -1;
        }
        if (strcmp(f[1], "hotspots_top") == 0)
            rs->hotspots_top = (int)v;
        else if (strcmp(f[1], "rising_top") == 0)
            rs->rising_top = (int)v;
        else if (strcmp(f[1], "rising_min_prev") == 0)
            rs->rising_min_prev = v;
        else {
            PERR(ps, "unknown option \"%.40s\" (hotspots_top, rising_top or rising_min_prev)", f[1]);
            return -1;
        }
        return 0;
    }
    /* rule */
    hl_report_rule_t r;
    memset(&r, 0, sizeof r);
    if (!valid_id(f[1])) {
        PERR(ps, "bad rule id \"%.40s\": 1-%d characters of A-Z a-z 0-9 . _ -", f[1], HL_RPT_ID_MAX);
        return -1;
    }
    if (strcmp(f[1], "default") == 0 || strcmp(f[1], "min_received") == 0) {
        PERR(ps, "rule id \"%s\" is reserved", f[1]);
        return -1;
    }
    for (size_t i = 0; i < rs->count; i++)
        if (strcmp(rs->rules[i].id, f[1]) == 0) {
            PERR(ps, "duplicate rule id \"%s\" (first on line %d)", f[1], rs->rules[i].line);
            return -1;
        }
    strcpy(r.id, f[1]);
    r.line = ps->line;
    if (parse_scope(ps, f[2], &r.scope) || parse_card(ps, f[3], &r.card) ||
        parse_condition(ps, f[4], &r))
        return -1;
    if (n == 6) {
        if (strlen(f[5]) > HL_RPT_TEXT_MAX) {
            PERR(ps, "description longer than %d bytes", HL_RPT_TEXT_MAX);
            return -1;
        }
        strcpy(r.text, f[5]);
    }
    if (rs->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        hl_report_rule_t *nr = realloc(rs->rules, nc * sizeof *nr);
        if (!nr) {
            PERR(ps, "out of memory");
            return -1;
        }
        rs->rules = nr;
        *cap = nc;
    }
    rs->rules[rs->count++] = r;
    return 0;
}

hl_report_rules_t *hl_report_rules_parse(const char *buf, size_t len, const char *source,
                                         char *errstr, size_t errstr_size) {
    pstate_t ps = {source ? source : "(rules)", 0, errstr, errstr_size};
    hl_report_rules_t *rs = calloc(1, sizeof *rs);
    if (!rs) {
        hl_seterr(errstr, errstr_size, "%s: out of memory", ps.source);
        return NULL;
    }
    rs->hotspots_top = 10;
    rs->rising_top = 5;
    rs->rising_min_prev = 10;
    size_t cap = 0;
    char *line = NULL;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        ps.line++;
        char *l = realloc(line, n + 1);
        if (!l) {
            PERR(&ps, "out of memory");
            goto fail;
        }
        line = l;
        memcpy(line, buf + pos, n);
        line[n] = 0;
        pos += n + 1;
        if (n && line[n - 1] == '\r')
            line[--n] = 0;
        if (memchr(line, 0, n)) {
            PERR(&ps, "NUL byte in line");
            goto fail;
        }
        size_t lead = strspn(line, " \t");
        if (!line[lead] || line[lead] == '#')
            continue;
        char *f[8];
        int nf = 0;
        for (char *p = line;;) {
            char *tab = strchr(p, '\t');
            if (nf < 8)
                f[nf] = p;
            nf++;
            if (!tab)
                break;
            *tab = 0;
            p = tab + 1;
        }
        if (nf > 8)
            nf = 7; /* reported as too many fields below */
        for (int i = 0; i < nf && i < 8; i++) { /* trim spaces around fields */
            while (*f[i] == ' ')
                f[i]++;
            size_t k = strlen(f[i]);
            while (k && f[i][k - 1] == ' ')
                f[i][--k] = 0;
        }
        if (apply_line(&ps, rs, &cap, f, nf))
            goto fail;
    }
    for (size_t i = 0; i < rs->count; i++)
        if (!rs->graded[rs->rules[i].scope]) {
            ps.line = rs->rules[i].line;
            PERR(&ps, "rule \"%s\" for scope \"%s\", which has no grade line", rs->rules[i].id,
                 scope_names[rs->rules[i].scope]);
            goto fail;
        }
    free(line);
    return rs;
fail:
    free(line);
    hl_report_rules_destroy(rs);
    return NULL;
}

hl_report_rules_t *hl_report_rules_load(const char *path, char *errstr, size_t errstr_size) {
    char *buf;
    size_t len;
    if (hl_read_file(path, &buf, &len, errstr, errstr_size))
        return NULL;
    hl_report_rules_t *rs = hl_report_rules_parse(buf, len, path, errstr, errstr_size);
    free(buf);
    return rs;
}
