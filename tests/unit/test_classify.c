/* test_classify.c: placeholder replaced below */
#include "tests/unit/unit.h"
const hl_unit_test_t hl_unit_tests_classify[] = {{NULL, NULL}};
