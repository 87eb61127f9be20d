/* feed.h: the classified feed's messages (topic.classified), rendered from a
 * ticket change as JSON. Pure. The content depends only on the ticket's
 * events and the keyword-table version, never on when or how often it is
 * rendered, so a message repeated after a crash is byte-identical and
 * readers can de-duplicate by key. No ticket text, no personal data. */
#ifndef HL_FEED_H
#define HL_FEED_H

#include "ingest/batch.h"

#define HL_FEED_SCHEMA "1" /* the messages' "schema" */

/* Renders @p c: for `created`
 *   {"schema":1,"type":"ticket","id","ts","quarter","district","park",
 *    "appeal_type","channel","topic","environment","department","score",
 *    "flags":[...],"keywords":[...],"table_version"}
 * and for the other events a status message
 *   {"schema":1,"type":"status","id","ts","event","status","department",
 *    "reopened","satisfaction"}.
 * @returns a malloc'd NUL-terminated string (free()), or NULL when out of memory. */
char *hl_feed_render(const hl_change_t *c, const char *table_version);

#endif
