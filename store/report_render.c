/* report_render.c: the report for people and spreadsheets: Markdown, CSV
 * (UTF-8 with BOM, RFC 4180 quoting) and a self-contained, printable HTML
 * bulletin whose SVG bar charts are drawn here (no script, no external
 * resource). Every number is the JSON's: counts as integers, rates from the
 * same 6-decimal rounding, shown as percentages with one decimal. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "store/report.h"

/* ---- growable string ----------------------------------------------------- */

typedef hl_sbuf_t sb_t; /* common/sbuf.h */

static void sb_add(sb_t *b, const char *s, size_t n) { hl_sbuf_put(b, s, n); }

static void sb_puts(sb_t *b, const char *s) { hl_sbuf_puts(b, s); }

__attribute__((format(printf, 2, 3))) static void sb_printf(sb_t *b, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        sb_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, big, (size_t)n);
    free(big);
}

static char *sb_finish(sb_t *b) { return hl_sbuf_finish(b); }

/* ---- numbers ---------------------------------------------------------------- */

/* The JSON's rounding: 6 decimals, half away from zero, no -0. */
static double r6(double x) {
    double r = round(x * 1e6) / 1e6;
    return r == 0 ? 0 : r;
}

/* A rate as "87.3%" ("—" when null). */
static const char *pct(char *buf, size_t n, int has, double x) {
    if (!has)
        snprintf(buf, n, "—");
    else
        snprintf(buf, n, "%.1f%%", r6(x) * 100);
    return buf;
}

static const char *rate_pct(char *buf, size_t n, const hl_report_counts_t *c, hl_report_rate_t r) {
    double x = 0;
    int has = hl_report_rate(c, r, &x);
    return pct(buf, n, has, x);
}

/* Relative change "+12.5%" ("—" when the base is 0). */
static const char *change_pct(char *buf, size_t n, int64_t cur, int64_t prev) {
    if (prev == 0)
        snprintf(buf, n, "—");
    else
        snprintf(buf, n, "%+.1f%%", r6((double)(cur - prev) / (double)prev) * 100);
    return buf;
}

static const char *card_zh(hl_report_card_t c) {
    return c == HL_RPT_CARD_RED ? "红牌" : c == HL_RPT_CARD_YELLOW ? "黄牌"
                                      : c == HL_RPT_CARD_GREEN    ? "绿牌"
                                                                  : "不评牌";
}

static const char *card_color(hl_report_card_t c) {
    return c == HL_RPT_CARD_RED ? "#c0392b" : c == HL_RPT_CARD_YELLOW ? "#d4a000"
                                          : c == HL_RPT_CARD_GREEN    ? "#2e8b57"
                                                                      : "#8a8a8a";
}

static const char *const rate_zh[HL_RPT_NRATES] = {"派单率", "办结率", "按时办结率",
                                                    "重开率", "满意率", "分拨一致率"};
static const char *const metric_zh[HL_RPT_NMETRICS] = {
    "受理量", "已派单", "已办结", "按时办结", "重开", "已回访", "满意", "基本满意", "不满意",
    "分拨一致"};

static void quarter_zh(char *buf, size_t n, const char *q) {
    snprintf(buf, n, "%.4s年第%c季度", q, q[5]);
}

/* ---- escaping ------------------------------------------------------------------ */

static void put_html(sb_t *b, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&#39;"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                sb_puts(b, " ");
            else
                sb_add(b, s, 1);
        }
    }
}

static void put_md(sb_t *b, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            sb_puts(b, " ");
        else if (strchr("|\\*_`[]<>#", c)) {
            sb_add(b, "\\", 1);
            sb_add(b, s, 1);
        } else
            sb_add(b, s, 1);
    }
}

/* ---- tables shared by Markdown and HTML ------------------------------------ */

typedef struct out_s {
    sb_t *b;
    int html;
} out_t;

static void row(out_t *o, const char *const *cells, int n, int header) {
    if (o->html) {
        sb_puts(o->b, "<tr>");
        for (int i = 0; i < n; i++) {
            sb_puts(o->b, header ? "<th>" : i ? "<td class=\"n\">" : "<td>");
            put_html(o->b, cells[i]);
            sb_puts(o->b, header ? "</th>" : "</td>");
        }
        sb_puts(o->b, "</tr>\n");
        return;
    }
    sb_puts(o->b, "|");
    for (int i = 0; i < n; i++) {
        sb_puts(o->b, " ");
        put_md(o->b, cells[i]);
        sb_puts(o->b, " |");
    }
    sb_puts(o->b, "\n");
    if (header) {
        sb_puts(o->b, "|");
        for (int i = 0; i < n; i++)
            sb_puts(o->b, i ? "---:|" : "---|");
        sb_puts(o->b, "\n");
    }
}

static void table_begin(out_t *o) {
    sb_puts(o->b, o->html ? "<table>\n" : "\n");
}

static void table_end(out_t *o) {
    sb_puts(o->b, o->html ? "</table>\n" : "\n");
}

static void heading(out_t *o, int level, const char *id, const char *title) {
    if (o->html) {
        sb_printf(o->b, "<h%d id=\"%s\">", level, id);
        put_html(o->b, title);
        sb_printf(o->b, "</h%d>\n", level);
    } else {
        sb_printf(o->b, "\n%.*s ", level, "######");
        sb_puts(o->b, title);
        sb_puts(o->b, "\n");
    }
}

static void para(out_t *o, const char *s) {
    if (o->html) {
        sb_puts(o->b, "<p>");
        put_html(o->b, s);
        sb_puts(o->b, "</p>\n");
    } else {
        sb_puts(o->b, "\n");
        put_md(o->b, s);
        sb_puts(o->b, "\n");
    }
}

/* Columns of a unit table; what kind adds: agreement (departments), card. */
static void unit_table(out_t *o, const char *first, const hl_report_unit_t *units, size_t n,
                       int with_agree, int with_card, int skip_empty) {
    const char *head[14];
    int k = 0;
    head[k++] = first;
    head[k++] = "受理量";
    head[k++] = "派单率";
    head[k++] = "办结率";
    head[k++] = "按时办结率";
    head[k++] = "重开率";
    head[k++] = "回访数";
    head[k++] = "满意率";
    head[k++] = "不满意";
    if (with_agree)
        head[k++] = "分拨一致率";
    head[k++] = "上季受理";
    head[k++] = "环比";
    if (with_card)
        head[k++] = "评牌";
    table_begin(o);
    row(o, head, k, 1);
    for (size_t i = 0; i < n; i++) {
        const hl_report_unit_t *u = &units[i];
        if (skip_empty && u->c.n[HL_RPT_RECEIVED] == 0 && u->prev_received == 0)
            continue;
        char c[14][96];
        const char *cells[14];
        int j = 0;
        if (u->name_zh)
            snprintf(c[j], sizeof c[j], "%s %s", u->name_zh, u->code);
        else
            snprintf(c[j], sizeof c[j], "%s", u->code);
        j++;
        snprintf(c[j++], 96, "%lld", (long long)u->c.n[HL_RPT_RECEIVED]);
        rate_pct(c[j++], 96, &u->c, HL_RPT_DISPATCH_RATE);
        rate_pct(c[j++], 96, &u->c, HL_RPT_RESOLUTION_RATE);
        rate_pct(c[j++], 96, &u->c, HL_RPT_ON_TIME_RATE);
        rate_pct(c[j++], 96, &u->c, HL_RPT_REOPEN_RATE);
        snprintf(c[j++], 96, "%lld", (long long)u->c.n[HL_RPT_REVIEWED]);
        rate_pct(c[j++], 96, &u->c, HL_RPT_SATISFACTION_RATE);
        snprintf(c[j++], 96, "%lld", (long long)u->c.n[HL_RPT_DISSATISFIED]);
        if (with_agree)
            rate_pct(c[j++], 96, &u->c, HL_RPT_AGREEMENT_RATE);
        snprintf(c[j++], 96, "%lld", (long long)u->prev_received);
        change_pct(c[j++], 96, u->c.n[HL_RPT_RECEIVED], u->prev_received);
        if (with_card)
            snprintf(c[j++], 96, "%s", u->carded ? card_zh(u->card) : "");
        for (int x = 0; x < j; x++)
            cells[x] = c[x];
        row(o, cells, j, 0);
    }
    table_end(o);
}

/* ---- SVG bar charts ----------------------------------------------------------- */

typedef struct bar_s {
    const char *key;   /* data-key */
    char label[128];   /* shown left of the bar */
    int has;           /* 0: null value, no bar */
    double value;      /* count, or rate already rounded to 6 decimals */
    int is_rate;
    const char *color;
} bar_t;

#define CH_W 760
#define CH_LABEL 220
#define CH_BAR 430
#define CH_ROW 22

static void svg_bars(sb_t *b, const char *chart, const char *title, const bar_t *bars, int n) {
    double max = 0;
    int is_rate = n > 0 && bars[0].is_rate;
    for (int i = 0; i < n; i++)
        if (bars[i].has && bars[i].value > max)
            max = bars[i].value;
    if (is_rate)
        max = 1; /* rates on a 0-100 % axis */
    int h = n * CH_ROW + 36;
    sb_printf(b,
              "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
              "data-chart=\"%s\" data-max=\"%.6f\" data-bar-width=\"%d\" width=\"%d\" "
              "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
              chart, max, CH_BAR, CH_W, h, CH_W, h);
    put_html(b, title);
    sb_printf(b, "\"><text x=\"0\" y=\"16\" class=\"ct\">");
    put_html(b, title);
    sb_puts(b, "</text>\n");
    sb_printf(b, "<line x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", CH_LABEL,
              CH_LABEL, h - 4);
    for (int i = 0; i < n; i++) {
        const bar_t *r = &bars[i];
        int y = 30 + i * CH_ROW;
        double w = r->has && max > 0 ? r->value / max * CH_BAR : 0;
        char v[40], shown[40];
        if (!r->has) {
            snprintf(v, sizeof v, "null");
            snprintf(shown, sizeof shown, "—");
        } else if (r->is_rate) {
            snprintf(v, sizeof v, "%.6f", r->value);
            snprintf(shown, sizeof shown, "%.1f%%", r->value * 100);
        } else {
            snprintf(v, sizeof v, "%.0f", r->value);
            snprintf(shown, sizeof shown, "%.0f", r->value);
        }
        sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"cl\">", CH_LABEL - 6,
                  y + 13);
        put_html(b, r->label);
        sb_puts(b, "</text>");
        sb_printf(b, "<rect class=\"bar\" data-chart=\"%s\" data-key=\"", chart);
        put_html(b, r->key);
        sb_printf(b,
                  "\" data-value=\"%s\" x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"16\" "
                  "fill=\"%s\"/>",
                  v, CH_LABEL, y, w, r->color ? r->color : "#3b6ea5");
        sb_printf(b, "<text x=\"%.2f\" y=\"%d\" class=\"cv\">%s</text>\n", CH_LABEL + w + 4, y + 13,
                  shown);
    }
    sb_puts(b, "</svg></figure>\n");
}

static void bar_count(bar_t *r, const char *key, const char *label, int64_t v, const char *color) {
    memset(r, 0, sizeof *r);
    r->key = key;
    snprintf(r->label, sizeof r->label, "%s", label);
    r->has = 1;
    r->value = (double)v;
    r->color = color;
}

static void bar_rate(bar_t *r, const char *key, const char *label, const hl_report_counts_t *c,
                     hl_report_rate_t rate, const char *color) {
    memset(r, 0, sizeof *r);
    r->key = key;
    snprintf(r->label, sizeof r->label, "%s", label);
    r->is_rate = 1;
    double x = 0;
    r->has = hl_report_rate(c, rate, &x);
    r->value = r->has ? r6(x) : 0;
    r->color = color;
}

/* ---- the document (Markdown or HTML) ---------------------------------------- */

static void totals_section(out_t *o, const hl_report_t *rpt) {
    char qz[64], pz[64], yz[64];
    quarter_zh(qz, sizeof qz, rpt->quarter);
    quarter_zh(pz, sizeof pz, rpt->prev_quarter);
    quarter_zh(yz, sizeof yz, rpt->year_ago_quarter);
    heading(o, 2, "totals", "一、总体情况");
    const char *head[] = {"指标", qz, pz, "环比", yz, "同比"};
    table_begin(o);
    row(o, head, 6, 1);
    for (int m = 0; m < HL_RPT_NMETRICS; m++) {
        char c[6][64];
        const char *cells[6] = {metric_zh[m], c[1], c[2], c[3], c[4], c[5]};
        snprintf(c[1], 64, "%lld", (long long)rpt->totals.n[m]);
        snprintf(c[2], 64, "%lld", (long long)rpt->prev_totals.n[m]);
        change_pct(c[3], 64, rpt->totals.n[m], rpt->prev_totals.n[m]);
        snprintf(c[4], 64, "%lld", (long long)rpt->year_ago_totals.n[m]);
        change_pct(c[5], 64, rpt->totals.n[m], rpt->year_ago_totals.n[m]);
        row(o, cells, 6, 0);
    }
    for (int r = 0; r < HL_RPT_NRATES; r++) {
        char c[6][64];
        const char *cells[6] = {rate_zh[r], c[1], c[2], c[3], c[4], c[5]};
        double a = 0, p = 0, y = 0;
        int ha = hl_report_rate(&rpt->totals, (hl_report_rate_t)r, &a);
        int hp = hl_report_rate(&rpt->prev_totals, (hl_report_rate_t)r, &p);
        int hy = hl_report_rate(&rpt->year_ago_totals, (hl_report_rate_t)r, &y);
        pct(c[1], 64, ha, a);
        pct(c[2], 64, hp, p);
        if (ha && hp)
            snprintf(c[3], 64, "%+.1f个百分点", r6(a - p) * 100);
        else
            snprintf(c[3], 64, "—");
        pct(c[4], 64, hy, y);
        if (ha && hy)
            snprintf(c[5], 64, "%+.1f个百分点", r6(a - y) * 100);
        else
            snprintf(c[5], 64, "—");
        row(o, cells, 6, 0);
    }
    table_end(o);
    char line[256], sh[32];
    int64_t all = rpt->totals.n[HL_RPT_RECEIVED];
    pct(sh, sizeof sh, all > 0, all ? (double)rpt->unclassified / (double)all : 0);
    snprintf(line, sizeof line, "未能归类（其他）工单 %lld 件，占 %s，转热线办人工分拣。",
             (long long)rpt->unclassified, sh);
    para(o, line);
    if (o->html) {
        bar_t bars[3];
        bar_count(&bars[0], rpt->quarter, qz, rpt->totals.n[HL_RPT_RECEIVED], "#3b6ea5");
        bar_count(&bars[1], rpt->prev_quarter, pz, rpt->prev_totals.n[HL_RPT_RECEIVED], "#7f9cc0");
        bar_count(&bars[2], rpt->year_ago_quarter, yz, rpt->year_ago_totals.n[HL_RPT_RECEIVED],
                  "#b3c3d9");
        svg_bars(o->b, "totals", "受理量：本季、上季与去年同期", bars, 3);
    }
}

static void groups_sections(out_t *o, const hl_report_t *rpt) {
    heading(o, 2, "environments", "二、五大环境");
    if (o->html) {
        bar_t bars[HL_ENV_COUNT];
        for (int i = 0; i < HL_ENV_COUNT; i++)
            bar_count(&bars[i], rpt->env[i].code, rpt->env[i].name_zh,
                      rpt->env[i].c.n[HL_RPT_RECEIVED], NULL);
        svg_bars(o->b, "environments", "各环境受理量", bars, HL_ENV_COUNT);
    }
    unit_table(o, "环境", rpt->env, HL_ENV_COUNT, 0, 0, 0);

    heading(o, 2, "topics", "三、诉求主题");
    if (o->html) {
        bar_t bars[HL_TOPIC_COUNT];
        for (int i = 0; i < HL_TOPIC_COUNT; i++)
            bar_count(&bars[i], rpt->topic[i].code, rpt->topic[i].name_zh,
                      rpt->topic[i].c.n[HL_RPT_RECEIVED], NULL);
        svg_bars(o->b, "topics", "各主题受理量", bars, HL_TOPIC_COUNT);
    }
    unit_table(o, "主题", rpt->topic, HL_TOPIC_COUNT, 0, 0, 0);

    heading(o, 2, "departments", "四、承办单位");
    if (o->html) {
        bar_t bars[HL_DEPT_COUNT];
        int n = 0;
        for (int i = 0; i < HL_DEPT_COUNT; i++)
            if (rpt->dept[i].c.n[HL_RPT_RECEIVED] > 0) {
                const hl_report_unit_t *u = &rpt->dept[i];
                bar_rate(&bars[n++], u->code, u->name_zh, &u->c, HL_RPT_SATISFACTION_RATE,
                         u->carded ? card_color(u->card) : NULL);
            }
        svg_bars(o->b, "department_satisfaction", "承办单位满意率（颜色为评牌）", bars, n);
        n = 0;
        for (int i = 0; i < HL_DEPT_COUNT; i++)
            if (rpt->dept[i].c.n[HL_RPT_RECEIVED] > 0) {
                const hl_report_unit_t *u = &rpt->dept[i];
                bar_rate(&bars[n++], u->code, u->name_zh, &u->c, HL_RPT_ON_TIME_RATE, NULL);
            }
        svg_bars(o->b, "department_on_time", "承办单位按时办结率", bars, n);
    }
    unit_table(o, "承办单位", rpt->dept, HL_DEPT_COUNT, 1, 1, 1);

    heading(o, 2, "districts", "五、各市、区");
    if (o->html) {
        bar_t bars[HL_DISTRICT_COUNT];
        for (int i = 0; i < HL_DISTRICT_COUNT; i++) {
            const hl_report_unit_t *u = &rpt->district[i];
            bar_rate(&bars[i], u->code, u->name_zh, &u->c, HL_RPT_SATISFACTION_RATE,
                     u->carded ? card_color(u->card) : NULL);
        }
        svg_bars(o->b, "district_satisfaction", "各市、区满意率（颜色为评牌）", bars,
                 HL_DISTRICT_COUNT);
        for (int i = 0; i < HL_DISTRICT_COUNT; i++)
            bar_count(&bars[i], rpt->district[i].code, rpt->district[i].name_zh,
                      rpt->district[i].c.n[HL_RPT_RECEIVED], NULL);
        svg_bars(o->b, "district_received", "各市、区受理量", bars, HL_DISTRICT_COUNT);
    }
    unit_table(o, "市、区", rpt->district, HL_DISTRICT_COUNT, 0, 1, 0);
    /* topic mix: the three biggest topics of each district */
    const char *head[] = {"市、区", "主要诉求主题（前三）"};
    table_begin(o);
    row(o, head, 2, 1);
    for (int d = 0; d < HL_DISTRICT_COUNT; d++) {
        const hl_report_unit_t *u = &rpt->district[d];
        if (u->c.n[HL_RPT_RECEIVED] == 0)
            continue;
        int used[HL_TOPIC_COUNT] = {0};
        char mix[512] = "";
        for (int k = 0; k < 3; k++) {
            int best = -1;
            for (int t = 0; t < HL_TOPIC_COUNT; t++)
                if (!used[t] && u->mix[t] > 0 && (best < 0 || u->mix[t] > u->mix[best]))
                    best = t;
            if (best < 0)
                break;
            used[best] = 1;
            size_t l = strlen(mix);
            snprintf(mix + l, sizeof mix - l, "%s%s %lld 件（%.1f%%）", k ? "，" : "",
                     hl_topics[best].name_zh, (long long)u->mix[best],
                     r6((double)u->mix[best] / (double)u->c.n[HL_RPT_RECEIVED]) * 100);
        }
        char name[96];
        snprintf(name, sizeof name, "%s %s", u->name_zh, u->code);
        const char *cells[] = {name, mix};
        row(o, cells, 2, 0);
    }
    table_end(o);

    heading(o, 2, "parks", "六、开发园区");
    if (rpt->nparks == 0)
        para(o, "本季度无园区工单。");
    else
        unit_table(o, "园区", rpt->parks, rpt->nparks, 0, 1, 0);
}

static void hotspot_sections(out_t *o, const hl_report_t *rpt) {
    heading(o, 2, "hotspots", "七、热点（市、区 × 主题）");
    bar_t *bars = calloc(rpt->nhotspots + 1, sizeof *bars);
    char(*keys)[64] = calloc(rpt->nhotspots + 1, sizeof *keys);
    if (!bars || !keys) {
        o->b->oom = 1;
        free(bars);
        free(keys);
        return;
    }
    const char *head[] = {"排名", "市、区", "主题", "受理量", "上季", "环比"};
    table_begin(o);
    row(o, head, 6, 1);
    for (size_t i = 0; i < rpt->nhotspots; i++) {
        const hl_report_hotspot_t *h = &rpt->hotspots[i];
        char c[6][96];
        snprintf(c[0], 96, "%zu", i + 1);
        snprintf(c[1], 96, "%s", hl_districts[h->district].name_zh);
        snprintf(c[2], 96, "%s", hl_topics[h->topic].name_zh);
        snprintf(c[3], 96, "%lld", (long long)h->received);
        snprintf(c[4], 96, "%lld", (long long)h->prev_received);
        change_pct(c[5], 96, h->received, h->prev_received);
        const char *cells[] = {c[0], c[1], c[2], c[3], c[4], c[5]};
        row(o, cells, 6, 0);
        snprintf(keys[i], 64, "%s|%s", hl_districts[h->district].code, hl_topics[h->topic].code);
        char label[128];
        snprintf(label, sizeof label, "%s·%s", hl_districts[h->district].name_zh,
                 hl_topics[h->topic].name_zh);
        bar_count(&bars[i], keys[i], label, h->received, "#c8702a");
    }
    table_end(o);
    if (o->html && rpt->nhotspots)
        svg_bars(o->b, "hotspots", "热点受理量", bars, (int)rpt->nhotspots);
    free(bars);
    free(keys);

    heading(o, 2, "rising", "八、上升最快的主题（环比）");
    if (rpt->nrising == 0) {
        para(o, "无（上季度无可比数据或无上升主题）。");
        return;
    }
    const char *head2[] = {"排名", "主题", "受理量", "上季", "增量", "环比"};
    table_begin(o);
    row(o, head2, 6, 1);
    for (size_t i = 0; i < rpt->nrising; i++) {
        const hl_report_rising_t *r = &rpt->rising[i];
        char c[6][96];
        snprintf(c[0], 96, "%zu", i + 1);
        snprintf(c[1], 96, "%s %s", hl_topics[r->topic].name_zh, hl_topics[r->topic].code);
        snprintf(c[2], 96, "%lld", (long long)r->received);
        snprintf(c[3], 96, "%lld", (long long)r->prev_received);
        snprintf(c[4], 96, "%+lld", (long long)(r->received - r->prev_received));
        change_pct(c[5], 96, r->received, r->prev_received);
        const char *cells[] = {c[0], c[1], c[2], c[3], c[4], c[5]};
        row(o, cells, 6, 0);
    }
    table_end(o);
}

static void card_rows(out_t *o, const char *scope_zh, const hl_report_unit_t *units, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const hl_report_unit_t *u = &units[i];
        if (!u->carded)
            continue;
        char name[160], rule[HL_RPT_COND_MAX + HL_RPT_TEXT_MAX + 64], recv[32];
        if (u->name_zh)
            snprintf(name, sizeof name, "%s %s", u->name_zh, u->code);
        else
            snprintf(name, sizeof name, "%s", u->code);
        snprintf(recv, sizeof recv, "%lld", (long long)u->c.n[HL_RPT_RECEIVED]);
        snprintf(rule, sizeof rule, "%s（第%d行）%s%s%s", u->rule.id, u->rule.line,
                 u->rule.cond[0] ? u->rule.cond : "", u->rule.cond[0] && u->rule.text[0] ? "：" : "",
                 u->rule.text);
        const char *cells[] = {scope_zh, name, recv, card_zh(u->card), rule};
        if (o->html) {
            sb_printf(o->b, "<tr class=\"card-%s\">", hl_report_card_name(u->card));
            for (int k = 0; k < 5; k++) {
                sb_puts(o->b, k == 3 ? "<td class=\"card\">" : "<td>");
                put_html(o->b, cells[k]);
                sb_puts(o->b, "</td>");
            }
            sb_puts(o->b, "</tr>\n");
        } else
            row(o, cells, 5, 0);
    }
}

static void ranking_table(out_t *o, const char *first, const hl_report_unit_t *units,
                          const int *order, size_t n) {
    const char *head[] = {"名次", first, "评牌", "受理量", "满意率", "按时办结率", "重开率"};
    table_begin(o);
    row(o, head, 7, 1);
    for (size_t i = 0; i < n; i++) {
        const hl_report_unit_t *u = &units[order[i]];
        char c[7][96];
        snprintf(c[0], 96, "%d", u->rank);
        snprintf(c[1], 96, "%s %s", u->name_zh, u->code);
        snprintf(c[2], 96, "%s", u->carded ? card_zh(u->card) : "");
        snprintf(c[3], 96, "%lld", (long long)u->c.n[HL_RPT_RECEIVED]);
        rate_pct(c[4], 96, &u->c, HL_RPT_SATISFACTION_RATE);
        rate_pct(c[5], 96, &u->c, HL_RPT_ON_TIME_RATE);
        rate_pct(c[6], 96, &u->c, HL_RPT_REOPEN_RATE);
        const char *cells[] = {c[0], c[1], c[2], c[3], c[4], c[5], c[6]};
        row(o, cells, 7, 0);
    }
    table_end(o);
}

static void cards_sections(out_t *o, const hl_report_t *rpt) {
    heading(o, 2, "cards", "九、红黄绿牌（赛马）");
    int counts[4] = {0};
    for (int i = 0; i < HL_DEPT_COUNT; i++)
        counts[rpt->dept[i].card] += rpt->dept[i].carded;
    for (int i = 0; i < HL_DISTRICT_COUNT; i++)
        counts[rpt->district[i].card] += rpt->district[i].carded;
    for (size_t i = 0; i < rpt->nparks; i++)
        counts[rpt->parks[i].card] += rpt->parks[i].carded;
    char line[256];
    snprintf(line, sizeof line, "红牌 %d 个，黄牌 %d 个，绿牌 %d 个，受理量不足不评牌 %d 个。",
             counts[HL_RPT_CARD_RED], counts[HL_RPT_CARD_YELLOW], counts[HL_RPT_CARD_GREEN],
             counts[HL_RPT_CARD_NONE]);
    para(o, line);
    const char *head[] = {"类别", "单位", "受理量", "评牌", "依据规则"};
    table_begin(o);
    row(o, head, 5, 1);
    card_rows(o, "承办单位", rpt->dept, HL_DEPT_COUNT);
    card_rows(o, "市、区", rpt->district, HL_DISTRICT_COUNT);
    card_rows(o, "园区", rpt->parks, rpt->nparks);
    table_end(o);

    heading(o, 2, "ranking", "十、排名");
    heading(o, 3, "ranking-districts", "各市、区");
    ranking_table(o, "市、区", rpt->district, rpt->district_rank, rpt->ndistrict_rank);
    heading(o, 3, "ranking-departments", "承办单位");
    ranking_table(o, "承办单位", rpt->dept, rpt->dept_rank, rpt->ndept_rank);
    para(o, "排名规则：先按评牌（绿、黄、红），再按满意率、按时办结率（高者在前）、重开率（低者在前）、"
            "受理量（多者在前）；受理量不足评牌门槛的单位不参与排名。");
}

static const char *css =
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\","
    "\"PingFang SC\",sans-serif;color:#222;max-width:1000px;margin:0 auto;padding:16px;"
    "line-height:1.5}\n"
    "h1{font-size:22px;border-bottom:3px solid #b22;padding-bottom:6px}"
    "h2{font-size:18px;margin-top:28px;border-left:5px solid #b22;padding-left:8px}"
    "h3{font-size:15px}\n"
    "table{border-collapse:collapse;margin:8px 0;font-size:12px;width:100%}"
    "th,td{border:1px solid #bbb;padding:3px 6px}th{background:#f1f1f1}td.n{text-align:right}\n"
    "tr.card-red td.card{background:#c0392b;color:#fff}"
    "tr.card-yellow td.card{background:#f3d25b}"
    "tr.card-green td.card{background:#2e8b57;color:#fff}\n"
    "figure.chart{margin:10px 0}svg{max-width:100%;height:auto}"
    "svg text{font-size:12px;fill:#222}svg text.ct{font-size:14px;font-weight:bold}\n"
    ".meta{color:#555;font-size:13px}\n"
    "@page{size:A4;margin:14mm}\n"
    "@media print{body{max-width:none;padding:0}h2{break-after:avoid}"
    "figure.chart,tr{break-inside:avoid}a{color:inherit;text-decoration:none}}\n";

static void document(out_t *o, const hl_report_t *rpt) {
    char qz[64], title[256], meta[256];
    quarter_zh(qz, sizeof qz, rpt->quarter);
    snprintf(title, sizeof title, "镇江市12345营商环境热线 %s 季度体检通报", qz);
    snprintf(meta, sizeof meta,
             "季度 %s；环比对照 %s，同比对照 %s；数据口径：该季度受理工单的当前状态（队列口径）；"
             "报告格式 schema %d。",
             rpt->quarter, rpt->prev_quarter, rpt->year_ago_quarter, HL_REPORT_SCHEMA);
    if (o->html) {
        sb_puts(o->b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<title>");
        put_html(o->b, title);
        sb_puts(o->b, "</title>\n<style>\n");
        sb_puts(o->b, css);
        sb_printf(o->b, "</style>\n</head>\n<body data-quarter=\"%s\" data-schema=\"%d\">\n<h1>",
                  rpt->quarter, HL_REPORT_SCHEMA);
        put_html(o->b, title);
        sb_puts(o->b, "</h1>\n<p class=\"meta\">");
        put_html(o->b, meta);
        sb_puts(o->b, "</p>\n");
    } else {
        sb_puts(o->b, "# ");
        sb_puts(o->b, title);
        sb_puts(o->b, "\n");
        para(o, meta);
    }
    totals_section(o, rpt);
    groups_sections(o, rpt);
    hotspot_sections(o, rpt);
    cards_sections(o, rpt);
    if (o->html)
        sb_puts(o->b, "</body>\n</html>\n");
}

/* ---- CSV ------------------------------------------------------------------------ */

static void csv_field(sb_t *b, const char *s) {
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    int guard = strchr("=+-@\t", s[0]) && s[0]; /* spreadsheet formula injection */
    if (!quote && !guard) {
        sb_puts(b, s);
        return;
    }
    sb_puts(b, "\"");
    if (guard)
        sb_puts(b, "'");
    for (; *s; s++)
        sb_add(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    sb_puts(b, "\"");
}

static void csv_rate(sb_t *b, const hl_report_counts_t *c, hl_report_rate_t r) {
    double x;
    if (hl_report_rate(c, r, &x))
        sb_printf(b, ",%.6f", r6(x));
    else
        sb_puts(b, ",");
}

static void csv_unit(sb_t *b, const char *section, const hl_report_unit_t *u,
                     const hl_report_counts_t *c, const char *code, const char *name,
                     int with_agree, int has_prev, int64_t prev) {
    csv_field(b, section);
    sb_puts(b, ",");
    csv_field(b, code);
    sb_puts(b, ",");
    csv_field(b, name ? name : "");
    for (int m = 0; m < HL_RPT_NMETRICS; m++) {
        if (m == HL_RPT_AGREE && !with_agree)
            sb_puts(b, ",");
        else
            sb_printf(b, ",%lld", (long long)c->n[m]);
    }
    for (int r = 0; r < HL_RPT_NRATES; r++) {
        if (r == HL_RPT_AGREEMENT_RATE && !with_agree)
            sb_puts(b, ",");
        else
            csv_rate(b, c, (hl_report_rate_t)r);
    }
    if (has_prev) {
        sb_printf(b, ",%lld", (long long)prev);
        if (prev)
            sb_printf(b, ",%.6f", r6((double)(c->n[HL_RPT_RECEIVED] - prev) / (double)prev));
        else
            sb_puts(b, ",");
    } else
        sb_puts(b, ",,");
    if (u && u->carded) {
        sb_printf(b, ",%s,", hl_report_card_name(u->card));
        csv_field(b, u->rule.id);
    } else
        sb_puts(b, ",,");
    sb_puts(b, "\r\n");
}

static void csv_units(sb_t *b, const hl_report_t *rpt) {
    sb_puts(b, "\xEF\xBB\xBF"); /* BOM: spreadsheets then read UTF-8 */
    sb_printf(b, "quarter,%s\r\n", rpt->quarter);
    sb_puts(b, "section,code,name");
    for (int m = 0; m < HL_RPT_NMETRICS; m++)
        sb_printf(b, ",%s", hl_report_metric_names[m]);
    for (int r = 0; r < HL_RPT_NRATES; r++)
        sb_printf(b, ",%s", hl_report_rate_names[r]);
    sb_puts(b, ",previous_received,growth,card,rule\r\n");
    csv_unit(b, "totals", NULL, &rpt->totals, "", "合计", 1, 1, rpt->prev_totals.n[HL_RPT_RECEIVED]);
    csv_unit(b, "previous_quarter", NULL, &rpt->prev_totals, rpt->prev_quarter, "上季度", 1, 0, 0);
    csv_unit(b, "year_ago", NULL, &rpt->year_ago_totals, rpt->year_ago_quarter, "去年同期", 1, 0,
             0);
    for (int i = 0; i < HL_ENV_COUNT; i++)
        csv_unit(b, "environment", NULL, &rpt->env[i].c, rpt->env[i].code, rpt->env[i].name_zh, 0,
                 1, rpt->env[i].prev_received);
    for (int i = 0; i < HL_TOPIC_COUNT; i++)
        csv_unit(b, "topic", NULL, &rpt->topic[i].c, rpt->topic[i].code, rpt->topic[i].name_zh, 0,
                 1, rpt->topic[i].prev_received);
    for (int i = 0; i < HL_DEPT_COUNT; i++)
        csv_unit(b, "department", &rpt->dept[i], &rpt->dept[i].c, rpt->dept[i].code,
                 rpt->dept[i].name_zh, 1, 1, rpt->dept[i].prev_received);
    for (int i = 0; i < HL_DISTRICT_COUNT; i++)
        csv_unit(b, "district", &rpt->district[i], &rpt->district[i].c, rpt->district[i].code,
                 rpt->district[i].name_zh, 0, 1, rpt->district[i].prev_received);
    for (size_t i = 0; i < rpt->nparks; i++)
        csv_unit(b, "park", &rpt->parks[i], &rpt->parks[i].c, rpt->parks[i].code, NULL, 0, 1,
                 rpt->parks[i].prev_received);
}

static void csv_hotspots(sb_t *b, const hl_report_t *rpt) {
    sb_puts(b, "\xEF\xBB\xBF");
    sb_printf(b, "quarter,%s\r\n", rpt->quarter);
    sb_puts(b, "section,rank,district,topic,received,previous_received,delta,growth\r\n");
    for (size_t i = 0; i < rpt->nhotspots; i++) {
        const hl_report_hotspot_t *h = &rpt->hotspots[i];
        sb_printf(b, "hotspot,%zu,%s,%s,%lld,%lld,%lld,", i + 1, hl_districts[h->district].code,
                  hl_topics[h->topic].code, (long long)h->received, (long long)h->prev_received,
                  (long long)(h->received - h->prev_received));
        if (h->prev_received)
            sb_printf(b, "%.6f",
                      r6((double)(h->received - h->prev_received) / (double)h->prev_received));
        sb_puts(b, "\r\n");
    }
    for (size_t i = 0; i < rpt->nrising; i++) {
        const hl_report_rising_t *r = &rpt->rising[i];
        sb_printf(b, "rising_topic,%zu,,%s,%lld,%lld,%lld,%.6f\r\n", i + 1,
                  hl_topics[r->topic].code, (long long)r->received, (long long)r->prev_received,
                  (long long)(r->received - r->prev_received),
                  r6((double)(r->received - r->prev_received) / (double)r->prev_received));
    }
}

/* ---- entry ---------------------------------------------------------------------- */

char *hl_report_render(const hl_report_t *rpt, hl_report_format_t fmt) {
    sb_t b = {0};
    if (fmt == HL_RPT_FMT_JSON) {
        json_t *doc = hl_report_to_json(rpt);
        if (!doc)
            return NULL;
        char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        json_decref(doc);
        if (!s)
            return NULL;
        sb_puts(&b, s);
        sb_puts(&b, "\n");
        free(s);
        return sb_finish(&b);
    }
    out_t o = {&b, fmt == HL_RPT_FMT_HTML};
    switch (fmt) {
    case HL_RPT_FMT_MARKDOWN:
    case HL_RPT_FMT_HTML:
        document(&o, rpt);
        break;
    case HL_RPT_FMT_CSV:
        csv_units(&b, rpt);
        break;
    case HL_RPT_FMT_CSV_HOTSPOTS:
        csv_hotspots(&b, rpt);
        break;
    default:
        return NULL;
    }
    return sb_finish(&b);
}
