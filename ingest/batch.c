/* batch.c: pending events, the lifecycle over them, aggregated writes. */
#include "ingest/batch.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kwpack.h"
#include "common/sbuf.h"
#include "common/taxonomy.h"
#include "ingest/rfc3339.h"

struct hl_pending_s {
    hl_event_type_t type;
    int64_t offset, ts;
    size_t id_off, id_len;
    /* created */
    int64_t due_at;
    int topic, sdept, district, appeal, channel;
    unsigned flags;
    double score;
    size_t park_off, park_len; /* park_len 0 and park_off SIZE_MAX: no park */
    size_t kw_off, kw_count;   /* NUL-separated keywords in the arena */
    /* dispatched / reviewed */
    int department, satisfaction;
    hl_who_t who[2];
    size_t nwho;
    /* other than created: the original message */
    size_t raw_off, raw_len;
};

typedef struct hl_pstate_s {
    hl_ticket_t t;
    int exists;
    int dirty;
} hl_pstate_t;

static const char *const appeal_codes[HL_AP_COUNT] = {
    "complaint", "report", "inquiry", "suggestion", "help", "praise"};

const char *hl_appeal_code(int appeal) {
    return appeal >= 0 && appeal < HL_AP_COUNT ? appeal_codes[appeal] : "?";
}

size_t hl_key_ticket(const char *tag, const char *id, size_t id_len, char *out, size_t size) {
    int n = snprintf(out, size, "hl:%s:t:%.*s", tag, (int)id_len, id);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

size_t hl_key_offset(const char *tag, char *out, size_t size) {
    int n = snprintf(out, size, "hl:%s:off", tag);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

void hl_pbatch_reset(hl_pbatch_t *pb, const char *topic, int32_t partition,
                     int64_t start_offset) {
    snprintf(pb->tag, sizeof pb->tag, "{%s:%d}", topic, (int)partition);
    pb->partition = partition;
    pb->start_offset = start_offset;
    pb->next_offset = start_offset;
    pb->events = 0;
    pb->npending = 0;
    pb->arena_len = 0;
    pb->nstates = 0;
    pb->nalerts = 0;
    hl_strmap_clear(&pb->tickets);
    hl_strmap_clear(&pb->hashes);
    pb->stats_hash = -1;
    pb->q_quarter[0] = '\0';
    hl_strmap_clear(&pb->counters);
    hl_strmap_clear(&pb->packs);
    hl_strmap_clear(&pb->expires);
    hl_strmap_clear(&pb->quarters);
    hl_strmap_clear(&pb->cells);
}

void hl_pbatch_free(hl_pbatch_t *pb) {
    free(pb->pending);
    free(pb->arena);
    free(pb->states);
    free(pb->alerts_off);
    hl_strmap_free(&pb->tickets);
    hl_strmap_free(&pb->hashes);
    hl_strmap_free(&pb->counters);
    free(pb->stored);
    free(pb->by_hash);
    free(pb->hash_start);
    hl_strmap_free(&pb->packs);
    free(pb->member_pack);
    free(pb->pack_members);
    free(pb->pack_start);
    free(pb->pack_by_hash);
    free(pb->pack_hstart);
    free(pb->pack_stored);
    free(pb->pack_stored_len);
    hl_strmap_free(&pb->expires);
    hl_strmap_free(&pb->quarters);
    hl_strmap_free(&pb->cells);
    free(pb->cell_deltas);
    memset(pb, 0, sizeof *pb);
}

/* Copies bytes into the arena. @returns their offset, or SIZE_MAX. */
static size_t arena_put(hl_pbatch_t *pb, const char *s, size_t len) {
    if (pb->arena_len + len + 1 > pb->arena_cap) {
        size_t cap = pb->arena_cap ? pb->arena_cap : 65536;
        while (cap < pb->arena_len + len + 1)
            cap *= 2;
        char *a = realloc(pb->arena, cap);
        if (!a)
            return SIZE_MAX;
        pb->arena = a;
        pb->arena_cap = cap;
    }
    size_t off = pb->arena_len;
    if (len)
        memcpy(pb->arena + off, s, len);
    pb->arena[off + len] = '\0';
    pb->arena_len += len + 1;
    return off;
}

static void advance(hl_pbatch_t *pb, int64_t offset) {
    pb->events++;
    if (offset + 1 > pb->next_offset)
        pb->next_offset = offset + 1;
}

/* @returns the id of counter hash @p key, or -1 when out of memory. */
static int64_t hash_id(hl_pbatch_t *pb, const char *key) {
    hl_strmap_entry_t *e = hl_strmap_get(&pb->hashes, key, strlen(key), NULL);
    return e ? (int64_t)(e - pb->hashes.entries) : -1;
}

/* Adds @p delta to @p field of the counter hash with id @p h. */
static int count_in(hl_pbatch_t *pb, int64_t h, const char *field, int64_t delta) {
    char buf[512];
    uint32_t id = (uint32_t)h;
    size_t fl = strlen(field);
    if (h < 0)
        return -1;
    if (sizeof id + fl > sizeof buf)
        return 0; /* cannot happen: fields are bounded (park <= 90 bytes) */
    memcpy(buf, &id, sizeof id);
    memcpy(buf + sizeof id, field, fl);
    hl_strmap_entry_t *e = hl_strmap_get(&pb->counters, buf, sizeof id + fl, NULL);
    if (!e)
        return -1;
    e->value += delta;
    return 0;
}

/* Resizes array @p arr to @p n elements (through void *t, declared by the
 * caller). @returns 0, or -1 when out of memory (the array is unchanged). */
#define RESIZE(arr, n) ((t = realloc((arr), (n) * sizeof *(arr))) != NULL ? ((arr) = t, 0) : -1)

/* Counting sort: @p start[k + 1] holds how many items go to group k; @p
 * group_of(i) (SIZE_MAX: none) places items 0 .. @p n - 1 into @p out, and
 * start[k] becomes group k's first position. */
#define COUNTING_SORT(start, ngroups, out, n, group_of)                                  \
    do {                                                                                 \
        for (size_t k_ = 0; k_ < (ngroups); k_++)                                        \
            (start)[k_ + 1] += (start)[k_];                                              \
        for (size_t i_ = 0; i_ < (n); i_++) {                                            \
            size_t g_ = (group_of);                                                      \
            if (g_ != SIZE_MAX)                                                          \
                (out)[(start)[g_]++] = i_; /* start[g] walks to its successor's start */ \
        }                                                                                \
        memmove((start) + 1, (start), (ngroups) * sizeof *(start));                      \
        (start)[0] = 0;                                                                  \
    } while (0)

static uint32_t hash_of_key(const char *key) {
    uint32_t h;
    memcpy(&h, key, sizeof h);
    return h;
}

/* Groups the counters that changed by hash (plain counters) and by pack
 * (hot words, then the packs by hash), and zeroes the stored values.
 * @returns 0, or -1 when out of memory. */
static int group_counters(hl_pbatch_t *pb) {
    size_t nh = pb->hashes.count, nc = pb->counters.count;
    void *t;
    if (nc > pb->group_cap) {
        if (RESIZE(pb->by_hash, nc) || RESIZE(pb->stored, nc) || RESIZE(pb->member_pack, nc) ||
            RESIZE(pb->pack_members, nc))
            return -1;
        pb->group_cap = nc;
    }
    if (nh + 1 > pb->hash_start_cap) {
        if (RESIZE(pb->hash_start, nh + 1) || RESIZE(pb->pack_hstart, nh + 1))
            return -1;
        pb->hash_start_cap = nh + 1;
    }
    memset(pb->hash_start, 0, (nh + 1) * sizeof *pb->hash_start);
    memset(pb->pack_hstart, 0, (nh + 1) * sizeof *pb->pack_hstart);
    hl_strmap_clear(&pb->packs);
    for (size_t i = 0; i < nc; i++) {
        const hl_strmap_entry_t *e = &pb->counters.entries[i];
        const char *key = hl_strmap_key(&pb->counters, e);
        uint32_t h = hash_of_key(key);
        pb->stored[i] = 0;
        pb->member_pack[i] = 0;
        if (!e->value)
            continue;
        const char *field = key + sizeof h, *tab;
        size_t fl = e->key_len - sizeof h;
        if (fl > 3 && memcmp(field, "kw#", 3) == 0 && (tab = memchr(field, '\t', fl))) {
            int created;
            hl_strmap_entry_t *k =
                hl_strmap_get(&pb->packs, key, sizeof h + (size_t)(tab - field), &created);
            if (!k)
                return -1;
            pb->pack_hstart[h + 1] += (size_t)created;
            k->value++;
            pb->member_pack[i] = (uint32_t)(k - pb->packs.entries) + 1;
        } else {
            pb->hash_start[h + 1]++;
        }
    }
    COUNTING_SORT(pb->hash_start, nh, pb->by_hash, nc,
                  pb->counters.entries[i_].value && !pb->member_pack[i_]
                      ? hash_of_key(hl_strmap_key(&pb->counters, &pb->counters.entries[i_]))
                      : SIZE_MAX);
    size_t np = pb->packs.count;
    if (np + 1 > pb->pack_cap) {
        if (RESIZE(pb->pack_start, np + 1) || RESIZE(pb->pack_by_hash, np + 1) ||
            RESIZE(pb->pack_stored, np + 1) || RESIZE(pb->pack_stored_len, np + 1))
            return -1;
        pb->pack_cap = np + 1;
    }
    pb->pack_start[0] = 0;
    for (size_t k = 0; k < np; k++) {
        pb->pack_start[k + 1] = (size_t)pb->packs.entries[k].value;
        pb->pack_stored[k] = SIZE_MAX;
    }
    COUNTING_SORT(pb->pack_start, np, pb->pack_members, nc,
                  pb->member_pack[i_] ? (size_t)pb->member_pack[i_] - 1 : SIZE_MAX);
    COUNTING_SORT(pb->pack_hstart, nh, pb->pack_by_hash, np,
                  hash_of_key(hl_strmap_key(&pb->packs, &pb->packs.entries[i_])));
    return 0;
}

size_t hl_pbatch_nhashes(const hl_pbatch_t *pb) { return pb->hashes.count; }

/* How many plain counters of hash @p h change. */
static size_t plain_count(const hl_pbatch_t *pb, size_t h) {
    return pb->hash_start[h + 1] - pb->hash_start[h];
}

const char *hl_pbatch_hash_key(const hl_pbatch_t *pb, size_t h, size_t *len, size_t *nfields) {
    const hl_strmap_entry_t *e = &pb->hashes.entries[h];
    *len = e->key_len;
    *nfields = plain_count(pb, h) + pb->pack_hstart[h + 1] - pb->pack_hstart[h];
    return hl_strmap_key(&pb->hashes, e);
}

const char *hl_pbatch_hash_field(const hl_pbatch_t *pb, size_t h, size_t i, size_t *len) {
    const hl_strmap_t *m = &pb->counters;
    const hl_strmap_entry_t *e;
    size_t plain = plain_count(pb, h);
    if (i < plain) {
        e = &m->entries[pb->by_hash[pb->hash_start[h] + i]];
    } else {
        m = &pb->packs;
        e = &m->entries[pb->pack_by_hash[pb->pack_hstart[h] + i - plain]];
    }
    *len = e->key_len - sizeof(uint32_t);
    return hl_strmap_key(m, e) + sizeof(uint32_t);
}

int hl_pbatch_set_stored(hl_pbatch_t *pb, size_t h, size_t i, const char *value, size_t len,
                         char *errstr, size_t errstr_size) {
    size_t plain = plain_count(pb, h), fl;
    if (i < plain) {
        int64_t v = 0; /* absent: 0 */
        if (value && hl_parse_i64(value, len, &v)) {
            const char *f = hl_pbatch_hash_field(pb, h, i, &fl);
            hl_seterr(errstr, errstr_size, "malformed counter %s %.*s: \"%.*s\"",
                      hl_strmap_key(&pb->hashes, &pb->hashes.entries[h]), (int)fl, f,
                      (int)(len < 40 ? len : 40), value);
            return -1;
        }
        pb->stored[pb->by_hash[pb->hash_start[h] + i]] = v;
        return 0;
    }
    size_t k = pb->pack_by_hash[pb->pack_hstart[h] + i - plain];
    if (!value)
        return 0;
    const char *p = value, *w;
    size_t wl;
    int64_t c;
    int r;
    while ((r = hl_kwpack_next(&p, value + len, &w, &wl, &c)) > 0)
        ;
    if (r < 0) {
        const char *f = hl_pbatch_hash_field(pb, h, i, &fl);
        hl_seterr(errstr, errstr_size, "malformed hot words %s %.*s near byte %zu",
                  hl_strmap_key(&pb->hashes, &pb->hashes.entries[h]), (int)fl, f,
                  (size_t)(p - value));
        return -1;
    }
    if ((pb->pack_stored[k] = arena_put(pb, value, len)) == SIZE_MAX)
        return -2;
    pb->pack_stored_len[k] = len;
    return 0;
}

static int stats(hl_pbatch_t *pb, const char *field) {
    if (pb->stats_hash < 0) {
        char key[200];
        snprintf(key, sizeof key, "hl:%s:stats", pb->tag);
        pb->stats_hash = hash_id(pb, key);
    }
    return count_in(pb, pb->stats_hash, field, 1);
}

int hl_pbatch_add_rejected(hl_pbatch_t *pb, int64_t offset, hl_reject_t reason) {
    advance(pb, offset);
    char field[64];
    snprintf(field, sizeof field, "deadletter|%s", hl_reject_code(reason));
    return stats(pb, field);
}

int hl_pbatch_add(hl_pbatch_t *pb, int64_t offset, const hl_event_t *ev,
                  const hl_result_t *res, const hl_who_t *who, size_t nwho, const char *raw,
                  size_t raw_len) {
    if (pb->npending == pb->pending_cap) {
        size_t cap = pb->pending_cap ? pb->pending_cap * 2 : 1024;
        hl_pending_t *p = realloc(pb->pending, cap * sizeof *p);
        if (!p)
            return -1;
        pb->pending = p;
        pb->pending_cap = cap;
    }
    hl_pending_t *p = &pb->pending[pb->npending];
    memset(p, 0, sizeof *p);
    p->type = ev->type;
    p->offset = offset;
    p->ts = ev->ts;
    p->id_len = ev->id.len;
    p->id_off = arena_put(pb, ev->id.ptr, ev->id.len);
    p->park_off = SIZE_MAX;
    if (p->id_off == SIZE_MAX)
        return -1;
    if (ev->type == HL_EV_CREATED) {
        p->due_at = ev->due_at;
        p->topic = res->topic;
        p->sdept = res->dept;
        p->flags = res->flags;
        p->score = res->score;
        for (size_t i = 0; i < nwho && i < 2; i++)
            p->who[p->nwho++] = who[i];
        p->district = ev->district;
        p->appeal = ev->appeal;
        p->channel = ev->channel;
        if (ev->park.ptr) {
            p->park_len = ev->park.len;
            if ((p->park_off = arena_put(pb, ev->park.ptr, ev->park.len)) == SIZE_MAX)
                return -1;
        }
        p->kw_off = pb->arena_len;
        for (size_t i = 0; i < res->nmatches; i++) {
            const char *kw = res->matches[i].rule->keyword;
            if (arena_put(pb, kw, strlen(kw)) == SIZE_MAX)
                return -1;
        }
        p->kw_count = res->nmatches;
    } else {
        p->department = ev->department;
        p->satisfaction = ev->satisfaction;
        p->raw_len = raw_len;
        if ((p->raw_off = arena_put(pb, raw, raw_len)) == SIZE_MAX)
            return -1;
    }
    pb->npending++;
    advance(pb, offset);
    return 0;
}

void hl_pbatch_each_id(const hl_pbatch_t *pb, void (*fn)(void *opaque, const char *id, size_t len),
                       void *opaque) {
    hl_strmap_t seen = {0};
    for (size_t i = 0; i < pb->npending; i++) {
        const hl_pending_t *p = &pb->pending[i];
        int created = 0;
        if (!hl_strmap_get(&seen, pb->arena + p->id_off, p->id_len, &created) || created)
            fn(opaque, pb->arena + p->id_off, p->id_len);
    }
    hl_strmap_free(&seen);
}

static hl_pstate_t *state_of(hl_pbatch_t *pb, const char *id, size_t len) {
    int created = 0;
    hl_strmap_entry_t *e = hl_strmap_get(&pb->tickets, id, len, &created);
    if (!e)
        return NULL;
    if (created) {
        if (pb->nstates == pb->states_cap) {
            size_t cap = pb->states_cap ? pb->states_cap * 2 : 1024;
            hl_pstate_t *s = realloc(pb->states, cap * sizeof *s);
            if (!s)
                return NULL;
            pb->states = s;
            pb->states_cap = cap;
        }
        memset(&pb->states[pb->nstates], 0, sizeof pb->states[0]);
        e->value = (int64_t)pb->nstates++;
    }
    return &pb->states[e->value];
}

int hl_pbatch_set_state(hl_pbatch_t *pb, const char *id, size_t id_len, const char *packed,
                        size_t packed_len) {
    hl_pstate_t *s = state_of(pb, id, id_len);
    if (!s)
        return -1;
    s->dirty = 0;
    s->exists = 0;
    if (!packed)
        return 0;
    if (hl_ticket_unpack(&s->t, packed, packed_len))
        return -1;
    s->exists = 1;
    return 0;
}

/* The (dimension, value) cells a ticket's counts go to, in its quarter, as
 * "<dim>|" and "<value>" halves. Always the same cells in the same order for
 * one ticket; only the responsibility department ("dept") can change. */
typedef struct cells_s {
    int n;
    const char *dim[10];
    char value[10][HL_PARK_MAX + 40];
} cells_t;

static void cell(cells_t *c, const char *dim, const char *v1, const char *v2) {
    c->dim[c->n] = dim;
    size_t l1 = strlen(v1);
    char *v = c->value[c->n++];
    memcpy(v, v1, l1 + 1);
    if (v2) {
        v[l1] = '|';
        memcpy(v + l1 + 1, v2, strlen(v2) + 1);
    }
}

static void ticket_cells(const hl_ticket_t *t, cells_t *c) {
    const char *topic = hl_topics[t->topic].code, *district = hl_districts[t->district].code;
    c->n = 0;
    cell(c, "all|", "", NULL);
    cell(c, "topic|", topic, NULL);
    cell(c, "env|", hl_envs[hl_topics[t->topic].env].code, NULL);
    cell(c, "dept|", hl_depts[hl_ticket_resp_dept(t)].code, NULL);
    cell(c, "sdept|", hl_depts[t->sdept].code, NULL);
    cell(c, "district|", district, NULL);
    cell(c, "appeal|", hl_appeal_code(t->appeal), NULL);
    cell(c, "channel|", hl_channel_name(t->channel), NULL);
    cell(c, "dt|", district, topic);
    if (t->park_len)
        cell(c, "park|", t->park, NULL);
}

/* @returns the index in pb->cell_deltas of cell @p i of @p c in the quarter
 * hash @p h, or -1 when out of memory. */
static int64_t cell_index(hl_pbatch_t *pb, int64_t h, const cells_t *c, int i) {
    char key[sizeof(uint32_t) + 16 + sizeof c->value[0]];
    uint32_t id = (uint32_t)h;
    size_t dl = strlen(c->dim[i]), vl = strlen(c->value[i]);
    if (h < 0)
        return -1;
    if (pb->cells.count == pb->cells_cap) { /* room for a new cell first */
        size_t cap = pb->cells_cap ? pb->cells_cap * 2 : 256;
        int64_t(*d)[HL_M_COUNT] = realloc(pb->cell_deltas, cap * sizeof *d);
        if (!d)
            return -1;
        pb->cell_deltas = d;
        pb->cells_cap = cap;
    }
    memcpy(key, &id, sizeof id);
    memcpy(key + sizeof id, c->dim[i], dl);
    memcpy(key + sizeof id + dl, c->value[i], vl);
    int created;
    hl_strmap_entry_t *e = hl_strmap_get(&pb->cells, key, sizeof id + dl + vl, &created);
    if (!e)
        return -1;
    if (created) {
        e->value = (int64_t)(pb->cells.count - 1);
        memset(pb->cell_deltas[e->value], 0, sizeof pb->cell_deltas[0]);
    }
    return e->value;
}

/* Makes the gathered cells counters: field "<dim>|<metric>|<value>" of their
 * quarter hash, for each metric that moved. @returns 0, or -1 when out of
 * memory. */
static int cells_to_counters(hl_pbatch_t *pb) {
    char field[16 + HL_PARK_MAX + 96];
    for (size_t j = 0; j < pb->cells.count; j++) {
        const hl_strmap_entry_t *e = &pb->cells.entries[j];
        const char *key = hl_strmap_key(&pb->cells, e);
        uint32_t h = hash_of_key(key);
        const char *cell = key + sizeof h;
        size_t cl = e->key_len - sizeof h;
        size_t dl = (size_t)((const char *)memchr(cell, '|', cl) - cell) + 1; /* "<dim>|" */
        for (int m = 0; m < HL_M_COUNT; m++) {
            int64_t delta = pb->cell_deltas[e->value][m];
            if (!delta)
                continue;
            const char *metric = hl_metric_name((hl_metric_t)m);
            size_t ml = strlen(metric);
            memcpy(field, cell, dl);
            memcpy(field + dl, metric, ml);
            field[dl + ml] = '|';
            memcpy(field + dl + ml + 1, cell + dl, cl - dl);
            field[dl + ml + 1 + cl - dl] = '\0';
            if (count_in(pb, h, field, delta))
                return -1;
        }
    }
    hl_strmap_clear(&pb->cells);
    return 0;
}

/* @returns the id of the cohort hash of the quarter of @p created, or -1
 * when out of memory. */
static int64_t quarter_hash(hl_pbatch_t *pb, int64_t created) {
    char quarter[8];
    hl_cst_quarter(created, quarter, sizeof quarter);
    if (strcmp(quarter, pb->q_quarter) != 0) {
        char key[200];
        snprintf(key, sizeof key, "hl:%s:q:%s", pb->tag, quarter);
        if ((pb->q_hash = hash_id(pb, key)) < 0)
            return -1;
        memcpy(pb->q_quarter, quarter, sizeof quarter);
    }
    return pb->q_hash;
}

/* Moves the quarter's counters from the ticket's contribution @p before
 * (NULL: none) to its contribution in state @p after. */
static int recount(hl_pbatch_t *pb, const hl_ticket_t *before, const hl_ticket_t *after) {
    int64_t h = quarter_hash(pb, after->created);
    int cb[HL_M_COUNT] = {0}, ca[HL_M_COUNT];
    cells_t b = {0}, a;
    if (before) {
        hl_ticket_contribution(before, cb);
        ticket_cells(before, &b);
    }
    hl_ticket_contribution(after, ca);
    ticket_cells(after, &a);
    for (int i = 0; i < a.n; i++) {
        /* the same cell: the difference; a moved cell: out of the old, into the new */
        int same = before && strcmp(a.value[i], b.value[i]) == 0;
        int64_t ia = cell_index(pb, h, &a, i), ib = before && !same ? cell_index(pb, h, &b, i) : -1;
        if (ia < 0 || (before && !same && ib < 0))
            return -1;
        for (int m = 0; m < HL_M_COUNT; m++) {
            pb->cell_deltas[ia][m] += ca[m] - (same ? cb[m] : 0);
            if (ib >= 0)
                pb->cell_deltas[ib][m] -= cb[m];
        }
    }
    return 0;
}

/* Writes "hl:<tag>:<kind>:<YYYYMMDD>[HH]" (a bucket's key, at most 180
 * bytes: the tag is under 160) into @p out, by hand: it and bucket_field
 * ran snprintf seven times per new ticket. */
static void bucket_key(char *out, const char *tag, char kind, const hl_cst_t *c) {
    size_t tl = strlen(tag), n = 3 + tl;
    memcpy(out, "hl:", 3);
    memcpy(out + 3, tag, tl);
    out[n++] = ':';
    out[n++] = kind;
    out[n++] = ':';
    n += hl_fmt_u64_pad(out + n, (uint64_t)(c->year > 0 ? c->year : 0), 4);
    n += hl_fmt_u64_pad(out + n, (uint64_t)c->month, 2);
    n += hl_fmt_u64_pad(out + n, (uint64_t)c->day, 2);
    if (kind == 'h')
        n += hl_fmt_u64_pad(out + n, (uint64_t)c->hour, 2);
    out[n] = '\0';
}

/* Writes "<a>|<b>|<c>" (c of @p c_len bytes) into @p out of @p size bytes.
 * They are codes and a park name of at most HL_PARK_MAX bytes, so it fits;
 * were it not to, c is cut (or the field left empty). */
static void bucket_field(char *out, size_t size, const char *a, const char *b, const char *c,
                         size_t c_len) {
    size_t la = strlen(a), lb = strlen(b), head = la + lb + 2;
    if (head >= size) {
        out[0] = '\0';
        return;
    }
    if (c_len > size - 1 - head)
        c_len = size - 1 - head;
    memcpy(out, a, la);
    out[la] = '|';
    memcpy(out + la + 1, b, lb);
    out[head - 1] = '|';
    memcpy(out + head, c, c_len);
    out[head + c_len] = '\0';
}

/* Hotspot buckets: a new ticket counts in its CST hour and day. */
static int bucket(hl_pbatch_t *pb, const hl_pending_t *p, const hl_batch_opts_t *opts) {
    hl_cst_t c;
    hl_cst_from_unix(p->ts, &c);
    char keys[2][200];
    bucket_key(keys[0], pb->tag, 'h', &c);
    bucket_key(keys[1], pb->tag, 'd', &c);
    const int64_t ttl[2] = {opts->hour_ttl_s, opts->day_ttl_s};
    const char *topic = hl_topics[p->topic].code;
    /* the fields, the same in the hour and in the day bucket */
    char fields[5][HL_PARK_MAX + 64];
    const size_t fsize = sizeof fields[0];
    const char *district = hl_districts[p->district].code;
    const size_t tl = strlen(topic);
    int nf = 0;
    bucket_field(fields[nf++], fsize, "dt", district, topic, tl);
    bucket_field(fields[nf++], fsize, "dept", hl_depts[p->sdept].code, topic, tl);
    bucket_field(fields[nf++], fsize, "appeal", hl_appeal_code(p->appeal), topic, tl);
    /* the park as the quarter counts it (ticket_cells): cut at a character,
     * not at a byte, and an empty name is no park */
    size_t park_len = p->park_off != SIZE_MAX ? hl_park_cut(pb->arena + p->park_off, p->park_len)
                                              : 0;
    if (park_len)
        bucket_field(fields[nf++], fsize, "park", topic, pb->arena + p->park_off, park_len);
    if (p->flags & HL_FLAG_URGENT)
        bucket_field(fields[nf++], fsize, "urgent", district, topic, tl);
    /* a hot word counts in "kw#<group>\t<keyword>", a member of the packed
     * field "kw#<group>"; keywords are at most 100 bytes (classify/rules.c) */
    char kw_field[256] = "kw#";
    for (int k = 0; k < 2; k++) {
        const unsigned groups = k ? HL_KWPACK_DAY_GROUPS : HL_KWPACK_HOUR_GROUPS;
        hl_strmap_entry_t *e = hl_strmap_get(&pb->expires, keys[k], strlen(keys[k]), NULL);
        if (!e)
            return -1;
        e->value = ttl[k];
        int64_t h = hash_id(pb, keys[k]);
        int r = 0;
        for (int f = 0; f < nf; f++)
            r |= count_in(pb, h, fields[f], 1);
        const char *kw = pb->arena + p->kw_off;
        for (size_t i = 0; i < p->kw_count; i++) {
            size_t len = strlen(kw);
            if (len + 8 <= sizeof kw_field) {
                size_t at = 3 + hl_fmt_u64(kw_field + 3, hl_kwpack_group(kw, len, groups));
                kw_field[at] = '\t';
                memcpy(kw_field + at + 1, kw, len + 1);
                r |= count_in(pb, h, kw_field, 1);
            }
            kw += len + 1;
        }
        if (r)
            return -1;
    }
    return 0;
}

static void notify(const hl_batch_observer_t *obs, const hl_pbatch_t *pb, const hl_pending_t *p,
                   const hl_ticket_t *t) {
    if (!obs || !obs->changed)
        return;
    hl_change_t c = {p->type, pb->arena + p->id_off, p->id_len, p->ts, t, 0, 0, NULL, 0, NULL, 0};
    if (p->type == HL_EV_CREATED) {
        c.score = p->score;
        c.flags = p->flags;
        c.keywords = pb->arena + p->kw_off;
        c.nkeywords = p->kw_count;
        c.who = p->who;
        c.nwho = p->nwho;
    }
    obs->changed(obs->opaque, &c);
}

/* The lifecycle's view of pending event @p p. */
static void lifecycle_event(const hl_pending_t *p, hl_event_t *ev) {
    memset(ev, 0, sizeof *ev);
    ev->type = p->type;
    ev->ts = p->ts;
    ev->department = p->department;
    ev->satisfaction = (hl_satisfaction_t)p->satisfaction;
}

/* Creates in @p t the ticket of creation @p p (its event @p ev completed
 * with what only a creation carries). */
static void create_ticket(const hl_pbatch_t *pb, const hl_pending_t *p, hl_event_t *ev,
                          const hl_batch_opts_t *opts, hl_ticket_t *t) {
    ev->district = p->district;
    ev->appeal = (hl_appeal_t)p->appeal;
    ev->channel = (hl_channel_t)p->channel;
    ev->due_at = p->due_at;
    if (p->park_off != SIZE_MAX) {
        ev->park.ptr = pb->arena + p->park_off;
        ev->park.len = p->park_len;
    }
    hl_ticket_init(t, ev, p->topic, p->sdept, opts->due_default_s);
}

int hl_pbatch_creations(const hl_pbatch_t *pb, const hl_batch_opts_t *opts,
                        const hl_batch_observer_t *obs) {
    unsigned char *created = calloc(pb->nstates + 1, 1); /* per state: created by this batch */
    if (!created)
        return -1;
    for (size_t i = 0; i < pb->npending; i++) {
        const hl_pending_t *p = &pb->pending[i];
        if (p->type != HL_EV_CREATED)
            continue;
        const hl_strmap_entry_t *e = hl_strmap_find(&pb->tickets, pb->arena + p->id_off, p->id_len);
        if (!e) { /* its state was not loaded */
            free(created);
            return -1;
        }
        if (pb->states[e->value].exists || created[e->value])
            continue; /* a repeat: hl_pbatch_apply() leaves it alone */
        created[e->value] = 1;
        hl_event_t ev;
        hl_ticket_t t;
        lifecycle_event(p, &ev);
        create_ticket(pb, p, &ev, opts, &t);
        notify(obs, pb, p, &t);
    }
    free(created);
    return 0;
}

int hl_pbatch_apply(hl_pbatch_t *pb, const hl_batch_opts_t *opts, const hl_batch_observer_t *obs) {
    for (size_t i = 0; i < pb->npending; i++) {
        const hl_pending_t *p = &pb->pending[i];
        hl_pstate_t *s = state_of(pb, pb->arena + p->id_off, p->id_len);
        if (!s)
            return -1;
        hl_event_t ev;
        lifecycle_event(p, &ev);
        hl_ticket_t before = s->t;
        hl_apply_t r = hl_lifecycle_apply(&s->t, s->exists, &ev);
        char field[64];
        if (r == HL_APPLY_UNKNOWN) {
            if (obs && obs->unknown)
                obs->unknown(obs->opaque, pb->partition, p->offset, pb->arena + p->id_off,
                             p->id_len, pb->arena + p->raw_off, p->raw_len);
            snprintf(field, sizeof field, "deadletter|%s", hl_reject_code(HL_REJECT_UNKNOWN_TICKET));
            if (stats(pb, field))
                return -1;
            continue;
        }
        snprintf(field, sizeof field, "%s|%s", r == HL_APPLY_NOOP ? "repeat" : "applied",
                 hl_event_type_name(p->type));
        if (stats(pb, field))
            return -1;
        if (r == HL_APPLY_NOOP)
            continue;
        if (!s->exists) {
            create_ticket(pb, p, &ev, opts, &s->t);
            s->exists = 1;
            if (recount(pb, NULL, &s->t) || bucket(pb, p, opts))
                return -1;
            char quarter[8];
            hl_cst_quarter(s->t.created, quarter, sizeof quarter);
            if (!hl_strmap_get(&pb->quarters, quarter, strlen(quarter), NULL))
                return -1;
            if (opts->table_version) { /* which table classified the quarter's tickets */
                snprintf(field, sizeof field, "table|received|%s", opts->table_version);
                if (count_in(pb, quarter_hash(pb, s->t.created), field, 1))
                    return -1;
            }
        } else if (recount(pb, &before, &s->t)) {
            return -1;
        }
        s->dirty = 1;
        notify(obs, pb, p, &s->t);
    }
    return cells_to_counters(pb) ? -1 : group_counters(pb);
}

int hl_pbatch_add_alert(hl_pbatch_t *pb, const char *json) {
    if (pb->nalerts == pb->alerts_cap) {
        size_t cap = pb->alerts_cap ? pb->alerts_cap * 2 : 64;
        size_t *a = realloc(pb->alerts_off, cap * sizeof *a);
        if (!a)
            return -1;
        pb->alerts_off = a;
        pb->alerts_cap = cap;
    }
    size_t off = arena_put(pb, json, strlen(json));
    if (off == SIZE_MAX)
        return -1;
    pb->alerts_off[pb->nalerts++] = off;
    return 0;
}

/* Writes the new value of pack @p k (its stored value with its members'
 * deltas) into @p out. @returns 0, or -1 when out of memory. */
static int pack_value(const hl_pbatch_t *pb, size_t k, hl_kwpack_delta_t **d, size_t *dcap,
                      hl_sbuf_t *out) {
    size_t first = pb->pack_start[k], n = pb->pack_start[k + 1] - first;
    if (n > *dcap) {
        hl_kwpack_delta_t *g = realloc(*d, n * sizeof *g);
        if (!g)
            return -1;
        *d = g;
        *dcap = n;
    }
    for (size_t m = 0; m < n; m++) {
        const hl_strmap_entry_t *e = &pb->counters.entries[pb->pack_members[first + m]];
        const char *field = hl_strmap_key(&pb->counters, e) + sizeof(uint32_t);
        const char *tab = memchr(field, '\t', e->key_len - sizeof(uint32_t));
        (*d)[m].word = tab + 1;
        (*d)[m].len = e->key_len - sizeof(uint32_t) - (size_t)(tab + 1 - field);
        (*d)[m].delta = e->value;
    }
    out->len = 0;
    int stored = pb->pack_stored[k] != SIZE_MAX;
    /* the stored value was checked by hl_pbatch_set_stored(): only memory can fail */
    return hl_kwpack_merge(stored ? pb->arena + pb->pack_stored[k] : NULL,
                           stored ? pb->pack_stored_len[k] : 0, *d, n, out) ? -1 : 0;
}

int hl_pbatch_ops(hl_pbatch_t *pb, hl_op_fn fn, void *opaque) {
    hl_kwpack_delta_t *deltas = NULL;
    size_t dcap = 0;
    hl_sbuf_t value = {0};
    int rc = 0;
    for (size_t h = 0; h < pb->hashes.count && !rc; h++) {
        size_t kl, nf, plain = plain_count(pb, h);
        const char *k = hl_pbatch_hash_key(pb, h, &kl, &nf);
        for (size_t i = 0; i < nf && !rc; i++) {
            size_t fl;
            const char *f = hl_pbatch_hash_field(pb, h, i, &fl);
            if (i < plain) {
                size_t c = pb->by_hash[pb->hash_start[h] + i];
                rc = fn(opaque, HL_OP_HSET, k, kl, f, fl, NULL, 0,
                        pb->stored[c] + pb->counters.entries[c].value);
            } else {
                size_t pk = pb->pack_by_hash[pb->pack_hstart[h] + i - plain];
                rc = pack_value(pb, pk, &deltas, &dcap, &value) ||
                     fn(opaque, HL_OP_HSET_TEXT, k, kl, f, fl, value.len ? value.p : "",
                        value.len, 0);
            }
        }
    }
    free(deltas);
    hl_sbuf_free(&value);
    if (rc)
        return -1;
    char key[256], packed[HL_PARK_MAX + 200];
    for (size_t i = 0; i < pb->tickets.count; i++) {
        const hl_strmap_entry_t *e = &pb->tickets.entries[i];
        const hl_pstate_t *s = &pb->states[e->value];
        if (!s->dirty)
            continue;
        size_t kl = hl_key_ticket(pb->tag, hl_strmap_key(&pb->tickets, e), e->key_len, key, sizeof key);
        size_t pl = hl_ticket_pack(&s->t, packed, sizeof packed);
        if (!kl || !pl || fn(opaque, HL_OP_SET, key, kl, packed, pl, NULL, 0, 0))
            return -1;
    }
    size_t prefix = strlen("hl:") + strlen(pb->tag) + 1; /* "hl:{T:P}:" */
    for (size_t i = 0; i < pb->expires.count; i++) { /* the buckets */
        const hl_strmap_entry_t *e = &pb->expires.entries[i];
        const char *bucket = hl_strmap_key(&pb->expires, e);
        if (fn(opaque, HL_OP_EXPIRE, bucket, e->key_len, "", 0, NULL, 0, e->value))
            return -1;
        int kl = snprintf(key, sizeof key, "hl:%s:v:%s", pb->tag, bucket + prefix);
        if (kl < 0 || (size_t)kl >= sizeof key ||
            fn(opaque, HL_OP_MARK, key, (size_t)kl, "", 0, NULL, 0, e->value))
            return -1;
    }
    snprintf(key, sizeof key, "hl:%s:alerts", pb->tag);
    for (size_t i = 0; i < pb->nalerts; i++) {
        const char *a = pb->arena + pb->alerts_off[i];
        if (fn(opaque, HL_OP_LPUSH, key, strlen(key), a, strlen(a), NULL, 0, 10000))
            return -1;
    }
    snprintf(key, sizeof key, "hl:%s:quarters", pb->tag);
    for (size_t i = 0; i < pb->quarters.count; i++) {
        const hl_strmap_entry_t *e = &pb->quarters.entries[i];
        if (fn(opaque, HL_OP_SADD, key, strlen(key), hl_strmap_key(&pb->quarters, e), e->key_len,
               NULL, 0, 0))
            return -1;
    }
    return 0;
}
