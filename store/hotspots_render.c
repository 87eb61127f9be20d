/* hotspots_render.c: hotspot and alert answers as tables for people: codes
 * with their Chinese names beside them, columns aligned for a terminal
 * (CJK characters take two cells). */
#include <string.h>

#include "common/utf8.h"
#include "store/hotspots.h"

int hl_hs_width(const char *s) {
    int w = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = hl_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (!k) {
            k = 1;
            cp = '?';
        }
        /* East Asian wide: CJK, Hangul, fullwidth forms */
        w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                               (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                               (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                               (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000))
                 ? 2
                 : 1;
        i += k;
    }
    return w;
}

/* Prints @p s left-aligned in @p width cells. */
static void cell(FILE *out, const char *s, int width) {
    fputs(s, out);
    for (int w = hl_hs_width(s); w < width; w++)
        fputc(' ', out);
}

static const char *str(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* "JK 京口区" from an item's code and name. */
static void code_name(const json_t *o, const char *dim, char *buf, size_t size) {
    char zh[32];
    snprintf(zh, sizeof zh, "%s_zh", dim);
    const char *name = str(o, zh);
    snprintf(buf, size, "%s%s%s", str(o, dim), *name ? " " : "", name);
}

static const char *const dims_of_by[][2] = {
    {"district", "topic"}, {"topic", NULL}, {"district", NULL}, {"env", NULL},
    {"dept", "topic"},     {"park", "topic"}, {"appeal", "topic"},
};
static const char *const by_names[] = {"dt", "topic", "district", "env", "dept", "park", "appeal"};
static const char *const dim_zh[][2] = {{"district", "区域"}, {"topic", "主题"}, {"env", "环境"},
                                        {"dept", "部门"},     {"park", "园区"},  {"appeal", "诉求类型"}};

static const char *dim_title(const char *dim) {
    for (size_t i = 0; i < sizeof dim_zh / sizeof dim_zh[0]; i++)
        if (strcmp(dim_zh[i][0], dim) == 0)
            return dim_zh[i][1];
    return dim;
}

static void table(FILE *out, const json_t *items, const char *const *dims) {
    int w[2] = {0, 0};
    char buf[256];
    size_t i;
    json_t *it;
    for (int d = 0; d < 2 && dims[d]; d++) {
        w[d] = hl_hs_width(dim_title(dims[d]));
        json_array_foreach(items, i, it) {
            code_name(it, dims[d], buf, sizeof buf);
            if (hl_hs_width(buf) > w[d])
                w[d] = hl_hs_width(buf);
        }
    }
    fprintf(out, "  %4s  ", "#");
    for (int d = 0; d < 2 && dims[d]; d++) {
        cell(out, dim_title(dims[d]), w[d]);
        fputs("  ", out);
    }
    fprintf(out, "%8s %8s %8s\n", "count", "previous", "change");
    json_array_foreach(items, i, it) {
        fprintf(out, "  %4zu  ", i + 1);
        for (int d = 0; d < 2 && dims[d]; d++) {
            code_name(it, dims[d], buf, sizeof buf);
            cell(out, buf, w[d]);
            fputs("  ", out);
        }
        json_int_t c = json_integer_value(json_object_get(it, "count"));
        json_int_t p = json_integer_value(json_object_get(it, "previous"));
        fprintf(out, "%8lld %8lld %+8lld\n", (long long)c, (long long)p, (long long)(c - p));
    }
    if (!json_array_size(items))
        fprintf(out, "  (none)\n");
}

void hl_hs_print(FILE *out, const json_t *answer) {
    const json_t *win = json_object_get(answer, "window");
    const json_t *prev = json_object_get(win, "previous");
    const char *by = str(answer, "by");
    size_t b = 0;
    while (b < sizeof by_names / sizeof by_names[0] && strcmp(by_names[b], by) != 0)
        b++;
    if (b == sizeof by_names / sizeof by_names[0])
        b = 0;
    fprintf(out, "窗口 window %s: %s .. %s (previous %s .. %s)\n", str(win, "name"),
            str(win, "from"), str(win, "to"), str(prev, "from"), str(prev, "to"));
    const char *key;
    json_t *v;
    fprintf(out, "分组 by %s%s", by, json_is_true(json_object_get(answer, "urgent")) ? ", urgent only" : "");
    json_object_foreach((json_t *)json_object_get(answer, "filters"), key, v)
        fprintf(out, ", %s=%s", key, json_string_value(v));
    fprintf(out, "; total %lld (previous %lld)%s\n",
            (long long)json_integer_value(json_object_get(answer, "total")),
            (long long)json_integer_value(json_object_get(answer, "previous_total")),
            json_object_get(answer, "source") ? " [from the quarter's counts]" : "");
    const json_t *items = json_object_get(answer, "items");
    if (items) {
        fprintf(out, "\n热点 hotspots\n");
        table(out, items, dims_of_by[b]);
    }
    const json_t *rising = json_object_get(answer, "rising");
    if (rising) {
        fprintf(out, "\n上升 rising (count >= %lld, above the previous window)\n",
                (long long)json_integer_value(json_object_get(answer, "min")));
        table(out, rising, dims_of_by[b]);
    }
    const json_t *words = json_object_get(answer, "hot_words");
    if (words) {
        fprintf(out, "\n热词 hot words\n");
        size_t i;
        json_t *w;
        int kw = hl_hs_width("keyword");
        json_array_foreach(words, i, w)
            if (hl_hs_width(str(w, "keyword")) > kw)
                kw = hl_hs_width(str(w, "keyword"));
        fprintf(out, "  %4s  ", "#");
        cell(out, "keyword", kw);
        fprintf(out, "  %8s %8s\n", "count", "previous");
        json_array_foreach(words, i, w) {
            fprintf(out, "  %4zu  ", i + 1);
            cell(out, str(w, "keyword"), kw);
            fprintf(out, "  %8lld %8lld\n", (long long)json_integer_value(json_object_get(w, "count")),
                    (long long)json_integer_value(json_object_get(w, "previous")));
        }
        if (!json_array_size(words))
            fprintf(out, "  (none)\n");
    }
}

static const char *alert_zh(const char *type) {
    static const char *const zh[][2] = {
        {"repeat", "重复诉求"}, {"multi", "一人多诉"}, {"cluster", "多人同诉"}, {"urgent", "紧急"}};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(zh[i][0], type) == 0)
            return zh[i][1];
    return "";
}

void hl_hs_print_alerts(FILE *out, const json_t *answer) {
    const json_t *alerts = json_object_get(answer, "alerts");
    fprintf(out, "%-25s  %-17s  %-8s %-18s %-16s %6s  %s\n", "ts", "type", "district", "topic",
            "who", "count", "id / park");
    size_t i;
    json_t *a;
    json_array_foreach(alerts, i, a) {
        char type[64];
        snprintf(type, sizeof type, "%s %s", str(a, "type"), alert_zh(str(a, "type")));
        fprintf(out, "%-25s  ", str(a, "ts"));
        cell(out, type, 17);
        fprintf(out, "  %-8s %-18s %-16s %6lld  %s%s%s\n", str(a, "district"), str(a, "topic"),
                json_is_string(json_object_get(a, "who")) ? str(a, "who") : "-",
                (long long)json_integer_value(json_object_get(a, "count")), str(a, "id"),
                json_is_string(json_object_get(a, "park")) ? " " : "", str(a, "park"));
    }
    fprintf(out, "%zu shown of %lld\n", json_array_size(alerts),
            (long long)json_integer_value(json_object_get(answer, "total")));
}
