/* sbuf.h: a growable byte buffer for building text (messages, commands,
 * reports). An allocation failure sticks (oom) and later appends do nothing,
 * so a builder checks once at the end. Pure. */
#ifndef HL_SBUF_H
#define HL_SBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct hl_sbuf_s {
    char *p;
    size_t len, cap;
    int oom; /* sticky: an allocation failed, contents are incomplete */
} hl_sbuf_t;

/* Makes room for @p n more bytes; returns 0 or -1 (and sets oom). */
int hl_sbuf_reserve(hl_sbuf_t *b, size_t n);

static inline void hl_sbuf_put(hl_sbuf_t *b, const char *s, size_t n) {
    if (b->cap - b->len < n && hl_sbuf_reserve(b, n) != 0)
        return;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void hl_sbuf_puts(hl_sbuf_t *b, const char *s) {
    hl_sbuf_put(b, s, strlen(s));
}

static inline void hl_sbuf_putc(hl_sbuf_t *b, char c) {
    if (b->cap == b->len && hl_sbuf_reserve(b, 1) != 0)
        return;
    b->p[b->len++] = c;
}

/* Writes the decimal form of @p v at @p out (no NUL).
 * @returns its length (1..20). */
size_t hl_fmt_u64(char *out, uint64_t v);

/* Writes @p v zero-padded to @p width digits (printf's "%0*llu") at @p out
 * (no NUL). @returns its length (max(width, digits)); out holds at least 20
 * bytes or width. */
size_t hl_fmt_u64_pad(char *out, uint64_t v, int width);

/* Writes the signed decimal form of @p v at @p out (no NUL; at least 20
 * bytes). @returns its length. */
size_t hl_fmt_i64(char *out, int64_t v);

/* Reads the whole of s[0..len) as a decimal integer: an optional '-', then
 * 1 to 18 digits (no overflow possible). @returns 0 with *out, or -1. */
int hl_parse_i64(const char *s, size_t len, int64_t *out);

/* Appends the decimal form of @p v, zero-padded to @p width digits. */
void hl_sbuf_putu(hl_sbuf_t *b, uint64_t v, int width);

/* Ends the text with a NUL (not counted in len).
 * @returns the malloc'd string, owned by the caller (free()), or NULL after
 * an allocation failure (the storage is freed). The buffer is empty after. */
char *hl_sbuf_finish(hl_sbuf_t *b);

/* Frees the storage; the buffer is reusable afterwards. */
void hl_sbuf_free(hl_sbuf_t *b);

#endif
