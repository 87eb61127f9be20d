/* fuzz_normalise.c: libFuzzer target for the text normaliser,
 * hl_normalise() (classify/normalise.h), and for hl_classify() with the
 * default keyword table, on arbitrary bytes.
 *
 * Normaliser checks: the output is never longer than the input, is valid
 * UTF-8 without ASCII upper case or ASCII punctuation, ends with a NUL, and
 * its map[] holds non-decreasing input offsets below the input length;
 * normalising the output again changes nothing.
 * Classifier checks: labels within the taxonomy, every match inside its
 * field, and the original text of a match normalises to its keyword.
 *
 * The default table is config/keywords.tsv under the repository, found
 * through the environment variable HL_SOURCE_DIR (default ".", i.e. run
 * from the repository root; scripts/fuzz sets it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "classify/normalise.h"
#include "common/taxonomy.h"
#include "common/utf8.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

static hl_normaliser_t *nz;
static hl_classifier_t *clf;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *dir = getenv("HL_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/config/keywords.tsv", dir && *dir ? dir : ".");
    hl_classifier_opts_t opts = {1.5, 3};
    hl_diag_t diag = {0};
    nz = hl_normaliser_new();
    clf = hl_classifier_load(path, &opts, &diag);
    if (!nz || !clf) {
        fprintf(stderr, "fuzz_normalise: cannot load %s (set HL_SOURCE_DIR to the repository):\n%s",
                path, diag.text ? diag.text : "out of memory\n");
        exit(1);
    }
    hl_diag_free(&diag);
    return 0;
}

static void check_normalised(const char *in, size_t len, const hl_normbuf_t *nb) {
    CHECK(nb->len <= len);
    CHECK(nb->text[nb->len] == '\0');
    CHECK(hl_utf8_valid(nb->text, nb->len));
    for (size_t i = 0; i < nb->len; i++) {
        unsigned char c = (unsigned char)nb->text[i];
        CHECK(nb->map[i] < len);
        CHECK(i == 0 || nb->map[i] >= nb->map[i - 1]);
        if (c < 0x80)
            CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
    }
    (void)in;
}

static void check_matches(const hl_result_t *res, const char *title, size_t title_len,
                          const char *content, size_t content_len) {
    static hl_normbuf_t sub;
    CHECK(res->topic >= 0 && res->topic < HL_TOPIC_COUNT);
    CHECK(res->env >= 0 && res->env < HL_ENV_COUNT);
    CHECK(res->dept >= 0 && res->dept < HL_DEPT_COUNT);
    for (size_t i = 0; i < res->nmatches; i++) {
        const hl_match_t *m = &res->matches[i];
        const char *field = m->in_title ? title : content;
        size_t len = m->in_title ? title_len : content_len;
        CHECK(m->start < m->end && m->end <= len);
        CHECK(i == 0 || m->rule > res->matches[i - 1].rule);
        CHECK(hl_normalise(nz, field + m->start, m->end - m->start, &sub) == 0);
        CHECK(sub.len == m->rule->normalised_len &&
              memcmp(sub.text, m->rule->normalised, sub.len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static hl_normbuf_t nb, again;
    const char *in = (const char *)data;
    CHECK(hl_normalise(nz, in, size, &nb) == 0);
    check_normalised(in, size, &nb);
    CHECK(hl_normalise(nz, nb.text, nb.len, &again) == 0);
    CHECK(again.len == nb.len && memcmp(again.text, nb.text, nb.len) == 0);

    /* the first byte picks where the title ends and the content begins */
    size_t split = size ? data[0] % (size + 1) : 0;
    static hl_result_t res;
    CHECK(hl_classify(clf, in, split, in + split, size - split, &res) == 0);
    check_matches(&res, in, split, in + split, size - split);
    CHECK(hl_classify(clf, NULL, 0, in, size, &res) == 0);
    check_matches(&res, NULL, 0, in, size);
    return 0;
}
