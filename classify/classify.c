/* classify.c: Vectorscan literal matching and scoring. */
#include "classify/classify.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl.h"
#include "common/taxonomy.h"
#include "common/utf8.h"

struct hl_classifier_s {
    hl_rules_t *rules;
    hl_normaliser_t *nz;
    hs_database_t *db;
    hs_scratch_t *scratch;
    hl_classifier_opts_t opts;
    /* per-call working state, reused */
    hl_normbuf_t nb;
    uint32_t *seen;      /* per rule: generation it was last found in */
    uint32_t generation;
    hl_result_t *res;    /* the result being filled during a scan */
    const char *field;   /* original text of the field being scanned */
    size_t field_len;
    int in_title;
    int failed;
};

void hl_result_free(hl_result_t *res) {
    free(res->matches);
    memset(res, 0, sizeof *res);
}

void hl_classifier_destroy(hl_classifier_t *clf) {
    if (!clf)
        return;
    hs_free_scratch(clf->scratch);
    hs_free_database(clf->db);
    hl_normaliser_destroy(clf->nz);
    hl_rules_destroy(clf->rules);
    hl_normbuf_free(&clf->nb);
    free(clf->seen);
    free(clf);
}

static hl_classifier_t *build(hl_rules_t *rules, hl_normaliser_t *nz,
                              const hl_classifier_opts_t *opts, char *errstr,
                              size_t errstr_size) {
    hl_classifier_t *clf = calloc(1, sizeof *clf);
    const char **exprs = malloc(rules->count * sizeof *exprs);
    size_t *lens = malloc(rules->count * sizeof *lens);
    unsigned *ids = malloc(rules->count * sizeof *ids);
    unsigned *flags = malloc(rules->count * sizeof *flags);
    if (!clf || !exprs || !lens || !ids || !flags) {
        hl_seterr(errstr, errstr_size, "out of memory");
        goto fail;
    }
    clf->seen = calloc(rules->count, sizeof *clf->seen);
    if (!clf->seen) {
        hl_seterr(errstr, errstr_size, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < rules->count; i++) {
        exprs[i] = rules->rules[i].normalised;
        lens[i] = rules->rules[i].normalised_len;
        ids[i] = (unsigned)i;
        flags[i] = HS_FLAG_SINGLEMATCH;
    }
    hs_compile_error_t *cerr = NULL;
    if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)rules->count,
                             HS_MODE_BLOCK, NULL, &clf->db, &cerr) != HS_SUCCESS) {
        hl_seterr(errstr, errstr_size, "compiling the keyword table: %s",
                  cerr ? cerr->message : "unknown error");
        hs_free_compile_error(cerr);
        goto fail;
    }
    if (hs_alloc_scratch(clf->db, &clf->scratch) != HS_SUCCESS) {
        hl_seterr(errstr, errstr_size, "allocating Vectorscan scratch");
        goto fail;
    }
    clf->nz = nz;
    clf->rules = rules;
    clf->opts = *opts;
    free(exprs);
    free(lens);
    free(ids);
    free(flags);
    return clf;
fail:
    free(exprs);
    free(lens);
    free(ids);
    free(flags);
    if (clf) {
        hs_free_scratch(clf->scratch);
        hs_free_database(clf->db);
        free(clf->seen);
        free(clf);
    }
    return NULL;
}

hl_classifier_t *hl_classifier_new(hl_rules_t *rules, const hl_classifier_opts_t *opts,
                                   char *errstr, size_t errstr_size) {
    hl_normaliser_t *nz = hl_normaliser_new();
    if (!nz) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    hl_classifier_t *clf = build(rules, nz, opts, errstr, errstr_size);
    if (!clf)
        hl_normaliser_destroy(nz);
    return clf;
}

hl_classifier_t *hl_classifier_load(const char *path, const hl_classifier_opts_t *opts,
                                    hl_diag_t *diag) {
    hl_normaliser_t *nz = hl_normaliser_new();
    if (!nz) {
        hl_diag_add(diag, "%s: out of memory", path);
        return NULL;
    }
    hl_rules_t *rules = hl_rules_load_file(path, nz, diag);
    if (!rules) {
        hl_normaliser_destroy(nz);
        return NULL;
    }
    char errstr[HL_ERRSTR_SIZE];
    hl_classifier_t *clf = build(rules, nz, opts, errstr, sizeof errstr);
    if (!clf) {
        hl_diag_add(diag, "%s: %s", path, errstr);
        hl_rules_destroy(rules);
        hl_normaliser_destroy(nz);
    }
    return clf;
}

const hl_rules_t *hl_classifier_rules(const hl_classifier_t *clf) { return clf->rules; }

size_t hl_classifier_db_size(const hl_classifier_t *clf) {
    size_t size = 0;
    hs_database_size(clf->db, &size);
    return size;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx) {
    (void)from;
    (void)flags;
    hl_classifier_t *clf = ctx;
    hl_result_t *res = clf->res;
    const hl_rule_t *rule = &clf->rules->rules[id];
    double weight = rule->weight * (clf->in_title ? clf->opts.title_weight : 1.0);
    if (clf->seen[id] == clf->generation)
        return 0; /* found in the title already: counted once, the title's way */
    clf->seen[id] = clf->generation;
    if (res->nmatches == res->cap) {
        size_t cap = res->cap ? res->cap * 2 : 16;
        hl_match_t *m = realloc(res->matches, cap * sizeof *m);
        if (!m) {
            clf->failed = 1;
            return 1; /* stop the scan */
        }
        res->matches = m;
        res->cap = cap;
    }
    /* Map the match back to the original text: from the first character's
     * offset to the end of the last character. */
    size_t start = (size_t)to - rule->normalised_len;
    uint32_t orig_start = clf->nb.map[start];
    uint32_t last = clf->nb.map[to - 1];
    uint32_t cp;
    size_t n = hl_utf8_decode((const unsigned char *)clf->field + last,
                              clf->field_len - last, &cp);
    hl_match_t *m = &res->matches[res->nmatches++];
    m->rule = rule;
    m->in_title = clf->in_title;
    m->start = orig_start;
    m->end = last + (uint32_t)(n ? n : 1);
    m->weight = weight;
    return 0;
}

static int scan(hl_classifier_t *clf, const char *text, size_t len, int in_title) {
    if (!text || len == 0)
        return 0;
    if (hl_normalise(clf->nz, text, len, &clf->nb))
        return -1;
    if (clf->nb.len == 0)
        return 0;
    clf->field = text;
    clf->field_len = len;
    clf->in_title = in_title;
    hs_error_t err = hs_scan(clf->db, clf->nb.text, (unsigned)clf->nb.len, 0,
                             clf->scratch, on_match, clf);
    if (clf->failed || (err != HS_SUCCESS && err != HS_SCAN_TERMINATED))
        return -1;
    return 0;
}

/* Sorts matches by rule (each rule matches once, so the order is total): an
 * insertion sort, as a ticket has a few dozen matches at most and qsort's
 * generic merge sort cost more than the scan's callbacks. */
static void sort_by_rule(hl_match_t *m, size_t n) {
    for (size_t i = 1; i < n; i++) {
        hl_match_t x = m[i];
        size_t j = i;
        for (; j > 0 && m[j - 1].rule > x.rule; j--)
            m[j] = m[j - 1];
        m[j] = x;
    }
}

int hl_classify(hl_classifier_t *clf, const char *title, size_t title_len,
                const char *content, size_t content_len, hl_result_t *res) {
    res->nmatches = 0;
    res->flags = 0;
    clf->res = res;
    clf->failed = 0;
    if (++clf->generation == 0) { /* wrapped: forget every old mark */
        memset(clf->seen, 0, clf->rules->count * sizeof *clf->seen);
        clf->generation = 1;
    }
    if (scan(clf, title, title_len, 1) || scan(clf, content, content_len, 0))
        return -1;
    sort_by_rule(res->matches, res->nmatches);

    double scores[HL_TOPIC_COUNT] = {0};
    for (size_t i = 0; i < res->nmatches; i++) {
        const hl_match_t *m = &res->matches[i];
        res->flags |= m->rule->flags;
        if (m->rule->topic != HL_TOPIC_NONE)
            scores[m->rule->topic] += m->weight;
    }
    int best = HL_TOPIC_OTHER;
    double best_score = 0;
    for (int t = 0; t < HL_TOPIC_OTHER; t++)
        if (scores[t] > best_score) {
            best = t;
            best_score = scores[t];
        }
    res->score = best_score;
    if (best_score < clf->opts.min_score || best == HL_TOPIC_OTHER) {
        res->topic = HL_TOPIC_OTHER;
    } else {
        res->topic = best;
    }
    res->env = hl_topics[res->topic].env;
    res->dept = hl_topics[res->topic].default_dept;
    double dept_weight = 0;
    for (size_t i = 0; i < res->nmatches; i++) {
        const hl_match_t *m = &res->matches[i];
        if (m->rule->topic == res->topic && m->rule->dept >= 0 && m->weight > dept_weight) {
            res->dept = m->rule->dept;
            dept_weight = m->weight;
        }
    }
    return 0;
}
