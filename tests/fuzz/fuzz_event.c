/* fuzz_event.c: libFuzzer target for the ticket-event decoder,
 * hl_event_parse() (ingest/event.h), on arbitrary bytes. Besides the
 * sanitizers, it checks what the decoder promises on success: an id of
 * 1..64 bytes, every string valid UTF-8, enum and index fields in range, a
 * timestamp within HL_TS_MIN..HL_TS_MAX; on rejection, a reason code and a
 * message. One parser is reused across inputs, as the ingester does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/taxonomy.h"
#include "common/utf8.h"
#include "ingest/event.h"
#include "ingest/rfc3339.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

static void check_str(hl_str_t s, int required) {
    if (!s.ptr) {
        CHECK(!required);
        return;
    }
    CHECK(hl_utf8_valid(s.ptr, s.len));
    CHECK(memchr(s.ptr, '\0', s.len) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static hl_event_parser_t *p;
    if (!p && !(p = hl_event_parser_new()))
        abort();
    hl_event_t ev;
    char err[HL_ERRSTR_SIZE];
    err[0] = '\0';
    hl_reject_t r = hl_event_parse(p, (const char *)data, size, &ev, err, sizeof err);
    CHECK(r >= HL_REJECT_NONE && r < HL_REJECT_COUNT && r != HL_REJECT_UNKNOWN_TICKET &&
          r != HL_REJECT_TOO_LARGE);
    CHECK(strcmp(hl_reject_code(r), "unknown") != 0);
    if (r != HL_REJECT_NONE) {
        CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
        return 0;
    }
    CHECK(ev.id.ptr && ev.id.len >= 1 && ev.id.len <= HL_ID_MAX);
    check_str(ev.id, 1);
    CHECK(ev.type >= HL_EV_CREATED && ev.type < HL_EV_COUNT);
    CHECK(ev.ts >= HL_TS_MIN && ev.ts <= HL_TS_MAX);
    CHECK(ev.department >= -1 && ev.department < HL_DEPT_COUNT);
    CHECK(ev.satisfaction >= HL_SAT_NONE && ev.satisfaction <= HL_SAT_DISSATISFIED);
    switch (ev.type) {
    case HL_EV_CREATED:
        CHECK(ev.channel >= HL_CH_PHONE && ev.channel < HL_CH_COUNT);
        CHECK(ev.appeal >= HL_AP_COMPLAINT && ev.appeal < HL_AP_COUNT);
        CHECK(ev.district >= 0 && ev.district < HL_DISTRICT_COUNT);
        check_str(ev.content, 1);
        CHECK(ev.content.len <= HL_CONTENT_MAX);
        check_str(ev.title, 0);
        check_str(ev.park, 0);
        check_str(ev.caller_phone, 0);
        check_str(ev.enterprise_credit_code, 0);
        CHECK(ev.due_at == 0 || (ev.due_at >= HL_TS_MIN && ev.due_at <= HL_TS_MAX));
        /* the names the feed and the counters print must exist */
        CHECK(strcmp(hl_channel_name(ev.channel), "?") != 0);
        CHECK(strcmp(hl_appeal_name(ev.appeal), "?") != 0);
        break;
    case HL_EV_DISPATCHED:
        CHECK(ev.department >= 0);
        break;
    case HL_EV_REVIEWED:
        CHECK(ev.satisfaction != HL_SAT_NONE);
        break;
    default:
        CHECK(ev.content.ptr == NULL && ev.department == -1);
        break;
    }
    return 0;
}
