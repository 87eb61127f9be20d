/* kwpack.c: the packed value is merged with a batch's changes in one pass,
 * both sides sorted by keyword bytes. */
#include "common/kwpack.h"

#include <stdlib.h>
#include <string.h>

unsigned hl_kwpack_group(const char *word, size_t len, unsigned groups) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)word[i]) * 16777619u;
    return h % groups;
}

int hl_kwpack_next(const char **p, const char *end, const char **word, size_t *word_len,
                   int64_t *count) {
    const char *s = *p;
    if (s == end)
        return 0;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *tab = nl ? memchr(s, '\t', (size_t)(nl - s)) : NULL;
    if (!tab || tab == s)
        return -1;
    if (hl_parse_i64(tab + 1, (size_t)(nl - tab - 1), count))
        return -1;
    *word = s;
    *word_len = (size_t)(tab - s);
    *p = nl + 1;
    return 1;
}

/* Byte order, a prefix first. */
static int cmp_words(const char *a, size_t al, const char *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static void put_line(hl_sbuf_t *out, const char *word, size_t len, int64_t count) {
    if (count == 0)
        return;
    hl_sbuf_put(out, word, len);
    hl_sbuf_putc(out, '\t');
    if (count < 0)
        hl_sbuf_putc(out, '-');
    hl_sbuf_putu(out, count < 0 ? (uint64_t)0 - (uint64_t)count : (uint64_t)count, 0);
    hl_sbuf_putc(out, '\n');
}

static int cmp_deltas(const void *a, const void *b) {
    const hl_kwpack_delta_t *x = a, *y = b;
    return cmp_words(x->word, x->len, y->word, y->len);
}

int hl_kwpack_merge(const char *stored, size_t stored_len, hl_kwpack_delta_t *deltas, size_t n,
                    hl_sbuf_t *out) {
    /* a batch may change a few hundred keywords of one group of a day bucket */
    if (n > 1)
        qsort(deltas, n, sizeof *deltas, cmp_deltas);
    const char *p = stored, *end = stored + stored_len, *w = NULL, *prev = NULL;
    size_t wl = 0, prev_len = 0, di = 0;
    int64_t c = 0;
    int more = stored_len ? hl_kwpack_next(&p, end, &w, &wl, &c) : 0;
    while (more > 0 || di < n) {
        if (more < 0)
            return -1;
        if (more > 0 && prev && cmp_words(prev, prev_len, w, wl) >= 0)
            return -1; /* not sorted, or a keyword twice */
        int order = more <= 0 ? 1 : di == n ? -1 : cmp_words(w, wl, deltas[di].word, deltas[di].len);
        if (order > 0) {
            put_line(out, deltas[di].word, deltas[di].len, deltas[di].delta);
            di++;
            continue;
        }
        put_line(out, w, wl, c + (order == 0 ? deltas[di++].delta : 0));
        prev = w;
        prev_len = wl;
        more = hl_kwpack_next(&p, end, &w, &wl, &c);
    }
    if (more < 0)
        return -1;
    return out->oom ? -2 : 0;
}
