/* sample_tpl.h: the template tables of sample_tpl.c (internal). */
#ifndef HL_SAMPLE_TPL_H
#define HL_SAMPLE_TPL_H

#include <stddef.h>

#define HL_TPL_TOPICS 25

/* One template: see sample_tpl.c for the little language. */
typedef struct hl_tpl_s {
    char kind;          /* C Q S P R H */
    const char *dept;   /* department code the text points to, or NULL */
    const char *tag;    /* NULL or a hotspot tag ("outage", "wage" ...) */
    const char *title;  /* title template, or NULL (none fits) */
    const char *body;   /* content template */
} hl_tpl_t;

typedef struct hl_topic_tpl_s {
    const char *code;   /* taxonomy code */
    const char *dept;   /* default department code */
    int weight;         /* relative frequency */
    const char *alt;    /* space-separated plausible misroutes */
    const hl_tpl_t *t;
    size_t nt;
    const char *const *d; /* extra topic sentences (details) */
    size_t nd;
} hl_topic_tpl_t;

extern const hl_topic_tpl_t hl_sample_topics[HL_TPL_TOPICS];

#endif
