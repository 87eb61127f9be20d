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

hl_strmap_entry_t *hl_strmap_find(const hl_strmap_t *m, const char *key, size_t len) {
    if (!m->nslots)
        return NULL;
    size_t mask = m->nslots - 1;
    for (size_t s = hash(key, len) & mask; m->slots[s]; s = (s + 1) & mask) {
        hl_strmap_entry_t *e = &m->entries[m->slots[s] - 1];
        if (e->key_len == len && memcmp(m->arena + e->key_off, key, len) == 0)
            return e;
    }
    return NULL;
}

static int rehash(hl_strmap_t *m, size_t nslots) {
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->count; i++) {
        size_t s = hash(m->arena + m->entries[i].key_off, m->entries[i].key_len) & (nslots - 1);
        while (slots[s])
            s = (s + 1) & (nslots - 1);
        slots[s] = (uint32_t)(i + 1);
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return 0;
}

hl_strmap_entry_t *hl_strmap_get(hl_strmap_t *m, const char *key, size_t len, int *created) {
    hl_strmap_entry_t *e = hl_strmap_find(m, key, len);
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
    size_t mask = m->nslots - 1, s = hash(key, len) & mask;
    while (m->slots[s])
        s = (s + 1) & mask;
    m->slots[s] = (uint32_t)(++m->count);
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
