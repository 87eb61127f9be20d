/* alerts.h: what makes a supervisor look twice, as pure code: the identity
 * of a caller or enterprise as a keyed hash (raw phones and credit codes are
 * never stored) with a masked form a person can recognise, the decision
 * rules, and the alert's JSON. The counts the rules need come from Redis
 * (store.c hl_store_zcount) in idempotent sorted sets:
 *   repeat (重复诉求)   the same caller/enterprise on the same topic again within
 *                     alerts.repeat.days: 2 tickets -> "repeat", 3+ -> "multi" (一人多诉)
 *   cluster (多人同诉)  alerts.cluster.callers different callers on one topic in
 *                     one district or park on one day (fires once, at the N-th)
 *   urgent            a ticket flagged urgent by the keyword table */
#ifndef HL_ALERTS_H
#define HL_ALERTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_who_s {
    uint64_t hash;     /* SipHash of the normalised identity under alerts.hash.key */
    char masked[24];   /* "139****5678", "9132**********XXXX" */
} hl_who_t;

/* Normalises a phone (digits only; at least 7) or a credit code (letters and
 * digits, upper case; 18) and fills @p out. @returns 0, or -1 when the
 * value is not usable as an identity. */
int hl_who_phone(const uint64_t key[2], const char *phone, size_t len, hl_who_t *out);
int hl_who_credit(const uint64_t key[2], const char *code, size_t len, hl_who_t *out);

typedef enum hl_alert_type_e {
    HL_ALERT_NONE = 0, HL_ALERT_REPEAT, HL_ALERT_MULTI, HL_ALERT_CLUSTER, HL_ALERT_URGENT
} hl_alert_type_t;

const char *hl_alert_type_name(hl_alert_type_t t);

/* @p count: tickets of this identity on this topic within the window, this
 * one included. @returns HL_ALERT_NONE, HL_ALERT_REPEAT (2) or HL_ALERT_MULTI (3+). */
hl_alert_type_t hl_alert_repeat(int64_t count);

/* @p callers: distinct callers whose first ticket of the day (on this topic,
 * in this place) came at or before this one; @p first_today: this ticket is
 * its caller's first there today. Fires once, for the @p threshold-th caller. */
int hl_alert_cluster(int64_t callers, int first_today, int64_t threshold);

typedef struct hl_alert_s {
    hl_alert_type_t type;
    const char *id;
    size_t id_len;
    int64_t ts;
    int topic, district;
    const char *park;  /* NULL: none */
    const char *who;   /* masked identity, NULL: none */
    int64_t count;     /* tickets (repeat/multi) or callers (cluster); 1 for urgent */
} hl_alert_t;

/* @returns the alert as compact JSON {"schema":1,"type","id","ts","topic",
 * "district","park","who","count"} (malloc'd; free()), or NULL. */
char *hl_alert_render(const hl_alert_t *a);

#endif
