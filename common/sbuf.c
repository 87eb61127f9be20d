/* sbuf.c: the growable buffer's slow paths. */
#include "common/sbuf.h"

#include <stdlib.h>

int hl_sbuf_reserve(hl_sbuf_t *b, size_t n) {
    if (b->oom)
        return -1;
    if (b->cap - b->len >= n)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

size_t hl_fmt_u64(char *out, uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t hl_fmt_u64_pad(char *out, uint64_t v, int width) {
    char digits[20];
    size_t n = hl_fmt_u64(digits, v), pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
    memset(out, '0', pad);
    memcpy(out + pad, digits, n);
    return pad + n;
}

size_t hl_fmt_i64(char *out, int64_t v) {
    if (v >= 0)
        return hl_fmt_u64(out, (uint64_t)v);
    out[0] = '-';
    return 1 + hl_fmt_u64(out + 1, -(uint64_t)v);
}

int hl_parse_i64(const char *s, size_t len, int64_t *out) {
    size_t d = len && s[0] == '-';
    if (d == len || len - d > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = d; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = d ? -v : v;
    return 0;
}

void hl_sbuf_putu(hl_sbuf_t *b, uint64_t v, int width) {
    char digits[20];
    size_t n = hl_fmt_u64(digits, v);
    for (size_t pad = n; (int)pad < width; pad++)
        hl_sbuf_putc(b, '0');
    hl_sbuf_put(b, digits, n);
}

char *hl_sbuf_finish(hl_sbuf_t *b) {
    hl_sbuf_putc(b, '\0');
    char *s = b->oom ? NULL : b->p;
    if (!s)
        free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
    return s;
}

void hl_sbuf_free(hl_sbuf_t *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
