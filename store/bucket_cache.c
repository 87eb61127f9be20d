/* bucket_cache.c: field names interned in one map (id = entry index); a kept
 * hash is two arrays (field ids, values) found by its key in a second map;
 * the running sum is an array indexed by field id plus the list of ids it
 * touched. */
#include "store/bucket_cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/kwpack.h"

#define MARK_MAX 64

typedef struct kept_s {
    char mark[MARK_MAX];
    size_t mark_len;
    uint32_t *ids;
    int64_t *values;
    size_t n, cap;
} kept_t;

struct hl_bcache_s {
    size_t max_fields, fields;
    hl_strmap_t names;  /* field name -> (entry index = id) */
    hl_strmap_t keys;   /* hash key -> index into kept */
    kept_t *kept;
    size_t nkept, kept_cap;
    /* the running sum */
    int64_t *sum;       /* by field id */
    uint8_t *in_sum;    /* by field id: touched by this sum */
    uint32_t *touched;  /* ids in first-touch order */
    size_t ntouched, sum_cap;
    /* the hash being read */
    kept_t *reading;    /* NULL: summed only */
    char pending_mark[MARK_MAX];
    size_t pending_len;
};

hl_bcache_t *hl_bcache_new(size_t max_fields) {
    hl_bcache_t *bc = calloc(1, sizeof *bc);
    if (bc)
        bc->max_fields = max_fields;
    return bc;
}

static void forget(hl_bcache_t *bc) {
    for (size_t i = 0; i < bc->nkept; i++) {
        free(bc->kept[i].ids);
        free(bc->kept[i].values);
    }
    bc->nkept = 0;
    bc->fields = 0;
    hl_strmap_clear(&bc->keys);
    hl_strmap_clear(&bc->names);
}

void hl_bcache_destroy(hl_bcache_t *bc) {
    if (!bc)
        return;
    forget(bc);
    free(bc->kept);
    hl_strmap_free(&bc->keys);
    hl_strmap_free(&bc->names);
    free(bc->sum);
    free(bc->in_sum);
    free(bc->touched);
    free(bc);
}

/* Field names read but not kept (hashes without a mark) may add this many
 * names beyond max_fields before the cache starts over. */
#define NAMES_SLACK 100000

void hl_bcache_begin(hl_bcache_t *bc) {
    for (size_t i = 0; i < bc->ntouched; i++) {
        bc->sum[bc->touched[i]] = 0;
        bc->in_sum[bc->touched[i]] = 0;
    }
    bc->ntouched = 0;
    /* the sum is empty: no id is in use outside the kept hashes */
    if (bc->fields > bc->max_fields || bc->names.count > bc->max_fields + NAMES_SLACK)
        forget(bc);
    bc->reading = NULL;
}

/* Makes room in the sum arrays for every interned id. */
static int grow_sum(hl_bcache_t *bc) {
    size_t need = bc->names.count;
    if (need <= bc->sum_cap)
        return 0;
    size_t cap = bc->sum_cap ? bc->sum_cap : 1024;
    while (cap < need)
        cap *= 2;
    int64_t *s = realloc(bc->sum, cap * sizeof *s);
    if (!s)
        return -1;
    bc->sum = s;
    uint8_t *in = realloc(bc->in_sum, cap);
    if (!in)
        return -1;
    bc->in_sum = in;
    uint32_t *t = realloc(bc->touched, cap * sizeof *t);
    if (!t)
        return -1;
    bc->touched = t;
    memset(bc->sum + bc->sum_cap, 0, (cap - bc->sum_cap) * sizeof *s);
    memset(bc->in_sum + bc->sum_cap, 0, cap - bc->sum_cap);
    bc->sum_cap = cap;
    return 0;
}

static void add(hl_bcache_t *bc, uint32_t id, int64_t v) {
    if (!bc->in_sum[id]) {
        bc->in_sum[id] = 1;
        bc->touched[bc->ntouched++] = id;
    }
    bc->sum[id] += v;
}

static const kept_t *find_kept(const hl_bcache_t *bc, const char *key, size_t key_len,
                              const char *mark, size_t mark_len) {
    const hl_strmap_entry_t *e = hl_strmap_find(&bc->keys, key, key_len);
    if (!e)
        return NULL;
    const kept_t *k = &bc->kept[e->value];
    if (mark_len == 0 || k->mark_len != mark_len || memcmp(k->mark, mark, mark_len) != 0)
        return NULL;
    return k;
}

int hl_bcache_is_kept(const hl_bcache_t *bc, const char *key, size_t key_len, const char *mark,
                      size_t mark_len) {
    return find_kept(bc, key, key_len, mark, mark_len) != NULL;
}

int hl_bcache_add_kept(hl_bcache_t *bc, const char *key, size_t key_len, const char *mark,
                       size_t mark_len) {
    const kept_t *k = find_kept(bc, key, key_len, mark, mark_len);
    if (!k)
        return 0;
    for (size_t i = 0; i < k->n; i++)
        add(bc, k->ids[i], k->values[i]);
    return 1;
}

hl_err_t hl_bcache_read_begin(hl_bcache_t *bc, const char *key, size_t key_len, const char *mark,
                              size_t mark_len) {
    bc->reading = NULL;
    if (!mark || mark_len == 0 || mark_len > MARK_MAX || bc->max_fields == 0)
        return HL_OK; /* summed, not kept */
    if (bc->nkept == bc->kept_cap) { /* room first: a key never points at no slot */
        size_t cap = bc->kept_cap ? bc->kept_cap * 2 : 256;
        kept_t *k = realloc(bc->kept, cap * sizeof *k);
        if (!k)
            return HL_ERR_NOMEM;
        bc->kept = k;
        bc->kept_cap = cap;
    }
    int created;
    hl_strmap_entry_t *e = hl_strmap_get(&bc->keys, key, key_len, &created);
    if (!e)
        return HL_ERR_NOMEM;
    if (created) {
        e->value = (int64_t)bc->nkept;
        memset(&bc->kept[bc->nkept++], 0, sizeof(kept_t));
    }
    kept_t *k = &bc->kept[e->value];
    bc->fields -= k->n;
    k->n = 0;
    k->mark_len = 0; /* matches no mark until hl_bcache_read_end() */
    memcpy(bc->pending_mark, mark, mark_len);
    bc->pending_len = mark_len;
    bc->reading = k;
    return HL_OK;
}

/* Adds @p v to field @p field of the sum, and of the hash being kept. */
static hl_err_t read_count(hl_bcache_t *bc, const char *field, size_t field_len, int64_t v) {
    hl_strmap_entry_t *e = hl_strmap_get(&bc->names, field, field_len, NULL);
    if (!e || grow_sum(bc))
        return HL_ERR_NOMEM;
    uint32_t id = (uint32_t)(e - bc->names.entries);
    add(bc, id, v);
    kept_t *k = bc->reading;
    if (!k)
        return HL_OK;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        uint32_t *ids = realloc(k->ids, cap * sizeof *ids);
        if (ids)
            k->ids = ids;
        int64_t *vals = realloc(k->values, cap * sizeof *vals);
        if (vals)
            k->values = vals;
        if (!ids || !vals) {
            k->n = 0; /* kept empty and invalid: mark_len 0 matches no mark */
            bc->reading = NULL;
            return HL_ERR_NOMEM;
        }
        k->cap = cap;
    }
    k->ids[k->n] = id;
    k->values[k->n++] = v;
    return HL_OK;
}

hl_err_t hl_bcache_read_field(hl_bcache_t *bc, const char *field, size_t field_len,
                              const char *value, size_t value_len) {
    if (field_len > 3 && memcmp(field, "kw#", 3) == 0) { /* packed hot words */
        char kw[256] = "kw|";
        const char *p = value, *w;
        size_t wl;
        int64_t c;
        int r;
        while ((r = hl_kwpack_next(&p, value + value_len, &w, &wl, &c)) > 0) {
            if (wl + 3 > sizeof kw)
                return HL_ERR_INVALID; /* cannot happen: keywords are at most 100 bytes */
            memcpy(kw + 3, w, wl);
            hl_err_t err = read_count(bc, kw, wl + 3, c);
            if (err)
                return err;
        }
        return r < 0 ? HL_ERR_INVALID : HL_OK;
    }
    /* the leading integer, 0 when none (what strtoll gave readers before);
     * at most 18 digits, so it cannot overflow */
    int64_t v = 0;
    int neg = value_len > 0 && value[0] == '-';
    for (size_t i = (size_t)neg; i < value_len && i < 18u + (size_t)neg && value[i] >= '0' &&
                                 value[i] <= '9';
         i++)
        v = v * 10 + (value[i] - '0');
    return read_count(bc, field, field_len, neg ? -v : v);
}

hl_err_t hl_bcache_read_end(hl_bcache_t *bc) {
    kept_t *k = bc->reading;
    bc->reading = NULL;
    if (k) {
        memcpy(k->mark, bc->pending_mark, bc->pending_len);
        k->mark_len = bc->pending_len;
        bc->fields += k->n;
    }
    return HL_OK;
}

hl_err_t hl_bcache_emit(hl_bcache_t *bc, hl_strmap_t *out) {
    hl_err_t err = HL_OK;
    for (size_t i = 0; i < bc->ntouched; i++) {
        uint32_t id = bc->touched[i];
        const hl_strmap_entry_t *n = &bc->names.entries[id];
        hl_strmap_entry_t *e =
            err ? NULL : hl_strmap_get(out, hl_strmap_key(&bc->names, n), n->key_len, NULL);
        if (e)
            e->value += bc->sum[id];
        else
            err = HL_ERR_NOMEM; /* go on resetting the sum */
        bc->sum[id] = 0;
        bc->in_sum[id] = 0;
    }
    bc->ntouched = 0;
    return err;
}

size_t hl_bcache_hashes(const hl_bcache_t *bc) { return bc->nkept; }

size_t hl_bcache_fields(const hl_bcache_t *bc) { return bc->fields; }
