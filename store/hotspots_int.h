/* hotspots_int.h: what the hotspots files share and nobody else needs. */
#ifndef HL_HOTSPOTS_INT_H
#define HL_HOTSPOTS_INT_H

#include "common/taxonomy.h"
#include "store/hotspots.h"

#define HL_HS_APPEAL_COUNT 6
#define HL_HS_BY_COUNT 7

/* Families of bucket fields (docs/redis-keyspace.md). */
typedef enum hl_hs_family_e {
    HL_HS_FAM_DT = 0, /* dt|<district>|<topic> (urgent|<district>|<topic>) */
    HL_HS_FAM_DEPT,   /* dept|<dept>|<topic> */
    HL_HS_FAM_PARK,   /* park|<topic>|<park> */
    HL_HS_FAM_APPEAL, /* appeal|<appeal>|<topic> */
} hl_hs_family_t;

/* Appeal types: code (as in the buckets) and Chinese name. */
extern const hl_label_t hl_hs_appeals[HL_HS_APPEAL_COUNT];
/* Names of hl_hs_by_t values, as the parameter "by" takes them. */
extern const char *const hl_hs_by_names[HL_HS_BY_COUNT];

/* @returns the family of bucket fields grouping @p by reads. */
hl_hs_family_t hl_hs_family(hl_hs_by_t by);

#endif
