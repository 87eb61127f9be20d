/* normalise.c: one pass over the input, code point by code point, with a
 * dense lookup table for the CJK blocks (so each character costs a load). */
#include "classify/normalise.h"

#include <stdlib.h>
#include <string.h>

#include "classify/t2s_table.h"
#include "common/utf8.h"

#define CJK_FIRST 0x3400
#define CJK_LAST 0x9FFF
#define COMPAT_FIRST 0xF900
#define COMPAT_LAST 0xFAFF

struct hl_normaliser_s {
    /* simplified form of U+3400..U+9FFF, then U+F900..U+FAFF; 0 = unchanged */
    uint16_t t2s[(CJK_LAST - CJK_FIRST + 1) + (COMPAT_LAST - COMPAT_FIRST + 1)];
};

static int t2s_index(uint32_t cp) {
    if (cp >= CJK_FIRST && cp <= CJK_LAST)
        return (int)(cp - CJK_FIRST);
    if (cp >= COMPAT_FIRST && cp <= COMPAT_LAST)
        return (int)(cp - COMPAT_FIRST + (CJK_LAST - CJK_FIRST + 1));
    return -1;
}

hl_normaliser_t *hl_normaliser_new(void) {
    hl_normaliser_t *nz = calloc(1, sizeof *nz);
    if (!nz)
        return NULL;
    for (size_t i = 0; i < hl_t2s_pair_count; i++) {
        int idx = t2s_index(hl_t2s_pairs[i][0]);
        if (idx >= 0)
            nz->t2s[idx] = hl_t2s_pairs[i][1];
    }
    /* OpenCC's table has chains (薴 -> 苧 -> 苎): follow each to its end, so
     * that normalising is idempotent and 薴, 苧 and 苎 all match a keyword
     * written with any of them (the table has no cycles; the bound is a guard) */
    for (size_t i = 0; i < sizeof nz->t2s / sizeof nz->t2s[0]; i++)
        for (int step = 0; step < 8 && nz->t2s[i]; step++) {
            int next = t2s_index(nz->t2s[i]);
            if (next < 0 || !nz->t2s[next] || nz->t2s[next] == nz->t2s[i])
                break;
            nz->t2s[i] = nz->t2s[next];
        }
    return nz;
}

void hl_normaliser_destroy(hl_normaliser_t *nz) { free(nz); }

void hl_normbuf_free(hl_normbuf_t *buf) {
    free(buf->text);
    free(buf->map);
    buf->text = NULL;
    buf->map = NULL;
    buf->len = buf->cap = 0;
}

/* Whether a code point is dropped as whitespace or punctuation. */
static int is_separator(uint32_t cp) {
    if (cp < 0x80)
        return !((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
                 (cp >= 'A' && cp <= 'Z'));
    return (cp >= 0x80 && cp <= 0xBF) ||     /* C1 controls, Latin-1 punctuation */
           cp == 0xD7 || cp == 0xF7 ||       /* × ÷ */
           (cp >= 0x2000 && cp <= 0x206F) || /* general punctuation */
           (cp >= 0x2190 && cp <= 0x21FF) || /* arrows */
           (cp >= 0x2500 && cp <= 0x27BF) || /* box drawing, shapes, dingbats */
           (cp >= 0x3000 && cp <= 0x303F) || /* CJK symbols and punctuation */
           (cp >= 0xFE10 && cp <= 0xFE1F) || /* vertical forms */
           (cp >= 0xFE30 && cp <= 0xFE6F) || /* CJK compatibility, small forms */
           (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
           cp == 0xFEFF;                     /* BOM / zero-width no-break space */
}

static int is_cjk(uint32_t cp) {
    return (cp >= CJK_FIRST && cp <= CJK_LAST) || (cp >= COMPAT_FIRST && cp <= COMPAT_LAST) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* A letter of a pinyin syllable: a-z or a vowel with a tone mark. */
static int is_pinyin_letter(uint32_t cp) {
    static const uint16_t toned[] = {
        0xE0, 0xE1, 0xE8, 0xE9, 0xEC, 0xED, 0xF2, 0xF3, 0xF9, 0xFA, 0xFC,
        0x101, 0x113, 0x11B, 0x12B, 0x144, 0x148, 0x14D, 0x16B, 0x1CE, 0x1D0,
        0x1D2, 0x1D4, 0x1D6, 0x1D8, 0x1DA, 0x1DC, 0x1F9, 0x251, 0x1E3F};
    if (cp >= 'a' && cp <= 'z')
        return 1;
    for (size_t i = 0; i < sizeof toned / sizeof toned[0]; i++)
        if (cp == toned[i])
            return 1;
    return 0;
}

/* If in[i..) is a pinyin annotation "(xiàng)" or "（xiàng）" (1-7 pinyin
 * letters), @returns its length in bytes, else 0. */
static size_t pinyin_annotation(const unsigned char *in, size_t len, size_t i) {
    uint32_t cp;
    size_t n = hl_utf8_decode(in + i, len - i, &cp);
    if (!n || (cp != '(' && cp != 0xFF08))
        return 0;
    size_t j = i + n;
    int letters = 0;
    while (j < len) {
        n = hl_utf8_decode(in + j, len - j, &cp);
        if (!n)
            return 0;
        if (cp == ')' || cp == 0xFF09)
            return letters >= 1 ? j + n - i : 0;
        if (!is_pinyin_letter(cp) || ++letters > 7)
            return 0;
        j += n;
    }
    return 0;
}

int hl_normalise(const hl_normaliser_t *nz, const char *input, size_t len,
                 hl_normbuf_t *out) {
    if (len + 1 > out->cap) {
        size_t cap = len + 1 > 256 ? len + 1 : 256;
        char *text = realloc(out->text, cap);
        if (!text)
            return -1;
        out->text = text;
        uint32_t *map = realloc(out->map, cap * sizeof *map);
        if (!map)
            return -1;
        out->map = map;
        out->cap = cap;
    }
    const unsigned char *in = (const unsigned char *)input;
    char *o = out->text;
    uint32_t *m = out->map;
    size_t w = 0, i = 0;
    int after_cjk = 0;
    while (i < len) {
        unsigned char c = in[i];
        if (c < 0x80) { /* ASCII fast path */
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                o[w] = (char)c;
                m[w++] = (uint32_t)i;
            } else if (c >= 'A' && c <= 'Z') {
                o[w] = (char)(c | 0x20);
                m[w++] = (uint32_t)i;
            } else if ((c == '(') && after_cjk) {
                size_t skip = pinyin_annotation(in, len, i);
                if (skip) {
                    i += skip;
                    continue;
                }
            }
            after_cjk = 0;
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = hl_utf8_decode(in + i, len - i, &cp);
        if (!n) { /* invalid byte: drop it */
            after_cjk = 0;
            i++;
            continue;
        }
        int idx = t2s_index(cp);
        if (idx >= 0) {
            if (nz->t2s[idx])
                cp = nz->t2s[idx];
            if (cp >= CJK_FIRST && cp <= CJK_LAST) { /* the common case, in short */
                o[w] = (char)(0xE0 | (cp >> 12));
                o[w + 1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[w + 2] = (char)(0x80 | (cp & 0x3F));
                m[w] = m[w + 1] = m[w + 2] = (uint32_t)i;
                w += 3;
                i += n;
                after_cjk = 1;
                continue;
            }
        } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
            if (cp == 0xFF08 && after_cjk) {
                size_t skip = pinyin_annotation(in, len, i);
                if (skip) {
                    i += skip;
                    continue;
                }
            }
            cp -= 0xFEE0; /* full-width ASCII */
            if (cp >= 'A' && cp <= 'Z')
                cp |= 0x20;
        } else if (cp == 0x3000) {
            cp = ' ';
        }
        if (is_separator(cp)) {
            after_cjk = 0;
            i += n;
            continue;
        }
        after_cjk = is_cjk(cp);
        size_t k = hl_utf8_encode(cp, o + w);
        for (size_t b = 0; b < k; b++)
            m[w + b] = (uint32_t)i;
        w += k;
        i += n;
    }
    o[w] = '\0';
    out->len = w;
    return 0;
}
