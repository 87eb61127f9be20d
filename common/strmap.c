/* strmap.c: word-at-a-time hashing, linear probing, keys in one growing arena. */
#include "common/strmap.h"

#include <stdlib.h>
#include <string.h>

/* Eight bytes per step, multiply and fold (keys are 20-150 bytes). */
static uint64_t hash(const char *s, size_t len) {
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * UINT64_C(0xBF58476D1CE4E5B9);
        h ^= h >> 31;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, len - i);
    h = (h ^ w) * UINT64_C(0x94D049BB133111EB);
    return h ^ (h >> 29);
}

/* A slot: the entry's index + 1 and the top half of its key's hash. */
static uint64_t slot_of(size_t index, uint64_t h) {
    return (h & UINT64_C(0xFFFFFFFF00000000)) | (uint64_t)(index + 1);
}

static hl_strmap_entry_t *find(const hl_strmap_t *m, const char *key, size_t len, uint64_t h) {
    if (!m->nslots)
        return NULL;
    size_t mask = m->nslots - 1;
    uint64_t tag = h & UINT64_C(0xFFFFFFFF00000000);
    for (size_t s = h & mask; m->slots[s]; s = (s + 1) & mask) {
        if ((m->slots[s] & UINT64_C(0xFFFFFFFF00000000)) != tag)
            continue;
        hl_strmap_entry_t *e = &m->entries[(uint32_t)m->slots[s] - 1];
        if (e->key_len == len && memcmp(m->arena + e->key_off, key, len) == 0)
            return e;
    }
    return NULL;
}

hl_strmap_entry_t *hl_strmap_find(const hl_strmap_t *m, const char *key, size_t len) {
    return find(m, key, len, hash(key, len));
}

/* Places entry @p index with hash @p h in the first free slot. */
static void place(uint64_t *slots, size_t nslots, size_t index, uint64_t h) {
    size_t s = h & (nslots - 1);
    while (slots[s])
        s = (s + 1) & (nslots - 1);
    slots[s] = slot_of(index, h);
}

static int rehash(hl_strmap_t *m, size_t nslots) {
    uint64_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->count; i++)
        place(slots, nslots, i, hash(m->arena + m->entries[i].key_off, m->entries[i].key_len));
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return 0;
}

hl_strmap_entry_t *hl_strmap_get(hl_strmap_t *m, const char *key, size_t len, int *created) {
    uint64_t h = hash(key, len);
    hl_strmap_entry_t *e = find(m, key, len, h);
    if (created)
        *created = !e;
    if (e)
        return e;
    if ((m->count + 1) * 2 > m->nslots && rehash(m, m->nslots ? m->nslots * 2 : 64))
        return NULL;
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        hl_strmap_entry_t *n = realloc(m->entries, cap * sizeof *n);
        if (!n)
            return NULL;
        m->entries = n;
        m->cap = cap;
    }
    if (m->arena_len + len + 1 > m->arena_cap) {
        size_t cap = m->arena_cap ? m->arena_cap : 4096;
        while (cap < m->arena_len + len + 1)
            cap *= 2;
        char *a = realloc(m->arena, cap);
        if (!a)
            return NULL;
        m->arena = a;
        m->arena_cap = cap;
    }
    char *k = m->arena + m->arena_len;
    memcpy(k, key, len);
    k[len] = '\0';
    m->arena_len += len + 1;
    e = &m->entries[m->count];
    e->key_off = (size_t)(k - m->arena);
    e->key_len = len;
    e->value = 0;
    place(m->slots, m->nslots, m->count++, h);
    return e;
}

void hl_strmap_clear(hl_strmap_t *m) {
    if (m->slots)
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
    m->count = 0;
    m->arena_len = 0;
}

void hl_strmap_free(hl_strmap_t *m) {
    free(m->entries);
    free(m->slots);
    free(m->arena);
    memset(m, 0, sizeof *m);
}
