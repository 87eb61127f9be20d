/* sample_int.h: helpers shared by the files of the sample generator: the
 * explicit-state PRNG, a growable byte buffer and the text builder's API.
 * Nothing here is public. */
#ifndef HL_SAMPLE_INT_H
#define HL_SAMPLE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/sbuf.h"

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---------------------- */

typedef struct hl_rng_s {
    uint64_t s[4];
} hl_rng_t;

static inline uint64_t hl_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void hl_rng_seed(hl_rng_t *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = hl_splitmix64(&x);
}

static inline uint64_t hl_rotl64(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t hl_rng_next(hl_rng_t *r) {
    uint64_t *s = r->s;
    uint64_t result = hl_rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = hl_rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, n); n > 0. Lemire's multiply-shift (bias < 2^-32 for the
 * small n used here, which is fine for sample data). */
static inline uint32_t hl_rng_below(hl_rng_t *r, uint32_t n) {
    return (uint32_t)(((hl_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static inline double hl_rng_unit(hl_rng_t *r) {
    return (double)(hl_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* True with probability p. */
static inline int hl_rng_chance(hl_rng_t *r, double p) {
    return hl_rng_unit(r) < p;
}

/* Uniform integer in [lo, hi]. */
static inline int hl_rng_range(hl_rng_t *r, int lo, int hi) {
    return lo + (int)hl_rng_below(r, (uint32_t)(hi - lo + 1));
}

/* ---- growable buffer: hl_sbuf_t (common/sbuf.h) ---------------------------- */

/* ---- text builder (sample_text.c) --------------------------------------- */

/* District indices, as in districts.tsv (UNK last). */
enum {
    HL_SD_JK = 0, HL_SD_RZ, HL_SD_DT, HL_SD_DY, HL_SD_JR, HL_SD_YZ,
    HL_SD_XQ, HL_SD_GX, HL_SD_COUNT
};

/* Appeal kinds a template is written as; the generator maps them to
 * appeal_type values. */
enum { HL_KIND_COMPLAINT, HL_KIND_INQUIRY, HL_KIND_SUGGESTION,
       HL_KIND_PRAISE, HL_KIND_REPORT, HL_KIND_HELP };

/* Noise applied to a ticket's text. */
#define HL_TXT_TRADITIONAL 0x01u /* convert to traditional characters */
#define HL_TXT_PINYIN      0x02u /* annotate some characters: 會(huì) */
#define HL_TXT_FULLWIDTH   0x04u /* ASCII digits/letters to full-width */
#define HL_TXT_HALFPUNCT   0x08u /* ，。？！ written half-width */
#define HL_TXT_TYPO        0x10u /* one or two common miswritings */
#define HL_TXT_PARAGRAPHS  0x20u /* line breaks between sentences */

typedef struct hl_text_req_s {
    int topic;           /* 0..24, taxonomy order */
    const char *tag;     /* NULL, or a template tag a hotspot asks for */
    int district;        /* HL_SD_*, or -1 for none/unknown */
    int channel_phone;   /* operator-transcribed style is likelier */
    int new_year;        /* created in the weeks before Spring Festival */
    int year;            /* year of creation (for "2022年") */
    int month;           /* 1..12, month of creation (for "今年3月") */
    size_t content_bytes;/* target size, 0 = natural */
    unsigned flags;      /* HL_TXT_* */
} hl_text_req_t;

typedef struct hl_text_out_s {
    int kind;            /* HL_KIND_* of the template used */
    const char *dept;    /* department code the text points to */
    const char *alt_depts; /* space-separated plausible misroutes */
} hl_text_out_t;

/* Picks a topic index by the realistic skew. */
int hl_sample_text_topic(hl_rng_t *r);

/* Writes a ticket's title (possibly empty: the caller decides whether to use
 * it) and content. Both buffers are appended to. */
void hl_sample_text_make(hl_rng_t *r, const hl_text_req_t *req,
                         hl_sbuf_t *title, hl_sbuf_t *content,
                         hl_text_out_t *out);

/* Short code of topic @p i, or NULL. */
const char *hl_sample_text_topic_code(int i);

/* Industry word for enterprise names, e.g. "精密机械". */
const char *hl_sample_text_industry(hl_rng_t *r);

/* Converts the UTF-8 in @p b from byte @p from on according to @p flags
 * (traditional, pinyin, full-width, half-width punctuation, typos). */
void hl_sample_text_noise(hl_rng_t *r, hl_sbuf_t *b, size_t from,
                          unsigned flags);

/* ---- character tables (sample_zh.c, generated) --------------------------- */

typedef struct hl_zh_s {
    uint16_t simp;   /* simplified code point */
    uint16_t trad;   /* traditional code point */
    const char *py;  /* pinyin with tone marks */
} hl_zh_t;

extern const hl_zh_t hl_sample_zh[];
extern const size_t hl_sample_zh_count;

#endif
