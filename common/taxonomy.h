/* taxonomy.h: the fixed label set of ../shared/spec/taxonomy.md (topics in
 * their tie-break order, environments, departments, districts with aliases),
 * compiled in as constant tables. Pure lookups; no state. */
#ifndef HL_TAXONOMY_H
#define HL_TAXONOMY_H

#include <stddef.h>

#define HL_TOPIC_COUNT 25
#define HL_ENV_COUNT 6 /* POL MKT GOV LAW HUM OTHER */
#define HL_DEPT_COUNT 29
#define HL_DISTRICT_COUNT 9
#define HL_TOPIC_OTHER (HL_TOPIC_COUNT - 1)      /* OTHER is last */
#define HL_DISTRICT_UNK (HL_DISTRICT_COUNT - 1)  /* UNK is last */

typedef struct hl_topic_s {
    const char *code;    /* "GOV.APPROVAL" */
    int env;             /* index into hl_envs */
    const char *name_zh; /* "行政审批效率" */
    int default_dept;    /* index into hl_depts */
} hl_topic_t;

typedef struct hl_label_s {
    const char *code;
    const char *name_zh;
} hl_label_t;

extern const hl_topic_t hl_topics[HL_TOPIC_COUNT];
extern const hl_label_t hl_envs[HL_ENV_COUNT];
extern const hl_label_t hl_depts[HL_DEPT_COUNT];
extern const hl_label_t hl_districts[HL_DISTRICT_COUNT];

/* @returns the index of the topic whose code is s[0..len), or -1. */
int hl_topic_find(const char *s, size_t len);
/* @returns the index of the department named by code or Chinese name, or -1. */
int hl_dept_find(const char *s, size_t len);
/* @returns the district whose name or alias is s[0..len) (surrounding
 * ASCII spaces ignored), or HL_DISTRICT_UNK for anything else. */
int hl_district_find(const char *s, size_t len);

#endif
