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

void hl_sbuf_putu(hl_sbuf_t *b, uint64_t v, int width) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width && n < (int)sizeof(tmp))
        tmp[n++] = '0';
    if (b->cap - b->len < (size_t)n && hl_sbuf_reserve(b, (size_t)n) != 0)
        return;
    while (n > 0)
        b->p[b->len++] = tmp[--n];
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
