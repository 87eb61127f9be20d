/* fuzz_rules.c: libFuzzer target for the keyword-table loader,
 * hl_rules_parse() (classify/rules.h), on arbitrary bytes. A table that
 * parses is checked (every rule labelled within the taxonomy, a non-empty
 * normalised keyword that is valid UTF-8), compiled with hl_classifier_new()
 * and used to classify a fixed ticket; a table that does not parse must
 * come with at least one "source:line: message" diagnostic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "classify/rules.h"
#include "common/hl.h"
#include "common/taxonomy.h"
#include "common/utf8.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

static const char title[] = "营业执照办理难 跑了好几趟";
static const char content[] =
    "我们公司去年申请的營業執照，窗口人员说材料不全，跑了 好几趟还没办下来；"
    "另外项(xiàng)目的工程款拖欠半年，ＡＢＣ公司 abc-123 也被拖欠！紧急：工人讨薪。";

static void check_rules(const hl_rules_t *rules) {
    CHECK(rules->count >= 1);
    CHECK(strlen(rules->version) == 16);
    for (size_t i = 0; i < rules->count; i++) {
        const hl_rule_t *r = &rules->rules[i];
        CHECK(r->keyword && r->normalised);
        CHECK(r->normalised_len >= 1 && r->normalised_len == strlen(r->normalised));
        CHECK(r->normalised_len <= strlen(r->keyword));
        CHECK(hl_utf8_valid(r->normalised, r->normalised_len));
        CHECK(r->topic == HL_TOPIC_NONE || (r->topic >= 0 && r->topic < HL_TOPIC_OTHER));
        CHECK(r->dept >= -1 && r->dept < HL_DEPT_COUNT);
        CHECK(r->topic != HL_TOPIC_NONE ? r->weight > 0 && r->weight <= 100
                                        : r->weight == 0 && r->flags && r->dept == -1);
        CHECK((r->flags & ~(unsigned)HL_FLAG_URGENT) == 0);
        CHECK(r->line >= 2);
    }
}

static void check_result(const hl_result_t *res) {
    CHECK(res->topic >= 0 && res->topic < HL_TOPIC_COUNT);
    CHECK(res->env >= 0 && res->env < HL_ENV_COUNT);
    CHECK(res->dept >= 0 && res->dept < HL_DEPT_COUNT);
    for (size_t i = 0; i < res->nmatches; i++) {
        const hl_match_t *m = &res->matches[i];
        size_t len = m->in_title ? sizeof title - 1 : sizeof content - 1;
        CHECK(m->start < m->end && m->end <= len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static hl_normaliser_t *nz;
    if (!nz && !(nz = hl_normaliser_new()))
        abort();
    hl_diag_t diag = {0};
    hl_rules_t *rules = hl_rules_parse((const char *)data, size, "fuzz.tsv", nz, &diag);
    if (!rules) {
        CHECK(diag.count > 0 && diag.text && strncmp(diag.text, "fuzz.tsv", 8) == 0);
        CHECK(diag.text[diag.len - 1] == '\n');
        hl_diag_free(&diag);
        return 0;
    }
    CHECK(diag.count == 0);
    hl_diag_free(&diag);
    check_rules(rules);
    hl_classifier_opts_t opts = {1.5, 3};
    char err[HL_ERRSTR_SIZE];
    hl_classifier_t *clf = hl_classifier_new(rules, &opts, err, sizeof err);
    if (!clf) { /* ownership stays with us on failure */
        hl_rules_destroy(rules);
        return 0;
    }
    hl_result_t res = {0};
    CHECK(hl_classify(clf, title, sizeof title - 1, content, sizeof content - 1, &res) == 0);
    check_result(&res);
    CHECK(hl_classify(clf, NULL, 0, content, sizeof content - 1, &res) == 0);
    check_result(&res);
    hl_result_free(&res);
    hl_classifier_destroy(clf);
    return 0;
}
