/* render.h: classification results as JSON (jansson), shared by
 * `hotline classify` and the ingester's outputs. */
#ifndef HL_RENDER_H
#define HL_RENDER_H

#include <jansson.h>

#include "classify/classify.h"

/* JSON dump flags every writer uses: compact, stable key order, 10 digits. */
#define HL_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/* @returns a new JSON object {"id","topic","environment","department","score",
 * "flags":[...],"keywords":[{"keyword","topic","weight","field","start","end"}]}
 * (free with json_decref), or NULL when out of memory. @p id may be NULL. */
json_t *hl_result_to_json(const hl_result_t *res, const char *id, size_t id_len);

#endif
