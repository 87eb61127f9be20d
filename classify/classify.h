/* classify.h: the classifier: a validated keyword table compiled into one
 * Vectorscan literal database, and the scoring that turns the keywords found
 * in a ticket's title and content into one topic and one department, with
 * the evidence that explains the decision. Pure: bytes in, struct out.
 *
 * Scoring (docs/keywords.md): each table keyword counts once per ticket, with
 * its weight times classify.title_weight when found in the title, else its
 * weight when found in the content. A topic's score is the sum of its
 * keywords'; the highest wins, ties go to the taxonomy's order, and a best
 * score under classify.min_score gives OTHER. The department is the one of
 * the winning topic's strongest keyword that names a department (earlier
 * table row on a tie), else the topic's default. Flags are the union over
 * every keyword found. */
#ifndef HL_CLASSIFY_H
#define HL_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "classify/rules.h"

typedef struct hl_classifier_s hl_classifier_t;

/* One keyword found: the first place it occurs in the field that counted. */
typedef struct hl_match_s {
    const hl_rule_t *rule; /* borrowed from the classifier's table */
    int in_title;          /* 1: found in the title; 0: in the content */
    uint32_t start, end;   /* UTF-8 byte offsets in the original field */
    double weight;         /* effective weight: rule weight x title factor */
} hl_match_t;

/* A decision. Reuse one across calls; free with hl_result_free(). */
typedef struct hl_result_s {
    int topic;        /* index into hl_topics (HL_TOPIC_OTHER when below threshold) */
    int env;          /* index into hl_envs */
    int dept;         /* index into hl_depts */
    double score;     /* the winning topic's score (the best score if OTHER) */
    unsigned flags;   /* HL_FLAG_* */
    hl_match_t *matches; /* every keyword found, in table order */
    size_t nmatches, cap;
} hl_result_t;

void hl_result_free(hl_result_t *res);

typedef struct hl_classifier_opts_s {
    double title_weight; /* classify.title_weight */
    double min_score;    /* classify.min_score */
} hl_classifier_opts_t;

/* Compiles @p rules. Takes ownership of @p rules on success only.
 * @returns a new classifier (free with hl_classifier_destroy()), or NULL with
 * a message in errstr. A classifier holds scratch space: use one per thread. */
hl_classifier_t *hl_classifier_new(hl_rules_t *rules, const hl_classifier_opts_t *opts,
                                   char *errstr, size_t errstr_size);

/* Loads, validates and compiles the table at @p path.
 * @returns a new classifier or NULL with every problem ("path:line: message")
 * in @p diag. */
hl_classifier_t *hl_classifier_load(const char *path, const hl_classifier_opts_t *opts,
                                    hl_diag_t *diag);

void hl_classifier_destroy(hl_classifier_t *clf);

/* @returns the table, borrowed, valid while @p clf lives. */
const hl_rules_t *hl_classifier_rules(const hl_classifier_t *clf);

/* @returns the size in bytes of the compiled database. */
size_t hl_classifier_db_size(const hl_classifier_t *clf);

/* Classifies a ticket's title (may be NULL) and content into @p res.
 * @returns 0, or -1 when out of memory or the scan failed. */
int hl_classify(hl_classifier_t *clf, const char *title, size_t title_len,
                const char *content, size_t content_len, hl_result_t *res);

#endif
