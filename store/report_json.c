/* report_json.c: the report as the JSON document of docs/report-schema.md
 * (schema 1). Field order is fixed (JSON_PRESERVE_ORDER); rates are
 * rounded to 6 decimals; nothing depends on the clock. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/report.h"

/* A rate rounded to 6 decimals (half away from zero), never -0. */
static json_t *real6(double x) {
    double r = round(x * 1e6) / 1e6;
    if (r == 0)
        r = 0;
    return json_real(r);
}

static json_t *rate_json(const hl_report_counts_t *c, hl_report_rate_t r) {
    double v;
    return hl_report_rate(c, r, &v) ? real6(v) : json_null();
}

/* (cur - prev) / prev, or null when prev is 0. */
static json_t *growth_json(int64_t cur, int64_t prev) {
    if (prev == 0)
        return json_null();
    return real6((double)(cur - prev) / (double)prev);
}

/* Sets into @p o the counts and rates of @p c; with_agree adds agree and
 * agreement_rate. @returns 0 or -1. */
static int put_counts(json_t *o, const hl_report_counts_t *c, int with_agree) {
    int rc = 0;
    for (int m = 0; m < HL_RPT_NMETRICS; m++) {
        if (m == HL_RPT_AGREE && !with_agree)
            continue;
        rc |= json_object_set_new(o, hl_report_metric_names[m], json_integer(c->n[m]));
    }
    for (int r = 0; r < HL_RPT_NRATES; r++) {
        if (r == HL_RPT_AGREEMENT_RATE && !with_agree)
            continue;
        rc |= json_object_set_new(o, hl_report_rate_names[r], rate_json(c, (hl_report_rate_t)r));
    }
    return rc;
}

static json_t *compare_json(const char *quarter, const hl_report_counts_t *cur,
                            const hl_report_counts_t *then) {
    json_t *o = json_object(), *chg = json_object(), *rchg = json_object();
    int rc = !o || !chg || !rchg;
    rc |= json_object_set_new(o, "quarter", json_string(quarter));
    rc |= put_counts(o, then, 1);
    for (int m = 0; m < HL_RPT_NMETRICS; m++) {
        json_t *d = json_object();
        rc |= !d;
        rc |= json_object_set_new(d, "delta", json_integer(cur->n[m] - then->n[m]));
        rc |= json_object_set_new(d, "relative", growth_json(cur->n[m], then->n[m]));
        rc |= json_object_set_new(chg, hl_report_metric_names[m], d);
    }
    for (int r = 0; r < HL_RPT_NRATES; r++) {
        double a, b;
        int ha = hl_report_rate(cur, (hl_report_rate_t)r, &a);
        int hb = hl_report_rate(then, (hl_report_rate_t)r, &b);
        rc |= json_object_set_new(rchg, hl_report_rate_names[r],
                                  ha && hb ? real6(a - b) : json_null());
    }
    rc |= json_object_set_new(o, "change", chg);
    rc |= json_object_set_new(o, "rate_change", rchg);
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A unit object: name, counts and rates, and what its kind adds. */
enum { K_ENV, K_TOPIC, K_DEPT, K_DISTRICT, K_PARK };

static json_t *unit_json(const hl_report_unit_t *u, int kind, int index) {
    json_t *o = json_object();
    int rc = !o;
    if (kind != K_PARK)
        rc |= json_object_set_new(o, "name", json_string(u->name_zh));
    if (kind == K_TOPIC)
        rc |= json_object_set_new(o, "environment", json_string(hl_envs[hl_topics[index].env].code));
    rc |= put_counts(o, &u->c, kind == K_DEPT);
    rc |= json_object_set_new(o, "previous_received", json_integer(u->prev_received));
    rc |= json_object_set_new(o, "growth", growth_json(u->c.n[HL_RPT_RECEIVED], u->prev_received));
    if (kind == K_DISTRICT) {
        json_t *mix = json_object();
        rc |= !mix;
        for (int t = 0; t < HL_TOPIC_COUNT; t++)
            if (u->mix[t])
                rc |= json_object_set_new(mix, hl_topics[t].code, json_integer(u->mix[t]));
        rc |= json_object_set_new(o, "topics", mix);
    }
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int put_group(json_t *doc, const char *key, const hl_report_unit_t *units, size_t n,
                     int kind) {
    json_t *g = json_object();
    int rc = !g;
    for (size_t i = 0; i < n && !rc; i++)
        rc |= json_object_set_new(g, units[i].code, unit_json(&units[i], kind, (int)i));
    rc |= json_object_set_new(doc, key, g);
    return rc;
}

static json_t *rule_json(const hl_report_rule_t *r) {
    json_t *o = json_object();
    int rc = !o;
    rc |= json_object_set_new(o, "id", json_string(r->id));
    rc |= json_object_set_new(o, "line", json_integer(r->line));
    rc |= json_object_set_new(o, "condition", json_string(r->cond));
    rc |= json_object_set_new(o, "description", json_string(r->text));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int put_card(json_t *cards, const char *scope, const hl_report_unit_t *u) {
    if (!u->carded)
        return 0;
    json_t *o = json_object();
    int rc = !o;
    rc |= json_object_set_new(o, "scope", json_string(scope));
    rc |= json_object_set_new(o, "code", json_string(u->code));
    rc |= json_object_set_new(o, "name", json_string(u->name_zh ? u->name_zh : u->code));
    rc |= json_object_set_new(o, "card", json_string(hl_report_card_name(u->card)));
    rc |= json_object_set_new(o, "received", json_integer(u->c.n[HL_RPT_RECEIVED]));
    rc |= json_object_set_new(o, "rule", rule_json(&u->rule));
    rc |= json_array_append_new(cards, o);
    return rc;
}

static json_t *ranking_json(const hl_report_unit_t *units, const int *order, size_t n) {
    json_t *a = json_array();
    int rc = !a;
    for (size_t i = 0; i < n && !rc; i++) {
        const hl_report_unit_t *u = &units[order[i]];
        json_t *o = json_object();
        rc |= !o;
        rc |= json_object_set_new(o, "rank", json_integer(u->rank));
        rc |= json_object_set_new(o, "code", json_string(u->code));
        rc |= json_object_set_new(o, "name", json_string(u->name_zh));
        rc |= json_object_set_new(o, "card", json_string(hl_report_card_name(u->carded ? u->card
                                                                                     : HL_RPT_CARD_NONE)));
        rc |= json_object_set_new(o, "received", json_integer(u->c.n[HL_RPT_RECEIVED]));
        rc |= json_object_set_new(o, "satisfaction_rate", rate_json(&u->c, HL_RPT_SATISFACTION_RATE));
        rc |= json_object_set_new(o, "on_time_rate", rate_json(&u->c, HL_RPT_ON_TIME_RATE));
        rc |= json_object_set_new(o, "reopen_rate", rate_json(&u->c, HL_RPT_REOPEN_RATE));
        rc |= json_array_append_new(a, o);
    }
    if (rc) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *hl_report_to_json(const hl_report_t *rpt) {
    json_t *doc = json_object();
    int rc = !doc;
    rc |= json_object_set_new(doc, "schema", json_integer(HL_REPORT_SCHEMA));
    rc |= json_object_set_new(doc, "quarter", json_string(rpt->quarter));
    rc |= json_object_set_new(doc, "previous_quarter", json_string(rpt->prev_quarter));
    rc |= json_object_set_new(doc, "year_ago_quarter", json_string(rpt->year_ago_quarter));

    json_t *tot = json_object();
    rc |= !tot;
    rc |= put_counts(tot, &rpt->totals, 1);
    rc |= json_object_set_new(tot, "unclassified", json_integer(rpt->unclassified));
    rc |= json_object_set_new(tot, "unclassified_share",
                              rpt->totals.n[HL_RPT_RECEIVED]
                                  ? real6((double)rpt->unclassified /
                                          (double)rpt->totals.n[HL_RPT_RECEIVED])
                                  : json_null());
    rc |= json_object_set_new(tot, "previous_quarter",
                              compare_json(rpt->prev_quarter, &rpt->totals, &rpt->prev_totals));
    rc |= json_object_set_new(tot, "year_ago",
                              compare_json(rpt->year_ago_quarter, &rpt->totals, &rpt->year_ago_totals));
    rc |= json_object_set_new(doc, "totals", tot);

    rc |= put_group(doc, "by_environment", rpt->env, HL_ENV_COUNT, K_ENV);
    rc |= put_group(doc, "by_topic", rpt->topic, HL_TOPIC_COUNT, K_TOPIC);
    rc |= put_group(doc, "by_department", rpt->dept, HL_DEPT_COUNT, K_DEPT);
    rc |= put_group(doc, "by_district", rpt->district, HL_DISTRICT_COUNT, K_DISTRICT);
    rc |= put_group(doc, "by_park", rpt->parks, rpt->nparks, K_PARK);

    json_t *hs = json_array();
    rc |= !hs;
    for (size_t i = 0; i < rpt->nhotspots && !rc; i++) {
        const hl_report_hotspot_t *h = &rpt->hotspots[i];
        json_t *o = json_object();
        rc |= !o;
        rc |= json_object_set_new(o, "rank", json_integer((json_int_t)i + 1));
        rc |= json_object_set_new(o, "district", json_string(hl_districts[h->district].code));
        rc |= json_object_set_new(o, "topic", json_string(hl_topics[h->topic].code));
        rc |= json_object_set_new(o, "received", json_integer(h->received));
        rc |= json_object_set_new(o, "previous_received", json_integer(h->prev_received));
        rc |= json_object_set_new(o, "growth", growth_json(h->received, h->prev_received));
        rc |= json_array_append_new(hs, o);
    }
    rc |= json_object_set_new(doc, "hotspots", hs);

    json_t *rs = json_array();
    rc |= !rs;
    for (size_t i = 0; i < rpt->nrising && !rc; i++) {
        const hl_report_rising_t *r = &rpt->rising[i];
        json_t *o = json_object();
        rc |= !o;
        rc |= json_object_set_new(o, "rank", json_integer((json_int_t)i + 1));
        rc |= json_object_set_new(o, "topic", json_string(hl_topics[r->topic].code));
        rc |= json_object_set_new(o, "received", json_integer(r->received));
        rc |= json_object_set_new(o, "previous_received", json_integer(r->prev_received));
        rc |= json_object_set_new(o, "delta", json_integer(r->received - r->prev_received));
        rc |= json_object_set_new(o, "growth", growth_json(r->received, r->prev_received));
        rc |= json_array_append_new(rs, o);
    }
    rc |= json_object_set_new(doc, "rising_topics", rs);

    json_t *cards = json_array();
    rc |= !cards;
    for (int i = 0; i < HL_DEPT_COUNT && !rc; i++)
        rc |= put_card(cards, "department", &rpt->dept[i]);
    for (int i = 0; i < HL_DISTRICT_COUNT && !rc; i++)
        rc |= put_card(cards, "district", &rpt->district[i]);
    for (size_t i = 0; i < rpt->nparks && !rc; i++)
        rc |= put_card(cards, "park", &rpt->parks[i]);
    rc |= json_object_set_new(doc, "cards", cards);

    json_t *rank = json_object();
    rc |= !rank;
    rc |= json_object_set_new(rank, "departments",
                              ranking_json(rpt->dept, rpt->dept_rank, rpt->ndept_rank));
    rc |= json_object_set_new(rank, "districts",
                              ranking_json(rpt->district, rpt->district_rank, rpt->ndistrict_rank));
    rc |= json_object_set_new(doc, "ranking", rank);
    if (rc) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
