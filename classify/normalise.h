/* normalise.h: the text normaliser applied to ticket text and to keywords
 * alike, so that a keyword matches every way enterprises write it:
 *  - traditional and simplified Chinese alike (OpenCC's t2s, per character);
 *  - full-width and half-width alike (Ａ１！ -> a1!), Latin case folded;
 *  - whitespace and punctuation dropped ("跑 了，好几趟" -> "跑了好几趟");
 *  - pinyin annotations after a Chinese character dropped (項(xiàng) -> 项);
 *  - bytes that are not valid UTF-8 dropped.
 * The output is never longer than the input, and each output byte remembers
 * the input offset it came from, so matches can be shown in the original
 * text. Pure code; the mapping tables live in the hl_normaliser_t. */
#ifndef HL_NORMALISE_H
#define HL_NORMALISE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_normaliser_s hl_normaliser_t;

/* Output buffer, reused across calls; grows as needed. */
typedef struct hl_normbuf_s {
    char *text;     /* normalised UTF-8, NUL-terminated */
    size_t len;
    uint32_t *map;  /* map[i]: input offset of the character that produced text[i] */
    size_t cap;
} hl_normbuf_t;

/* @returns a new normaliser (read-only after creation: may be shared by
 * threads), or NULL when out of memory; free with hl_normaliser_destroy(). */
hl_normaliser_t *hl_normaliser_new(void);
void hl_normaliser_destroy(hl_normaliser_t *nz);

/* Normalises in[0..len) (len < 4 GiB) into @p out, replacing its content.
 * @returns 0, or -1 when out of memory. */
int hl_normalise(const hl_normaliser_t *nz, const char *in, size_t len,
                 hl_normbuf_t *out);

/* Frees the buffers of @p buf (not buf itself). */
void hl_normbuf_free(hl_normbuf_t *buf);

#endif
