/* hotspots_agg.c: summed bucket fields -> items, rising items, hot words,
 * trends, and the merged alert list. Pure (Redis only through the caller's
 * fetch callback). */
#include <stdlib.h>
#include <string.h>

#include "common/taxonomy.h"
#include "ingest/rfc3339.h"
#include "store/hotspots.h"
#include "store/hotspots_int.h"

/* One group being ranked: its key in the group map, counts now and before. */
typedef struct item_s {
    const char *key;
    int64_t count, previous;
} item_t;

static const char *topic_code_env(const char *topic, size_t len) {
    int t = hl_topic_find(topic, len);
    return t >= 0 ? hl_envs[hl_topics[t].env].code : "OTHER";
}

/* Splits "a|b" (after a field family's prefix) at the first '|'. */
static int split2(const char *s, hl_str_t *a, hl_str_t *b) {
    const char *bar = strchr(s, '|');
    if (!bar)
        return -1;
    a->ptr = s;
    a->len = (size_t)(bar - s);
    b->ptr = bar + 1;
    b->len = strlen(bar + 1);
    return 0;
}

static int str_is(hl_str_t s, const char *code) {
    return strlen(code) == s.len && memcmp(s.ptr, code, s.len) == 0;
}

/* Decides whether bucket field @p f belongs to the request's family and
 * passes its filters; writes the group key into @p key (size @p size).
 * @returns 1 when it counts, 0 when not. */
static int group_of(const hl_hs_request_t *req, const char *f, char *key, size_t size) {
    hl_hs_family_t fam = hl_hs_family(req->by);
    static const char *const prefix[] = {"dt|", "dept|", "park|", "appeal|"};
    const char *p = fam == HL_HS_FAM_DT && req->urgent ? "urgent|" : prefix[fam];
    size_t pl = strlen(p);
    if (strncmp(f, p, pl) != 0)
        return 0;
    hl_str_t a, b, topic;
    if (split2(f + pl, &a, &b))
        return 0;
    topic = fam == HL_HS_FAM_PARK ? a : b;
    int t = hl_topic_find(topic.ptr, topic.len);
    if (req->topic >= 0 && t != req->topic)
        return 0;
    if (req->env >= 0 && (t < 0 || hl_topics[t].env != req->env))
        return 0;
    switch (fam) {
    case HL_HS_FAM_DT:
        if (req->district >= 0 && !str_is(a, hl_districts[req->district].code))
            return 0;
        break;
    case HL_HS_FAM_DEPT:
        if (req->dept >= 0 && !str_is(a, hl_depts[req->dept].code))
            return 0;
        break;
    case HL_HS_FAM_APPEAL:
        if (req->appeal >= 0 && !str_is(a, hl_hs_appeals[req->appeal].code))
            return 0;
        break;
    case HL_HS_FAM_PARK:
        if (req->park[0] && !str_is(b, req->park))
            return 0;
        break;
    }
    switch (req->by) {
    case HL_HS_BY_TOPIC:
        snprintf(key, size, "%.*s", (int)b.len, b.ptr);
        break;
    case HL_HS_BY_DISTRICT:
        snprintf(key, size, "%.*s", (int)a.len, a.ptr);
        break;
    case HL_HS_BY_ENV:
        snprintf(key, size, "%s", topic_code_env(b.ptr, b.len));
        break;
    default: /* two dimensions: as in the field, after the prefix */
        snprintf(key, size, "%s", f + pl);
        break;
    }
    return 1;
}

/* Sums @p fields into groups; @returns the family total, -1 out of memory. */
static int64_t group(const hl_hs_request_t *req, const hl_strmap_t *fields, hl_strmap_t *groups) {
    int64_t total = 0;
    char key[256];
    for (size_t i = 0; i < fields->count; i++) {
        const hl_strmap_entry_t *e = &fields->entries[i];
        if (!e->value || !group_of(req, hl_strmap_key(fields, e), key, sizeof key))
            continue;
        hl_strmap_entry_t *g = hl_strmap_get(groups, key, strlen(key), NULL);
        if (!g)
            return -1;
        g->value += e->value;
        total += e->value;
    }
    return total;
}

static int cmp_count(const void *x, const void *y) {
    const item_t *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->key, b->key);
}

static int cmp_change(const void *x, const void *y) {
    const item_t *a = x, *b = y;
    int64_t ca = a->count - a->previous, cb = b->count - b->previous;
    if (ca != cb)
        return ca > cb ? -1 : 1;
    return cmp_count(x, y);
}

static json_t *label(const hl_label_t *labels, int n, hl_str_t code) {
    for (int i = 0; i < n; i++)
        if (str_is(code, labels[i].code))
            return json_string(labels[i].name_zh);
    return json_null();
}

static json_t *topic_zh(hl_str_t code) {
    int t = hl_topic_find(code.ptr, code.len);
    return t >= 0 ? json_string(hl_topics[t].name_zh) : json_null();
}

static void put_dim(json_t *o, const char *name, hl_str_t v) {
    json_object_set_new(o, name, json_stringn(v.ptr, v.len));
    char zh[32];
    snprintf(zh, sizeof zh, "%s_zh", name);
    if (strcmp(name, "topic") == 0)
        json_object_set_new(o, zh, topic_zh(v));
    else if (strcmp(name, "district") == 0)
        json_object_set_new(o, zh, label(hl_districts, HL_DISTRICT_COUNT, v));
    else if (strcmp(name, "dept") == 0)
        json_object_set_new(o, zh, label(hl_depts, HL_DEPT_COUNT, v));
    else if (strcmp(name, "env") == 0)
        json_object_set_new(o, zh, label(hl_envs, HL_ENV_COUNT, v));
    else if (strcmp(name, "appeal") == 0)
        json_object_set_new(o, zh, label(hl_hs_appeals, HL_HS_APPEAL_COUNT, v));
}

static json_t *item_json(const hl_hs_request_t *req, const item_t *it) {
    json_t *o = json_object();
    hl_str_t a = {it->key, strlen(it->key)}, b = {0};
    if (req->by == HL_HS_BY_DT || req->by == HL_HS_BY_DEPT || req->by == HL_HS_BY_PARK ||
        req->by == HL_HS_BY_APPEAL)
        split2(it->key, &a, &b);
    switch (req->by) {
    case HL_HS_BY_DT:
        put_dim(o, "district", a);
        put_dim(o, "topic", b);
        break;
    case HL_HS_BY_TOPIC:
        put_dim(o, "topic", a);
        break;
    case HL_HS_BY_DISTRICT:
        put_dim(o, "district", a);
        break;
    case HL_HS_BY_ENV:
        put_dim(o, "env", a);
        break;
    case HL_HS_BY_DEPT:
        put_dim(o, "dept", a);
        put_dim(o, "topic", b);
        break;
    case HL_HS_BY_PARK:
        put_dim(o, "park", b);
        put_dim(o, "topic", a);
        break;
    case HL_HS_BY_APPEAL:
        put_dim(o, "appeal", a);
        put_dim(o, "topic", b);
        break;
    }
    json_object_set_new(o, "count", json_integer(it->count));
    json_object_set_new(o, "previous", json_integer(it->previous));
    json_object_set_new(o, "change", json_integer(it->count - it->previous));
    return o;
}

static json_t *window_json(const hl_hs_window_t *w) {
    char f[32], t[32], pf[32];
    hl_hs_format_time(w->from, f, sizeof f);
    hl_hs_format_time(w->to, t, sizeof t);
    hl_hs_format_time(w->prev_from, pf, sizeof pf);
    return json_pack("{s:s,s:s,s:s,s:{s:s,s:s}}", "name", w->name, "from", f, "to", t,
                     "previous", "from", pf, "to", f);
}

static json_t *filters_json(const hl_hs_request_t *req) {
    json_t *o = json_object();
    if (req->topic >= 0)
        json_object_set_new(o, "topic", json_string(hl_topics[req->topic].code));
    if (req->district >= 0)
        json_object_set_new(o, "district", json_string(hl_districts[req->district].code));
    if (req->env >= 0)
        json_object_set_new(o, "env", json_string(hl_envs[req->env].code));
    if (req->dept >= 0)
        json_object_set_new(o, "dept", json_string(hl_depts[req->dept].code));
    if (req->appeal >= 0)
        json_object_set_new(o, "appeal", json_string(hl_hs_appeals[req->appeal].code));
    if (req->park[0])
        json_object_set_new(o, "park", json_string(req->park));
    return o;
}

static json_t *hot_words(const hl_hs_request_t *req, const hl_strmap_t *cur, const hl_strmap_t *prev) {
    item_t *w = malloc((cur->count + 1) * sizeof *w);
    json_t *arr = json_array();
    if (!w || !arr) {
        free(w);
        json_decref(arr);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < cur->count; i++) {
        const char *k = hl_strmap_key(cur, &cur->entries[i]);
        if (strncmp(k, "kw|", 3) != 0 || cur->entries[i].value <= 0)
            continue;
        const hl_strmap_entry_t *p = prev ? hl_strmap_find(prev, k, strlen(k)) : NULL;
        w[n++] = (item_t){k + 3, cur->entries[i].value, p ? p->value : 0};
    }
    qsort(w, n, sizeof *w, cmp_count);
    for (size_t i = 0; i < n && (int)i < req->words; i++)
        json_array_append_new(arr, json_pack("{s:s,s:I,s:I}", "keyword", w[i].key, "count",
                                             (json_int_t)w[i].count, "previous",
                                             (json_int_t)w[i].previous));
    free(w);
    return arr;
}

json_t *hl_hs_aggregate(const hl_hs_request_t *req, const hl_strmap_t *cur, const hl_strmap_t *prev) {
    hl_strmap_t gc = {0}, gp = {0};
    item_t *items = NULL;
    json_t *out = NULL;
    int64_t total = group(req, cur, &gc), ptotal = group(req, prev, &gp);
    if (total < 0 || ptotal < 0)
        goto done;
    items = malloc((gc.count + 1) * sizeof *items);
    if (!items)
        goto done;
    size_t n = 0;
    for (size_t i = 0; i < gc.count; i++) {
        const char *k = hl_strmap_key(&gc, &gc.entries[i]);
        const hl_strmap_entry_t *p = hl_strmap_find(&gp, k, strlen(k));
        items[n++] = (item_t){k, gc.entries[i].value, p ? p->value : 0};
    }
    out = json_object();
    json_object_set_new(out, "window", window_json(&req->win));
    json_object_set_new(out, "by", json_string(hl_hs_by_names[req->by]));
    json_object_set_new(out, "urgent", json_boolean(req->urgent));
    json_object_set_new(out, "filters", filters_json(req));
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "previous_total", json_integer(ptotal));
    if (req->sections & HL_HS_ITEMS) {
        qsort(items, n, sizeof *items, cmp_count);
        json_t *arr = json_array();
        for (size_t i = 0; i < n && (int)i < req->top; i++)
            json_array_append_new(arr, item_json(req, &items[i]));
        json_object_set_new(out, "items", arr);
    }
    if (req->sections & HL_HS_RISING) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (items[i].count >= req->min_count && items[i].count > items[i].previous)
                items[m++] = items[i];
        qsort(items, m, sizeof *items, cmp_change);
        json_t *arr = json_array();
        for (size_t i = 0; i < m && (int)i < req->top; i++)
            json_array_append_new(arr, item_json(req, &items[i]));
        json_object_set_new(out, "rising", arr);
        json_object_set_new(out, "min", json_integer(req->min_count));
    }
    if (req->sections & HL_HS_WORDS) {
        json_t *w = hot_words(req, cur, prev);
        if (!w) {
            json_decref(out);
            out = NULL;
            goto done;
        }
        json_object_set_new(out, "hot_words", w);
    }
done:
    free(items);
    hl_strmap_free(&gc);
    hl_strmap_free(&gp);
    return out;
}

/* Fetches the sum of the buckets covering [from, to) into @p out. */
static hl_err_t fetch_range(int64_t from, int64_t to, hl_hs_fetch_fn fetch, void *opaque,
                            hl_strmap_t *out, char *errstr, size_t errstr_size) {
    hl_hs_bucket_t b[HL_HS_MAX_BUCKETS];
    const char *names[HL_HS_MAX_BUCKETS];
    int n = hl_hs_buckets(from, to, b, HL_HS_MAX_BUCKETS);
    if (n < 0) {
        hl_seterr(errstr, errstr_size, "window too long");
        return HL_ERR_INVALID;
    }
    hl_strmap_clear(out);
    if (n == 0)
        return HL_OK;
    for (int i = 0; i < n; i++)
        names[i] = b[i].key;
    return fetch(opaque, names, (size_t)n, 0, out, errstr, errstr_size);
}

/* A quarter whose day buckets expired (400 days) still has its cohort hash:
 * "dt|received|<district>|<topic>" read as "dt|<district>|<topic>". */
static hl_err_t quarter_fallback(int64_t from, hl_hs_fetch_fn fetch, void *opaque,
                                 hl_strmap_t *out, char *errstr, size_t errstr_size) {
    char suffix[16];
    hl_cst_quarter(from, suffix + 2, sizeof suffix - 2);
    suffix[0] = 'q';
    suffix[1] = ':';
    const char *names[1] = {suffix};
    hl_strmap_t q = {0};
    hl_err_t err = fetch(opaque, names, 1, 0, &q, errstr, errstr_size);
    for (size_t i = 0; !err && i < q.count; i++) {
        const char *k = hl_strmap_key(&q, &q.entries[i]);
        if (strncmp(k, "dt|received|", 12) != 0)
            continue;
        char f[256];
        snprintf(f, sizeof f, "dt|%s", k + 12);
        hl_strmap_entry_t *e = hl_strmap_get(out, f, strlen(f), NULL);
        if (!e) {
            err = HL_ERR_NOMEM;
            hl_seterr(errstr, errstr_size, "out of memory");
        } else {
            e->value += q.entries[i].value;
        }
    }
    hl_strmap_free(&q);
    return err;
}

json_t *hl_hs_answer(const hl_hs_request_t *req, hl_hs_fetch_fn fetch, void *opaque, char *errstr,
                     size_t errstr_size) {
    hl_strmap_t cur = {0}, prev = {0};
    json_t *out = NULL;
    int quarter = req->win.name[4] == 'Q';
    int fallback = 0;
    hl_err_t err = fetch_range(req->win.from, req->win.to, fetch, opaque, &cur, errstr, errstr_size);
    if (!err && quarter && cur.count == 0 && !req->urgent && hl_hs_family(req->by) == HL_HS_FAM_DT) {
        err = quarter_fallback(req->win.from, fetch, opaque, &cur, errstr, errstr_size);
        fallback = 1;
    }
    if (!err)
        err = fetch_range(req->win.prev_from, req->win.from, fetch, opaque, &prev, errstr,
                          errstr_size);
    if (!err && fallback && prev.count == 0)
        err = quarter_fallback(req->win.prev_from, fetch, opaque, &prev, errstr, errstr_size);
    if (!err) {
        out = hl_hs_aggregate(req, &cur, &prev);
        if (!out)
            hl_seterr(errstr, errstr_size, "out of memory");
        else if (fallback)
            json_object_set_new(out, "source", json_string("quarter"));
    }
    hl_strmap_free(&cur);
    hl_strmap_free(&prev);
    return out;
}

json_t *hl_hs_trend(const hl_hs_request_t *req, hl_hs_fetch_fn fetch, void *opaque, char *errstr,
                    size_t errstr_size) {
    int n = req->days;
    if (n < 1 || n > HL_HS_MAX_TREND) {
        hl_seterr(errstr, errstr_size, "days must be 1..%d", HL_HS_MAX_TREND);
        return NULL;
    }
    int64_t to = hl_hs_day_ceil(req->at), from = to - (int64_t)n * 86400;
    hl_hs_bucket_t *b = calloc((size_t)n, sizeof *b);
    const char **names = calloc((size_t)n, sizeof *names);
    hl_strmap_t *maps = calloc((size_t)n, sizeof *maps);
    json_t *out = NULL;
    if (!b || !names || !maps) {
        hl_seterr(errstr, errstr_size, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        hl_hs_buckets(from + (int64_t)i * 86400, from + (int64_t)(i + 1) * 86400, &b[i], 1);
        names[i] = b[i].key;
    }
    if (fetch(opaque, names, (size_t)n, 1, maps, errstr, errstr_size))
        goto done;
    hl_hs_request_t r = *req;
    r.by = HL_HS_BY_DT;
    r.urgent = 0;
    json_t *days = json_array();
    int64_t total = 0;
    char key[256];
    for (int i = 0; i < n; i++) {
        int64_t c = 0;
        for (size_t k = 0; k < maps[i].count; k++)
            if (group_of(&r, hl_strmap_key(&maps[i], &maps[i].entries[k]), key, sizeof key))
                c += maps[i].entries[k].value;
        char date[16];
        snprintf(date, sizeof date, "%.4s-%.2s-%.2s", names[i] + 2, names[i] + 6, names[i] + 8);
        json_array_append_new(days, json_pack("{s:s,s:I}", "date", date, "count", (json_int_t)c));
        total += c;
    }
    char f[32], t[32];
    hl_hs_format_time(from, f, sizeof f);
    hl_hs_format_time(to, t, sizeof t);
    out = json_object();
    json_object_set_new(out, "topic", req->topic >= 0 ? json_string(hl_topics[req->topic].code) : json_null());
    json_object_set_new(out, "topic_zh", req->topic >= 0 ? json_string(hl_topics[req->topic].name_zh) : json_null());
    json_object_set_new(out, "district", req->district >= 0 ? json_string(hl_districts[req->district].code) : json_null());
    json_object_set_new(out, "env", req->env >= 0 ? json_string(hl_envs[req->env].code) : json_null());
    json_object_set_new(out, "from", json_string(f));
    json_object_set_new(out, "to", json_string(t));
    json_object_set_new(out, "days", days);
    json_object_set_new(out, "total", json_integer(total));
done:
    if (maps)
        for (int i = 0; i < n; i++)
            hl_strmap_free(&maps[i]);
    free(maps);
    free(names);
    free(b);
    return out;
}

/* ---- alerts ---- */

typedef struct alert_s {
    json_t *o;
    int64_t ts;
    const char *id;
} alert_t;

static int cmp_alert(const void *x, const void *y) {
    const alert_t *a = x, *b = y;
    if (a->ts != b->ts)
        return a->ts > b->ts ? -1 : 1;
    int c = strcmp(a->id, b->id);
    if (c)
        return c;
    return strcmp(json_string_value(json_object_get(a->o, "type")),
                  json_string_value(json_object_get(b->o, "type")));
}

json_t *hl_hs_alerts(const hl_hs_request_t *req, const char *const *texts, const size_t *lens,
                     size_t n) {
    alert_t *a = calloc(n + 1, sizeof *a);
    json_t *arr = json_array(), *out = json_object();
    if (!a || !arr || !out) {
        free(a);
        json_decref(arr);
        json_decref(out);
        return NULL;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_loadb(texts[i], lens[i], JSON_REJECT_DUPLICATES, NULL);
        const char *ts = json_string_value(json_object_get(o, "ts"));
        const char *type = json_string_value(json_object_get(o, "type"));
        const char *id = json_string_value(json_object_get(o, "id"));
        int64_t t;
        int keep = json_is_object(o) && ts && type && id && hl_rfc3339_parse(ts, strlen(ts), &t) == 0 &&
                   (req->since == INT64_MIN || t >= req->since) &&
                   (req->alert_type < 0 || strcmp(type, hl_hs_alert_types[req->alert_type]) == 0);
        if (!keep) {
            json_decref(o);
            continue;
        }
        a[m++] = (alert_t){o, t, id};
    }
    qsort(a, m, sizeof *a, cmp_alert);
    for (size_t i = 0; i < m; i++) {
        if ((int)i < req->limit)
            json_array_append(arr, a[i].o);
        json_decref(a[i].o);
    }
    free(a);
    json_object_set_new(out, "total", json_integer((json_int_t)m));
    json_object_set_new(out, "alerts", arr);
    return out;
}
