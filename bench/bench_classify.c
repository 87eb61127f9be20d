/* bench_classify.c: the classifier alone, on one core: tickets/s and MB/s of
 * ticket text (normalisation included) for the default keyword table and for
 * generated tables of 3,000 and 30,000 keywords; the compiled table's size;
 * the table's load time. Texts: the sample generator's ~860-byte contents.
 * Also the ticket-event decoder beside yajl alone (validating UTF-8, callbacks
 * that do nothing: the decoder's ceiling) in the same run, on every message
 * of the sample stream and on its `created` events (~1 KB) alone.
 * Usage: build/bench_classify [TABLE] [TICKETS]   (a benchmark, not a test) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>

#include "classify/classify.h"
#include "common/hl.h"
#include "common/taxonomy.h"
#include "ingest/event.h"
#include "sample/sample.h"

/* Every message of the stream (or only its `created` events), for the
 * decoder's figures. */
typedef struct raw_s {
    char *buf;
    size_t len, cap, count;
    size_t *ends;
    size_t ends_cap;
    int created_only;
} raw_t;

static int keep_raw(void *opaque, const char *key, size_t key_len, const char *payload, size_t len) {
    (void)key;
    (void)key_len;
    raw_t *r = opaque;
    if (r->created_only) { /* the sample writes the member without spaces */
        static const char created[] = "\"event\":\"created\"";
        int is_created = 0;
        for (size_t i = 0; !is_created && i + sizeof created - 1 <= len; i++)
            is_created = memcmp(payload + i, created, sizeof created - 1) == 0;
        if (!is_created)
            return 0;
    }
    if (r->len + len > r->cap) {
        r->cap = (r->len + len) * 2;
        r->buf = realloc(r->buf, r->cap);
    }
    if (r->count == r->ends_cap) {
        r->ends_cap = r->ends_cap ? r->ends_cap * 2 : 4096;
        r->ends = realloc(r->ends, r->ends_cap * sizeof *r->ends);
    }
    memcpy(r->buf + r->len, payload, len);
    r->len += len;
    r->ends[r->count++] = r->len;
    return 0;
}

typedef struct texts_s {
    char **title, **content;
    size_t *tlen, *clen;
    size_t n, cap, bytes;
    hl_event_parser_t *parser;
} texts_t;

static int collect(void *opaque, const char *key, size_t key_len, const char *payload, size_t len) {
    (void)key;
    (void)key_len;
    texts_t *t = opaque;
    hl_event_t ev;
    char err[256];
    if (t->n == t->cap || hl_event_parse(t->parser, payload, len, &ev, err, sizeof err) ||
        ev.type != HL_EV_CREATED)
        return t->n == t->cap;
    t->title[t->n] = ev.title.ptr ? strndup(ev.title.ptr, ev.title.len) : NULL;
    t->tlen[t->n] = ev.title.len;
    t->content[t->n] = strndup(ev.content.ptr, ev.content.len);
    t->clen[t->n] = ev.content.len;
    t->bytes += ev.title.len + ev.content.len;
    t->n++;
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes a table of @p n keywords: the default table's rows, then generated
 * 2-4 character words drawn from the characters of real ticket text. */
static int make_table(const char *base, size_t n, const texts_t *t, const char *path) {
    FILE *in = fopen(base, "r"), *out = fopen(path, "w");
    if (!in || !out)
        return -1;
    char *line = NULL;
    size_t cap = 0, rows = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) > 0) {
        fputs(line, out);
        if (line[0] != '#' && line[0] != '\n' && strncmp(line, "keyword\t", 8) != 0)
            rows++;
    }
    free(line);
    fclose(in);
    uint64_t seed = 42;
    for (size_t i = rows; i < n; i++) {
        char kw[64];
        size_t k = 0;
        int chars = 2 + (int)(i % 3);
        for (int c = 0; c < chars; c++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            const char *s = t->content[(seed >> 33) % t->n];
            size_t l = t->clen[(seed >> 33) % t->n];
            size_t at = (size_t)((seed >> 13) % (l ? l : 1));
            while (at < l && ((unsigned char)s[at] & 0xC0) == 0x80)
                at++;
            if (at + 3 <= l && (unsigned char)s[at] >= 0xE4 && (unsigned char)s[at] <= 0xE9) {
                memcpy(kw + k, s + at, 3);
                k += 3;
            }
        }
        if (k < 6)
            k += (size_t)snprintf(kw + k, sizeof kw - k, "x%zu", i);
        kw[k] = '\0';
        fprintf(out, "%s#%zu\t%s\t\t1\t\n", kw, i, hl_topics[i % (HL_TOPIC_COUNT - 1)].code);
    }
    fclose(out);
    return 0;
}

static void run(const char *label, const char *path, const texts_t *t) {
    hl_classifier_opts_t opts = {1.5, 2.0};
    hl_diag_t diag = {0};
    double t0 = now();
    hl_classifier_t *clf = hl_classifier_load(path, &opts, &diag);
    double load = now() - t0;
    if (!clf) {
        fprintf(stderr, "%s: %s", path, diag.text ? diag.text : "load failed\n");
        hl_diag_free(&diag);
        return;
    }
    hl_result_t res = {0};
    double best = 1e9;
    size_t matches = 0;
    for (int rep = 0; rep < 3; rep++) {
        matches = 0;
        double s = now();
        for (size_t i = 0; i < t->n; i++) {
            hl_classify(clf, t->title[i], t->tlen[i], t->content[i], t->clen[i], &res);
            matches += res.nmatches;
        }
        double e = now() - s;
        if (e < best)
            best = e;
    }
    printf("{\"table\":\"%s\",\"keywords\":%zu,\"tickets\":%zu,\"tickets_per_s\":%.0f,"
           "\"mb_per_s\":%.1f,\"keywords_found_per_ticket\":%.1f,\"compiled_bytes\":%zu,"
           "\"load_s\":%.3f}\n",
           label, hl_classifier_rules(clf)->count, t->n, t->n / best, t->bytes / best / 1e6,
           (double)matches / t->n, hl_classifier_db_size(clf), load);
    hl_result_free(&res);
    hl_classifier_destroy(clf);
}

/* yajl callbacks that accept everything: yajl alone, the decoder's ceiling */
static int nop(void *ctx) { (void)ctx; return 1; }
static int nop_bool(void *ctx, int b) { (void)ctx; (void)b; return 1; }
static int nop_num(void *ctx, const char *s, size_t l) { (void)ctx; (void)s; (void)l; return 1; }
static int nop_str(void *ctx, const unsigned char *s, size_t l) { (void)ctx; (void)s; (void)l; return 1; }
static const yajl_callbacks nop_callbacks = {nop, nop_bool, NULL, NULL, nop_num, nop_str,
                                             nop, nop_str, nop, nop, nop};

/* @returns the best of 5 passes' seconds over @p raw's messages: the
 * decoder's, or yajl's alone when @p yajl_alone. */
static double best_decode(const raw_t *raw, int yajl_alone) {
    hl_event_parser_t *p = hl_event_parser_new();
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double s = now();
        size_t start = 0;
        for (size_t i = 0; i < raw->count; i++) {
            const char *msg = raw->buf + start;
            size_t len = raw->ends[i] - start;
            if (yajl_alone) {
                yajl_handle h = yajl_alloc(&nop_callbacks, NULL, NULL);
                if (yajl_parse(h, (const unsigned char *)msg, len) == yajl_status_ok)
                    yajl_complete_parse(h);
                yajl_free(h);
            } else {
                hl_event_t ev;
                char e2[256];
                hl_event_parse(p, msg, len, &ev, e2, sizeof e2);
            }
            start = raw->ends[i];
        }
        double e = now() - s;
        if (e < best)
            best = e;
    }
    hl_event_parser_destroy(p);
    return best;
}

int main(int argc, char **argv) {
    const char *table = argc > 1 ? argv[1] : "config/keywords.tsv";
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
    texts_t t = {0};
    t.cap = n;
    t.title = calloc(n, sizeof *t.title);
    t.content = calloc(n, sizeof *t.content);
    t.tlen = calloc(n, sizeof *t.tlen);
    t.clen = calloc(n, sizeof *t.clen);
    t.parser = hl_event_parser_new();
    hl_sample_opts_t so;
    hl_sample_opts_default(&so);
    so.tickets = n * 2;
    so.invalid_rate = 0;
    so.duplicate_rate = 0;
    so.content_bytes = 860;
    char err[256];
    hl_sample_generate(&so, collect, &t, err, sizeof err);
    for (int created_only = 0; created_only <= 1; created_only++) {
        raw_t raw = {0};
        raw.created_only = created_only;
        hl_sample_opts_t ro = so;
        ro.tickets = n;
        hl_sample_generate(&ro, keep_raw, &raw, err, sizeof err);
        double decoder = best_decode(&raw, 0), yajl = best_decode(&raw, 1);
        printf("{\"decoder\":\"%s\",\"messages\":%zu,\"bytes\":%zu,\"messages_per_s\":%.0f,"
               "\"mb_per_s\":%.1f,\"yajl_alone_mb_per_s\":%.1f}\n",
               created_only ? "created" : "all", raw.count, raw.len, raw.count / decoder,
               raw.len / decoder / 1e6, raw.len / yajl / 1e6);
        free(raw.buf);
        free(raw.ends);
    }
    run("default", table, &t);
    const size_t sizes[] = {3000, 30000};
    for (int i = 0; i < 2; i++) {
        char path[64], label[32];
        snprintf(path, sizeof path, "/tmp/hl-bench-kw-%zu.tsv", sizes[i]);
        snprintf(label, sizeof label, "generated-%zu", sizes[i]);
        if (make_table(table, sizes[i], &t, path) == 0)
            run(label, path, &t);
        remove(path);
    }
    for (size_t i = 0; i < t.n; i++) {
        free(t.title[i]);
        free(t.content[i]);
    }
    free(t.title);
    free(t.content);
    free(t.tlen);
    free(t.clen);
    hl_event_parser_destroy(t.parser);
    return 0;
}
