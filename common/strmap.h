/* strmap.h: a string-keyed hash map (open addressing, keys copied into the
 * map) from byte strings to a 64-bit value. Used to aggregate a batch's
 * counter changes and to index its tickets. Pure. */
#ifndef HL_STRMAP_H
#define HL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_strmap_entry_s {
    size_t key_off; /* key bytes at arena + key_off, NUL-terminated */
    size_t key_len;
    int64_t value;
} hl_strmap_entry_t;

typedef struct hl_strmap_s {
    hl_strmap_entry_t *entries; /* in insertion order */
    size_t count, cap;
    uint64_t *slots;            /* low 32 bits: index+1 into entries (0 = empty);
                                   high 32: the key's hash, checked before the key */
    size_t nslots;
    char *arena;                /* key bytes */
    size_t arena_len, arena_cap;
} hl_strmap_t;

/* Finds or inserts @p key (value 0 when new).
 * @returns the entry (valid until the next insert), or NULL when out of memory. */
hl_strmap_entry_t *hl_strmap_get(hl_strmap_t *m, const char *key, size_t len, int *created);

/* @returns the key of @p e, borrowed: valid until the next insert. */
static inline const char *hl_strmap_key(const hl_strmap_t *m, const hl_strmap_entry_t *e) {
    return m->arena + e->key_off;
}

/* @returns the entry for @p key or NULL. */
hl_strmap_entry_t *hl_strmap_find(const hl_strmap_t *m, const char *key, size_t len);

/* Empties the map, keeping its memory for reuse. */
void hl_strmap_clear(hl_strmap_t *m);

/* Frees the map's memory (not @p m itself). */
void hl_strmap_free(hl_strmap_t *m);

#endif
