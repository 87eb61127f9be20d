/* run_unit.c: runs the unit-test suites: all, one suite (--suite NAME), or
 * single tests by name. Exit status: 0 when every test passed. */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"

extern const hl_unit_test_t hl_unit_tests_config[];
extern const hl_unit_test_t hl_unit_tests_event[];
extern const hl_unit_test_t hl_unit_tests_classify[];
extern const hl_unit_test_t hl_unit_tests_lifecycle[];
extern const hl_unit_test_t hl_unit_tests_sample[];
extern const hl_unit_test_t hl_unit_tests_alerts[];
extern const hl_unit_test_t hl_unit_tests_feed[];
/* suites of modules that may not be built yet: weak, skipped when absent */
extern const hl_unit_test_t hl_unit_tests_report[] __attribute__((weak));
extern const hl_unit_test_t hl_unit_tests_hotspots[] __attribute__((weak));

static const struct {
    const char *name;
    const hl_unit_test_t *tests;
} suites[] = {
    {"config", hl_unit_tests_config},
    {"event", hl_unit_tests_event},
    {"classify", hl_unit_tests_classify},
    {"lifecycle", hl_unit_tests_lifecycle},
    {"sample", hl_unit_tests_sample},
    {"alerts", hl_unit_tests_alerts},
    {"feed", hl_unit_tests_feed},
    {"report", hl_unit_tests_report},
    {"hotspots", hl_unit_tests_hotspots},
};

int main(int argc, char **argv) {
    const char *suite = NULL;
    int first_name = 1;
    if (argc >= 3 && strcmp(argv[1], "--suite") == 0) {
        suite = argv[2];
        first_name = 3;
    }
    int run = 0, failed = 0;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        if ((suite && strcmp(suite, suites[s].name) != 0) || !suites[s].tests)
            continue;
        for (const hl_unit_test_t *t = suites[s].tests; t->name; t++) {
            int wanted = first_name >= argc;
            for (int i = first_name; i < argc; i++)
                wanted |= strcmp(argv[i], t->name) == 0;
            if (!wanted)
                continue;
            int fails = t->fn();
            run++;
            if (fails)
                failed++;
            printf("%-40s %s\n", t->name, fails ? "FAILED" : "ok");
        }
    }
    printf("%d passed, %d failed\n", run - failed, failed);
    return failed || run == 0 ? 1 : 0;
}
