/* report.c: the quarterly health check's aggregation: cohort counter maps
 * (field "<dimension>|<metric>|<value>") to units, changes, hotspots,
 * rising topics, cards and ranking. Pure; see report.h. */
#include "store/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hl_report_metric_names[HL_RPT_NMETRICS] = {
    "received", "dispatched", "resolved",  "resolved_on_time",    "reopened",
    "reviewed", "satisfied",  "basically_satisfied", "dissatisfied", "agree"};
const char *const hl_report_rate_names[HL_RPT_NRATES] = {
    "dispatch_rate",     "resolution_rate", "on_time_rate", "reopen_rate",
    "satisfaction_rate", "agreement_rate"};

int hl_report_rate(const hl_report_counts_t *c, hl_report_rate_t rate, double *out) {
    int64_t num, den;
    switch (rate) {
    case HL_RPT_DISPATCH_RATE:
        num = c->n[HL_RPT_DISPATCHED], den = c->n[HL_RPT_RECEIVED];
        break;
    case HL_RPT_RESOLUTION_RATE:
        num = c->n[HL_RPT_RESOLVED], den = c->n[HL_RPT_RECEIVED];
        break;
    case HL_RPT_ON_TIME_RATE:
        num = c->n[HL_RPT_RESOLVED_ON_TIME], den = c->n[HL_RPT_RESOLVED];
        break;
    case HL_RPT_REOPEN_RATE:
        num = c->n[HL_RPT_REOPENED], den = c->n[HL_RPT_RECEIVED];
        break;
    case HL_RPT_SATISFACTION_RATE:
        num = c->n[HL_RPT_SATISFIED] + c->n[HL_RPT_BASICALLY_SATISFIED];
        den = c->n[HL_RPT_REVIEWED];
        break;
    case HL_RPT_AGREEMENT_RATE:
        num = c->n[HL_RPT_AGREE], den = c->n[HL_RPT_DISPATCHED];
        break;
    default:
        return 0;
    }
    if (den == 0)
        return 0;
    *out = (double)num / (double)den;
    return 1;
}

/* ---- quarters ------------------------------------------------------------ */

int hl_report_quarter_parse(const char *s, int *year, int *quarter) {
    if (!s || strlen(s) != 6 || s[4] != 'Q' || s[5] < '1' || s[5] > '4')
        return -1;
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        y = y * 10 + (s[i] - '0');
    }
    if (y < 1970)
        return -1;
    *year = y;
    *quarter = s[5] - '0';
    return 0;
}

int hl_report_quarter_shift(const char *quarter, int delta, char *out, size_t out_size) {
    int y, q;
    if (hl_report_quarter_parse(quarter, &y, &q) || out_size < 7)
        return -1;
    int idx = y * 4 + (q - 1) + delta;
    if (idx < 1970 * 4 || idx > 9999 * 4 + 3)
        return -1;
    snprintf(out, out_size, "%04dQ%d", idx / 4, idx % 4 + 1);
    return 0;
}

/* ---- aggregation of one map ---------------------------------------------- */

typedef struct agg_s {
    hl_report_counts_t all;
    hl_report_counts_t env[HL_ENV_COUNT], topic[HL_TOPIC_COUNT], dept[HL_DEPT_COUNT],
        district[HL_DISTRICT_COUNT];
    int64_t dt[HL_DISTRICT_COUNT][HL_TOPIC_COUNT]; /* received */
    hl_strmap_t park_index;                         /* name -> index + 1 */
    hl_report_counts_t *parks;
    size_t nparks, cap;
} agg_t;

static void agg_free(agg_t *a) {
    hl_strmap_free(&a->park_index);
    free(a->parks);
}

static int label_find(const hl_label_t *labels, int n, const char *s, size_t len) {
    for (int i = 0; i < n; i++)
        if (strlen(labels[i].code) == len && memcmp(labels[i].code, s, len) == 0)
            return i;
    return -1;
}

static int topic_find(const char *s, size_t len) {
    for (int i = 0; i < HL_TOPIC_COUNT; i++)
        if (strlen(hl_topics[i].code) == len && memcmp(hl_topics[i].code, s, len) == 0)
            return i;
    return -1;
}

static int metric_find(const char *s, size_t len) {
    for (int i = 0; i < HL_RPT_NMETRICS; i++)
        if (strlen(hl_report_metric_names[i]) == len &&
            memcmp(hl_report_metric_names[i], s, len) == 0)
            return i;
    return -1;
}

/* @returns 0, or -1 when out of memory. */
static int agg_field(agg_t *a, const char *key, size_t klen, int64_t v) {
    const char *bar1 = memchr(key, '|', klen);
    if (!bar1)
        return 0;
    const char *mstart = bar1 + 1;
    const char *bar2 = memchr(mstart, '|', klen - (size_t)(mstart - key));
    if (!bar2)
        return 0;
    int m = metric_find(mstart, (size_t)(bar2 - mstart));
    if (m < 0)
        return 0;
    size_t dlen = (size_t)(bar1 - key);
    const char *val = bar2 + 1;
    size_t vlen = klen - (size_t)(val - key);
#define DIM(s) (dlen == sizeof(s) - 1 && memcmp(key, s, dlen) == 0)
    int i;
    if (DIM("all")) {
        if (vlen == 0)
            a->all.n[m] += v;
    } else if (DIM("env")) {
        if ((i = label_find(hl_envs, HL_ENV_COUNT, val, vlen)) >= 0)
            a->env[i].n[m] += v;
    } else if (DIM("topic")) {
        if ((i = topic_find(val, vlen)) >= 0)
            a->topic[i].n[m] += v;
    } else if (DIM("dept")) {
        if ((i = label_find(hl_depts, HL_DEPT_COUNT, val, vlen)) >= 0)
            a->dept[i].n[m] += v;
    } else if (DIM("district")) {
        if ((i = label_find(hl_districts, HL_DISTRICT_COUNT, val, vlen)) >= 0)
            a->district[i].n[m] += v;
    } else if (DIM("dt")) {
        const char *bar3 = memchr(val, '|', vlen);
        if (m != HL_RPT_RECEIVED || !bar3)
            return 0;
        int d = label_find(hl_districts, HL_DISTRICT_COUNT, val, (size_t)(bar3 - val));
        int t = topic_find(bar3 + 1, vlen - (size_t)(bar3 + 1 - val));
        if (d >= 0 && t >= 0)
            a->dt[d][t] += v;
    } else if (DIM("park")) {
        if (vlen == 0)
            return 0;
        int created = 0;
        hl_strmap_entry_t *e = hl_strmap_get(&a->park_index, val, vlen, &created);
        if (!e)
            return -1;
        if (created) {
            if (a->nparks == a->cap) {
                size_t nc = a->cap ? a->cap * 2 : 16;
                hl_report_counts_t *np = realloc(a->parks, nc * sizeof *np);
                if (!np)
                    return -1;
                a->parks = np;
                a->cap = nc;
            }
            memset(&a->parks[a->nparks], 0, sizeof a->parks[0]);
            e->value = (int64_t)++a->nparks;
        }
        a->parks[e->value - 1].n[m] += v;
    }
#undef DIM
    return 0;
}

static int agg_map(agg_t *a, const hl_strmap_t *m) {
    if (!m)
        return 0;
    for (size_t i = 0; i < m->count; i++) {
        const hl_strmap_entry_t *e = &m->entries[i];
        if (agg_field(a, hl_strmap_key(m, e), e->key_len, e->value))
            return -1;
    }
    return 0;
}

static const hl_report_counts_t *agg_park(const agg_t *a, const char *name) {
    const hl_strmap_entry_t *e = hl_strmap_find(&a->park_index, name, strlen(name));
    return e ? &a->parks[e->value - 1] : NULL;
}

/* ---- cards ----------------------------------------------------------------- */

static int cmetric_value(const hl_report_unit_t *u, hl_report_cmetric_t m, double *out) {
    switch (m) {
    case HL_RPT_C_SATISFACTION:
        return hl_report_rate(&u->c, HL_RPT_SATISFACTION_RATE, out);
    case HL_RPT_C_ON_TIME:
        return hl_report_rate(&u->c, HL_RPT_ON_TIME_RATE, out);
    case HL_RPT_C_RESOLUTION:
        return hl_report_rate(&u->c, HL_RPT_RESOLUTION_RATE, out);
    case HL_RPT_C_DISPATCH:
        return hl_report_rate(&u->c, HL_RPT_DISPATCH_RATE, out);
    case HL_RPT_C_REOPEN:
        return hl_report_rate(&u->c, HL_RPT_REOPEN_RATE, out);
    case HL_RPT_C_AGREEMENT:
        return hl_report_rate(&u->c, HL_RPT_AGREEMENT_RATE, out);
    case HL_RPT_C_GROWTH:
        if (u->prev_received == 0)
            return 0;
        *out = (double)(u->c.n[HL_RPT_RECEIVED] - u->prev_received) / (double)u->prev_received;
        return 1;
    case HL_RPT_C_RECEIVED:
        *out = (double)u->c.n[HL_RPT_RECEIVED];
        return 1;
    case HL_RPT_C_DISSATISFIED:
        *out = (double)u->c.n[HL_RPT_DISSATISFIED];
        return 1;
    default:
        return 0;
    }
}

static int rule_matches(const hl_report_rule_t *r, const hl_report_unit_t *u) {
    for (int i = 0; i < r->nterms; i++) {
        double v;
        if (!cmetric_value(u, r->terms[i].metric, &v))
            return 0;
        double t = r->terms[i].threshold;
        int ok = r->terms[i].op == HL_RPT_LT   ? v < t
                 : r->terms[i].op == HL_RPT_LE ? v <= t
                 : r->terms[i].op == HL_RPT_GT ? v > t
                                               : v >= t;
        if (!ok)
            return 0;
    }
    return 1;
}

static void grade(hl_report_unit_t *u, hl_report_scope_t scope, const hl_report_rules_t *rules) {
    u->carded = 0;
    if (!rules || !rules->graded[scope] || u->c.n[HL_RPT_RECEIVED] <= 0)
        return;
    u->carded = 1;
    memset(&u->rule, 0, sizeof u->rule);
    u->rule.scope = scope;
    u->rule.line = rules->grade_line[scope];
    if (u->c.n[HL_RPT_RECEIVED] < rules->min_received[scope]) {
        u->card = HL_RPT_CARD_NONE;
        strcpy(u->rule.id, "min_received");
        snprintf(u->rule.cond, sizeof u->rule.cond, "received < %lld",
                 (long long)rules->min_received[scope]);
        snprintf(u->rule.text, sizeof u->rule.text, "受理量不足%lld件，不评牌",
                 (long long)rules->min_received[scope]);
        u->rule.card = HL_RPT_CARD_NONE;
        return;
    }
    for (size_t i = 0; i < rules->count; i++) {
        const hl_report_rule_t *r = &rules->rules[i];
        if (r->scope == scope && rule_matches(r, u)) {
            u->card = r->card;
            u->rule = *r;
            return;
        }
    }
    u->card = rules->default_card[scope];
    u->rule.card = u->card;
    strcpy(u->rule.id, "default");
    snprintf(u->rule.text, sizeof u->rule.text, "未触发任何规则");
}

/* ---- ranking --------------------------------------------------------------- */

/* null sorts last; @returns <0 when a ranks first. */
static int cmp_rate(const hl_report_unit_t *a, const hl_report_unit_t *b, hl_report_rate_t r,
                    int higher_first) {
    double x = 0, y = 0;
    int hx = hl_report_rate(&a->c, r, &x), hy = hl_report_rate(&b->c, r, &y);
    if (hx != hy)
        return hx ? -1 : 1;
    if (!hx || x == y)
        return 0;
    return (x > y) == (higher_first != 0) ? -1 : 1;
}

static int card_order(hl_report_card_t c) {
    return c == HL_RPT_CARD_RED ? 2 : c == HL_RPT_CARD_YELLOW ? 1 : 0;
}

static int rank_cmp(const hl_report_unit_t *units, int ia, int ib) {
    const hl_report_unit_t *a = &units[ia], *b = &units[ib];
    int c;
    if ((c = card_order(a->card) - card_order(b->card)) != 0)
        return c;
    if ((c = cmp_rate(a, b, HL_RPT_SATISFACTION_RATE, 1)) != 0)
        return c;
    if ((c = cmp_rate(a, b, HL_RPT_ON_TIME_RATE, 1)) != 0)
        return c;
    if ((c = cmp_rate(a, b, HL_RPT_REOPEN_RATE, 0)) != 0)
        return c;
    if (a->c.n[HL_RPT_RECEIVED] != b->c.n[HL_RPT_RECEIVED])
        return a->c.n[HL_RPT_RECEIVED] > b->c.n[HL_RPT_RECEIVED] ? -1 : 1;
    return ia - ib;
}

/* Ranks units with tickets (and, in a graded scope, at least the minimum). */
static size_t rank_units(hl_report_unit_t *units, int n, hl_report_scope_t scope,
                         const hl_report_rules_t *rules, int *order) {
    size_t k = 0;
    int64_t min = rules && rules->graded[scope] ? rules->min_received[scope] : 1;
    if (min < 1)
        min = 1;
    for (int i = 0; i < n; i++)
        if (units[i].c.n[HL_RPT_RECEIVED] >= min)
            order[k++] = i;
    for (size_t i = 1; i < k; i++) /* insertion sort: at most 29 units */
        for (size_t j = i; j > 0 && rank_cmp(units, order[j - 1], order[j]) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t i = 0; i < k; i++)
        units[order[i]].rank = (int)i + 1;
    return k;
}

/* ---- hotspots and rising topics ------------------------------------------- */

static int cmp_hotspot(const void *pa, const void *pb) {
    const hl_report_hotspot_t *a = pa, *b = pb;
    if (a->received != b->received)
        return a->received > b->received ? -1 : 1;
    if (a->district != b->district)
        return a->district - b->district;
    return a->topic - b->topic;
}

static int cmp_rising(const void *pa, const void *pb) {
    const hl_report_rising_t *a = pa, *b = pb;
    /* growth a/b compared exactly: (ra - pa)/pa vs (rb - pb)/pb <=> ra*pb vs rb*pa */
    __extension__ __int128 x = (__int128)a->received * b->prev_received;
    __extension__ __int128 y = (__int128)b->received * a->prev_received;
    if (x != y)
        return x > y ? -1 : 1;
    int64_t da = a->received - a->prev_received, db = b->received - b->prev_received;
    if (da != db)
        return da > db ? -1 : 1;
    return a->topic - b->topic;
}

/* ---- building ---------------------------------------------------------------- */

static int unit_init(hl_report_unit_t *u, const char *code, const char *name_zh) {
    u->code = strdup(code);
    u->name_zh = name_zh;
    return u->code ? 0 : -1;
}

static int cmp_park(const void *pa, const void *pb) {
    return strcmp(((const hl_report_unit_t *)pa)->code, ((const hl_report_unit_t *)pb)->code);
}

void hl_report_destroy(hl_report_t *rpt) {
    if (!rpt)
        return;
    hl_report_unit_t *groups[] = {rpt->env, rpt->topic, rpt->dept, rpt->district};
    int sizes[] = {HL_ENV_COUNT, HL_TOPIC_COUNT, HL_DEPT_COUNT, HL_DISTRICT_COUNT};
    for (int g = 0; g < 4; g++)
        for (int i = 0; i < sizes[g]; i++)
            free(groups[g][i].code);
    for (size_t i = 0; i < rpt->nparks; i++)
        free(rpt->parks[i].code);
    free(rpt->parks);
    free(rpt->hotspots);
    free(rpt->rising);
    free(rpt);
}

static int fill(hl_report_t *rpt, const agg_t *cur, const agg_t *prev, const agg_t *ya,
                const hl_report_rules_t *rules) {
    rpt->totals = cur->all;
    rpt->prev_totals = prev->all;
    rpt->year_ago_totals = ya->all;
    rpt->unclassified = cur->topic[HL_TOPIC_OTHER].n[HL_RPT_RECEIVED];
    for (int i = 0; i < HL_ENV_COUNT; i++) {
        if (unit_init(&rpt->env[i], hl_envs[i].code, hl_envs[i].name_zh))
            return -1;
        rpt->env[i].c = cur->env[i];
        rpt->env[i].prev_received = prev->env[i].n[HL_RPT_RECEIVED];
    }
    for (int i = 0; i < HL_TOPIC_COUNT; i++) {
        if (unit_init(&rpt->topic[i], hl_topics[i].code, hl_topics[i].name_zh))
            return -1;
        rpt->topic[i].c = cur->topic[i];
        rpt->topic[i].prev_received = prev->topic[i].n[HL_RPT_RECEIVED];
    }
    for (int i = 0; i < HL_DEPT_COUNT; i++) {
        hl_report_unit_t *u = &rpt->dept[i];
        if (unit_init(u, hl_depts[i].code, hl_depts[i].name_zh))
            return -1;
        u->c = cur->dept[i];
        u->prev_received = prev->dept[i].n[HL_RPT_RECEIVED];
        grade(u, HL_RPT_SCOPE_DEPARTMENT, rules);
    }
    for (int i = 0; i < HL_DISTRICT_COUNT; i++) {
        hl_report_unit_t *u = &rpt->district[i];
        if (unit_init(u, hl_districts[i].code, hl_districts[i].name_zh))
            return -1;
        u->c = cur->district[i];
        u->prev_received = prev->district[i].n[HL_RPT_RECEIVED];
        memcpy(u->mix, cur->dt[i], sizeof u->mix);
        grade(u, HL_RPT_SCOPE_DISTRICT, rules);
    }
    /* parks: those with tickets this quarter, by name */
    rpt->parks = calloc(cur->nparks ? cur->nparks : 1, sizeof *rpt->parks);
    if (!rpt->parks)
        return -1;
    for (size_t i = 0; i < cur->park_index.count; i++) {
        const hl_strmap_entry_t *e = &cur->park_index.entries[i];
        const hl_report_counts_t *c = &cur->parks[e->value - 1];
        if (c->n[HL_RPT_RECEIVED] <= 0)
            continue;
        hl_report_unit_t *u = &rpt->parks[rpt->nparks];
        if (unit_init(u, hl_strmap_key(&cur->park_index, e), NULL))
            return -1;
        rpt->nparks++;
        u->c = *c;
        const hl_report_counts_t *pc = agg_park(prev, u->code);
        u->prev_received = pc ? pc->n[HL_RPT_RECEIVED] : 0;
    }
    qsort(rpt->parks, rpt->nparks, sizeof *rpt->parks, cmp_park);
    for (size_t i = 0; i < rpt->nparks; i++)
        grade(&rpt->parks[i], HL_RPT_SCOPE_PARK, rules);

    /* hotspots: district x topic by received */
    int top = rules ? rules->hotspots_top : 10;
    rpt->hotspots = calloc(HL_DISTRICT_COUNT * HL_TOPIC_COUNT, sizeof *rpt->hotspots);
    if (!rpt->hotspots)
        return -1;
    size_t n = 0;
    for (int d = 0; d < HL_DISTRICT_COUNT; d++)
        for (int t = 0; t < HL_TOPIC_COUNT; t++)
            if (cur->dt[d][t] > 0)
                rpt->hotspots[n++] = (hl_report_hotspot_t){d, t, cur->dt[d][t], prev->dt[d][t]};
    qsort(rpt->hotspots, n, sizeof *rpt->hotspots, cmp_hotspot);
    rpt->nhotspots = n < (size_t)top ? n : (size_t)top;

    /* rising topics: grew from at least rising_min_prev tickets */
    int rtop = rules ? rules->rising_top : 5;
    int64_t rmin = rules ? rules->rising_min_prev : 10;
    if (rmin < 1)
        rmin = 1;
    rpt->rising = calloc(HL_TOPIC_COUNT, sizeof *rpt->rising);
    if (!rpt->rising)
        return -1;
    n = 0;
    for (int t = 0; t < HL_TOPIC_COUNT; t++) {
        int64_t r = cur->topic[t].n[HL_RPT_RECEIVED], p = prev->topic[t].n[HL_RPT_RECEIVED];
        if (p >= rmin && r > p)
            rpt->rising[n++] = (hl_report_rising_t){t, r, p};
    }
    qsort(rpt->rising, n, sizeof *rpt->rising, cmp_rising);
    rpt->nrising = n < (size_t)rtop ? n : (size_t)rtop;

    rpt->ndept_rank =
        rank_units(rpt->dept, HL_DEPT_COUNT, HL_RPT_SCOPE_DEPARTMENT, rules, rpt->dept_rank);
    rpt->ndistrict_rank = rank_units(rpt->district, HL_DISTRICT_COUNT, HL_RPT_SCOPE_DISTRICT,
                                     rules, rpt->district_rank);
    return 0;
}

hl_report_t *hl_report_build(const char *quarter, const hl_strmap_t *cur, const hl_strmap_t *prev,
                             const hl_strmap_t *year_ago, const hl_report_rules_t *rules,
                             char *errstr, size_t errstr_size) {
    hl_report_t *rpt = calloc(1, sizeof *rpt);
    if (!rpt) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (hl_report_quarter_shift(quarter, 0, rpt->quarter, sizeof rpt->quarter) ||
        hl_report_quarter_shift(quarter, -1, rpt->prev_quarter, sizeof rpt->prev_quarter) ||
        hl_report_quarter_shift(quarter, -4, rpt->year_ago_quarter,
                                sizeof rpt->year_ago_quarter)) {
        hl_seterr(errstr, errstr_size, "bad quarter \"%.20s\": expected YYYYQn, e.g. 2023Q1",
                  quarter ? quarter : "");
        free(rpt);
        return NULL;
    }
    agg_t *a = calloc(3, sizeof *a);
    int rc = !a || agg_map(&a[0], cur) || agg_map(&a[1], prev) || agg_map(&a[2], year_ago) ||
             fill(rpt, &a[0], &a[1], &a[2], rules);
    if (a)
        for (int i = 0; i < 3; i++)
            agg_free(&a[i]);
    free(a);
    if (rc) {
        hl_seterr(errstr, errstr_size, "out of memory");
        hl_report_destroy(rpt);
        return NULL;
    }
    return rpt;
}

char *hl_report_json_for(const hl_strmap_t *this_q, const hl_strmap_t *prev_q,
                         const hl_strmap_t *year_ago_q, const char *quarter,
                         const hl_report_rules_t *rules, char *errstr, size_t errstr_size) {
    hl_report_t *rpt =
        hl_report_build(quarter, this_q, prev_q, year_ago_q, rules, errstr, errstr_size);
    if (!rpt)
        return NULL;
    char *s = hl_report_render(rpt, HL_RPT_FMT_JSON);
    hl_report_destroy(rpt);
    if (!s)
        hl_seterr(errstr, errstr_size, "out of memory");
    return s;
}
