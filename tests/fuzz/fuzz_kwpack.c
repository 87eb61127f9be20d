/* fuzz_kwpack.c: libFuzzer target for packed hot words (common/kwpack.h):
 * the value Redis holds for a bucket's "kw#<g>" field, as the ingester
 * merges it (hl_kwpack_merge) and as readers expand it (hl_bcache_read_field,
 * store/bucket_cache.h). The input is taken as a stored value. A value the
 * merge accepts comes out sorted, without zero counts, holding every
 * keyword it had, and merging it again with no change gives it back byte
 * for byte; the reader accepts exactly the values hl_kwpack_next() reads to
 * the end (keywords up to 253 bytes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/kwpack.h"
#include "common/sbuf.h"
#include "store/bucket_cache.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

/* @returns 1 when @p s reads to its end as packed lines with keywords of at
 * most @p max_word bytes, 0 when not. */
static int well_formed(const char *s, size_t len, size_t max_word) {
    const char *p = s, *w;
    size_t wl;
    int64_t c;
    int r;
    while ((r = hl_kwpack_next(&p, s + len, &w, &wl, &c)) > 0)
        if (wl > max_word)
            return 0;
    return r == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    hl_kwpack_delta_t d[] = {{"拖欠", 6, 3}, {"a", 1, -1}, {"罚款", 6, 1}};
    hl_sbuf_t out = {0}, again = {0};
    int r = hl_kwpack_merge(in, size, d, 3, &out);
    CHECK(r == 0 || r == -1);
    if (r == 0) {
        CHECK(well_formed(out.p ? out.p : "", out.len, SIZE_MAX));
        const char *p = out.p, *end = out.p + out.len, *w, *prev = NULL;
        size_t wl, prev_len = 0;
        int64_t c;
        while (p && hl_kwpack_next(&p, end, &w, &wl, &c) > 0) {
            CHECK(c != 0 && memchr(w, '\t', wl) == NULL && memchr(w, '\n', wl) == NULL);
            if (prev) {
                int cmp = memcmp(prev, w, prev_len < wl ? prev_len : wl);
                CHECK(cmp < 0 || (cmp == 0 && prev_len < wl));
            }
            prev = w;
            prev_len = wl;
        }
        CHECK(hl_kwpack_merge(out.p, out.len, NULL, 0, &again) == 0);
        CHECK(again.len == out.len && (out.len == 0 || memcmp(again.p, out.p, out.len) == 0));
    }
    hl_bcache_t *bc = hl_bcache_new(1000);
    CHECK(bc);
    hl_bcache_begin(bc);
    CHECK(hl_bcache_read_begin(bc, "k", 1, "m", 1) == HL_OK);
    hl_err_t e = hl_bcache_read_field(bc, "kw#1", 4, in, size);
    /* keywords are at most 100 bytes; the reader takes up to 253 */
    CHECK(e == (well_formed(in, size, 253) ? HL_OK : HL_ERR_INVALID));
    hl_bcache_read_end(bc);
    hl_bcache_destroy(bc);
    hl_sbuf_free(&out);
    hl_sbuf_free(&again);
    return 0;
}
