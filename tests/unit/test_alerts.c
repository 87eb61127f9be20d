/* test_alerts.c: identities (keyed hash, masking), alert rules, rendering. */
#include <stdlib.h>
#include <string.h>

#include "common/siphash.h"
#include "ingest/alerts.h"
#include "tests/unit/unit.h"

static int test_siphash_vector(void) {
    int fails = 0;
    /* the reference test vector: key 00..0f, message 00..0e (15 bytes) */
    uint64_t k[2] = {UINT64_C(0x0706050403020100), UINT64_C(0x0f0e0d0c0b0a0908)};
    unsigned char m[15];
    for (int i = 0; i < 15; i++)
        m[i] = (unsigned char)i;
    TEST_ASSERT(hl_siphash(k, m, 15) == UINT64_C(0xa129ca6149be45e5), "got %016llx",
                (unsigned long long)hl_siphash(k, m, 15));
    return fails;
}

static int test_who(void) {
    int fails = 0;
    uint64_t k[2], k2[2];
    hl_siphash_key("secret", k);
    hl_siphash_key("other", k2);
    hl_who_t a, b, c;
    TEST_ASSERT(hl_who_phone(k, "139-1234-5678", 13, &a) == 0, "phone");
    TEST_ASSERT(hl_who_phone(k, "13912345678", 11, &b) == 0, "phone");
    TEST_ASSERT(a.hash == b.hash, "same number, other spelling");
    TEST_STREQ(a.masked, "139****5678");
    TEST_ASSERT(hl_who_phone(k2, "13912345678", 11, &c) == 0 && c.hash != a.hash, "keyed");
    TEST_ASSERT(hl_who_phone(k, "123", 3, &c) == -1, "too short");
    TEST_ASSERT(hl_who_phone(k, "5551234", 7, &c) == 0, "7 digits");
    TEST_STREQ(c.masked, "5*****4");
    TEST_ASSERT(hl_who_credit(k, "91321100ma1xxxxxxx", 18, &a) == 0, "credit");
    TEST_ASSERT(hl_who_credit(k, "91321100MA1XXXXXXX", 18, &b) == 0 && a.hash == b.hash, "case");
    TEST_STREQ(a.masked, "9132**********XXXX");
    TEST_ASSERT(hl_who_credit(k, "9132", 4, &c) == -1, "not 18");
    /* a phone and a credit code with the same characters are different identities */
    TEST_ASSERT(hl_who_phone(k, "913211001234567890", 18, &c) == 0 &&
                hl_who_credit(k, "913211001234567890", 18, &a) == 0 && a.hash != c.hash, "tagged");
    return fails;
}

static int test_alert_rules(void) {
    int fails = 0;
    TEST_ASSERT(hl_alert_repeat(1) == HL_ALERT_NONE, "1");
    TEST_ASSERT(hl_alert_repeat(2) == HL_ALERT_REPEAT, "2");
    TEST_ASSERT(hl_alert_repeat(3) == HL_ALERT_MULTI && hl_alert_repeat(9) == HL_ALERT_MULTI, "3+");
    TEST_ASSERT(!hl_alert_cluster(4, 1, 5), "4 of 5");
    TEST_ASSERT(hl_alert_cluster(5, 1, 5), "the 5th caller");
    TEST_ASSERT(!hl_alert_cluster(5, 0, 5), "the 5th caller's second ticket");
    TEST_ASSERT(!hl_alert_cluster(6, 1, 5), "after the 5th: once only");
    hl_alert_t a = {HL_ALERT_MULTI, "T-1", 3, 1676424660, 12, 0, "园区\"A\"", "139****5678", 3};
    char *s = hl_alert_render(&a);
    TEST_STREQ(s, "{\"schema\":1,\"type\":\"multi\",\"id\":\"T-1\",\"ts\":\"2023-02-15T09:31:00+08:00\","
                  "\"topic\":\"GOV.APPROVAL\",\"district\":\"JK\",\"park\":\"园区\\\"A\\\"\","
                  "\"who\":\"139****5678\",\"count\":3}");
    free(s);
    return fails;
}

const hl_unit_test_t hl_unit_tests_alerts[] = {
    {"siphash_vector", test_siphash_vector},
    {"who", test_who},
    {"alert_rules", test_alert_rules},
    {NULL, NULL},
};
