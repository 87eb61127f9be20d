/* render.c: result -> JSON. */
#include "cmd/render.h"

#include "common/taxonomy.h"

json_t *hl_result_to_json(const hl_result_t *res, const char *id, size_t id_len) {
    json_t *flags = json_array();
    for (unsigned f = 1; f && f <= res->flags; f <<= 1)
        if (res->flags & f)
            json_array_append_new(flags, json_string(hl_flag_name(f)));
    json_t *keywords = json_array();
    for (size_t i = 0; i < res->nmatches; i++) {
        const hl_match_t *m = &res->matches[i];
        json_t *k = json_pack("{s:s, s:s, s:f, s:s, s:I, s:I}",
                              "keyword", m->rule->keyword,
                              "topic", m->rule->topic >= 0 ? hl_topics[m->rule->topic].code : "-",
                              "weight", m->weight,
                              "field", m->in_title ? "title" : "content",
                              "start", (json_int_t)m->start, "end", (json_int_t)m->end);
        if (k && m->rule->dept >= 0)
            json_object_set_new(k, "department", json_string(hl_depts[m->rule->dept].code));
        json_array_append_new(keywords, k);
    }
    json_t *o = json_object();
    if (id)
        json_object_set_new(o, "id", json_stringn(id, id_len));
    json_object_set_new(o, "topic", json_string(hl_topics[res->topic].code));
    json_object_set_new(o, "environment", json_string(hl_envs[res->env].code));
    json_object_set_new(o, "department", json_string(hl_depts[res->dept].code));
    json_object_set_new(o, "score", json_real(res->score));
    json_object_set_new(o, "flags", flags);
    json_object_set_new(o, "keywords", keywords);
    return o;
}
