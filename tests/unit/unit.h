/* unit.h: the unit-test harness. Each test is `static int test_x(void)` that
 * returns its number of failed assertions; each test file exports a table of
 * its tests, and tests/unit/run_unit.c runs all of them or the ones named on
 * the command line (`unit_tests normalise`, cf. librdkafka's RD_UT_TEST). */
#ifndef HL_UNIT_H
#define HL_UNIT_H

#include <stdio.h>
#include <string.h>

typedef struct hl_unit_test_s {
    const char *name;
    int (*fn)(void);
} hl_unit_test_t;

/* Counts a failure (the enclosing function must declare `int fails = 0;`)
 * and prints file:line with a message; the test goes on. */
#define TEST_ASSERT(expr, ...)                                                 \
    do {                                                                       \
        if (!(expr)) {                                                         \
            fprintf(stderr, "%s:%d: assertion failed: %s: ", __FILE__,         \
                    __LINE__, #expr);                                          \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            fails++;                                                           \
        }                                                                      \
    } while (0)

/* Asserts two NUL-terminated strings are equal (NULL-safe). */
#define TEST_STREQ(got, want)                                                  \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        TEST_ASSERT(g_ && w_ && strcmp(g_, w_) == 0, "got \"%s\", want \"%s\"", \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                   \
    } while (0)

#endif
