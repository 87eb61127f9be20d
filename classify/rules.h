/* rules.h: the keyword table the hotline office maintains (config/keywords.tsv,
 * format in docs/keywords.md): parsed and validated from a buffer, pure code.
 * Every problem is reported as "source:line: message", all of them at once. */
#ifndef HL_RULES_H
#define HL_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "classify/normalise.h"

#define HL_FLAG_URGENT 0x1u
#define HL_FLAG_COUNT 1
#define HL_TOPIC_NONE (-1) /* a flag-only row ("-" in the topic column) */

typedef struct hl_rule_s {
    char *keyword;      /* as written in the table */
    char *normalised;   /* what is matched */
    size_t normalised_len;
    int topic;          /* index into hl_topics, or HL_TOPIC_NONE */
    int dept;           /* department override, or -1 */
    double weight;
    unsigned flags;     /* HL_FLAG_* */
    int line;
} hl_rule_t;

typedef struct hl_rules_s {
    hl_rule_t *rules;
    size_t count;
    char version[17]; /* hex FNV-1a 64 of the table's bytes */
} hl_rules_t;

/* Growable list of diagnostics, one "source:line: message" per line. */
typedef struct hl_diag_s {
    char *text;   /* NUL-terminated, '\n' after each message; NULL when none */
    size_t len, cap;
    int count;
} hl_diag_t;

void hl_diag_add(hl_diag_t *diag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void hl_diag_free(hl_diag_t *diag);

/* Parses a keyword table from buf[0..len), normalising each keyword with
 * @p nz. @returns a new table (free with hl_rules_destroy()) when it is
 * valid, else NULL with every problem in @p diag (never a partial table). */
hl_rules_t *hl_rules_parse(const char *buf, size_t len, const char *source,
                           const hl_normaliser_t *nz, hl_diag_t *diag);

/* Reads @p path and parses it with hl_rules_parse(). */
hl_rules_t *hl_rules_load_file(const char *path, const hl_normaliser_t *nz,
                               hl_diag_t *diag);

/* @returns the name of one flag bit ("urgent"). */
const char *hl_flag_name(unsigned flag);

void hl_rules_destroy(hl_rules_t *rules);

#endif
