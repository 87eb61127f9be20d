/* cmd_serve.c: `hotline serve`: the read-only HTTP API and the dashboard.
 * serve/server.c speaks HTTP (one polling thread, so the Redis reader
 * below is used by one thread only); this file answers: parameters are
 * validated by store/hotspots.c, counts read with store/query_buckets.c.
 * A background thread follows topic.classified and keeps the latest 100
 * tickets in memory for /api/latest. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"
#include "common/taxonomy.h"
#include "ingest/kafka.h"
#include "serve/server.h"
#include "store/hotspots.h"
#include "store/query_buckets.h"

#define LATEST_MAX 100

static volatile sig_atomic_t run = 1;
static void on_stop(int sig) {
    (void)sig;
    run = 0;
}

/* The latest classified tickets: a ring of JSON texts, shared with the
 * feed thread under the mutex. */
typedef struct latest_s {
    pthread_mutex_t mu;
    char *ring[LATEST_MAX];
    size_t next, count;
    int state; /* 0 starting, 1 ready (read to the end once), -1 failed, -2 off */
    const hl_conf_t *conf;
} latest_t;

/* Bucket hashes kept between queries (store/bucket_cache.h): 2 million
 * fields, 24-48 MB, the buckets of several months of a busy topic. */
#define KEPT_BUCKET_FIELDS 2000000

/* Answers cached under the data version (hl_qb_version()): exact, since
 * the ingester moves the offsets in the same transaction as the counts. */
#define CACHE_SLOTS 32
#define VERSION_MAX 4096
typedef struct cached_s {
    char path[32];
    hl_hs_request_t req;
    char version[VERSION_MAX];
    char *body;
    size_t len;
    uint64_t used;
} cached_t;

typedef struct app_s {
    hl_qb_t *qb;
    cached_t cache[CACHE_SLOTS];
    uint64_t tick;
    int cache_on;
    const hl_conf_t *conf;
    latest_t *latest;
} app_t;

static void help(FILE *out) {
    fprintf(out,
            "usage: hotline serve [options]\n\n"
            "Serves the dashboard at / and a read-only JSON API on serve.bind:serve.port\n"
            "(127.0.0.1:8080 by default): /api/hotspots, /api/rising, /api/hotwords,\n"
            "/api/trend, /api/alerts, /api/latest, /api/meta, /healthz (docs/hotspots.md).\n"
            "An address other than loopback requires serve.token; clients then send\n"
            "Authorization: Bearer <token>. SIGTERM/SIGINT stop it.\n\n"
            "  --no-feed   do not follow topic.classified (/api/latest stays empty)\n"
            "  --no-cache  recompute every answer from Redis (by default an answer is\n"
            "              reused while the partitions' stored offsets, hence the counts,\n"
            "              are unchanged, and a bucket is read again only when the\n"
            "              ingester changed it)\n");
    hl_cli_common_help(out);
}

static void *feed_main(void *arg) {
    latest_t *l = arg;
    char err[HL_ERRSTR_SIZE];
    hl_reader_t *r = hl_reader_new(l->conf, l->conf->topic_classified, 0, err, sizeof err);
    if (!r) {
        hl_log("WARN", "serve: /api/latest disabled: %s", err);
        pthread_mutex_lock(&l->mu);
        l->state = -1;
        pthread_mutex_unlock(&l->mu);
        return NULL;
    }
    while (run) {
        hl_kmsg_t m;
        int at_end = 0;
        int got = hl_reader_poll(r, 200, &m, &at_end, err, sizeof err);
        if (got < 0) {
            hl_log("WARN", "serve: /api/latest disabled: %s", err);
            pthread_mutex_lock(&l->mu);
            l->state = -1;
            pthread_mutex_unlock(&l->mu);
            break;
        }
        if (got == 0) {
            if (at_end) {
                pthread_mutex_lock(&l->mu);
                l->state = 1;
                pthread_mutex_unlock(&l->mu);
            }
            continue;
        }
        if (!m.eof && m.payload) {
            json_t *o = json_loadb(m.payload, m.len, 0, NULL);
            const char *type = json_string_value(json_object_get(o, "type"));
            if (type && strcmp(type, "ticket") == 0) {
                char *copy = malloc(m.len + 1);
                if (copy) {
                    memcpy(copy, m.payload, m.len);
                    copy[m.len] = '\0';
                    pthread_mutex_lock(&l->mu);
                    free(l->ring[l->next]);
                    l->ring[l->next] = copy;
                    l->next = (l->next + 1) % LATEST_MAX;
                    if (l->count < LATEST_MAX)
                        l->count++;
                    pthread_mutex_unlock(&l->mu);
                }
            }
            json_decref(o);
        } else if (m.eof) {
            pthread_mutex_lock(&l->mu);
            if (l->state == 0)
                l->state = 1;
            pthread_mutex_unlock(&l->mu);
        }
        hl_kafka_msg_done(&m);
    }
    hl_reader_destroy(r);
    return NULL;
}

static hl_err_t fetch(void *opaque, const char *const *suffixes, size_t n, int each,
                      hl_strmap_t *out, char *errstr, size_t errstr_size) {
    app_t *a = opaque;
    return hl_qb_sum(a->qb, a->conf->topic_tickets, suffixes, n, each, out, errstr, errstr_size);
}

static void reply_json(hl_http_response_t *resp, int status, json_t *o) {
    resp->status = status;
    resp->body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    resp->len = resp->body ? strlen(resp->body) : 0;
    json_decref(o);
}

static void reply_error(hl_http_response_t *resp, int status, const char *msg) {
    resp->status = status;
    resp->body = hl_http_error_body(status, msg, &resp->len);
}

static json_t *meta(void) {
    json_t *o = json_object(), *t = json_array(), *d = json_array(), *e = json_array();
    for (int i = 0; i < HL_TOPIC_COUNT; i++)
        json_array_append_new(t, json_pack("{s:s,s:s,s:s}", "code", hl_topics[i].code, "name_zh",
                                           hl_topics[i].name_zh, "env", hl_envs[hl_topics[i].env].code));
    for (int i = 0; i < HL_DISTRICT_COUNT; i++)
        json_array_append_new(d, json_pack("{s:s,s:s}", "code", hl_districts[i].code, "name_zh",
                                           hl_districts[i].name_zh));
    for (int i = 0; i < HL_ENV_COUNT; i++)
        json_array_append_new(e, json_pack("{s:s,s:s}", "code", hl_envs[i].code, "name_zh",
                                           hl_envs[i].name_zh));
    json_object_set_new(o, "topics", t);
    json_object_set_new(o, "districts", d);
    json_object_set_new(o, "envs", e);
    return o;
}

static json_t *latest_json(latest_t *l) {
    json_t *arr = json_array();
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->count; i++) {
        const char *s = l->ring[(l->next + LATEST_MAX - 1 - i) % LATEST_MAX];
        json_t *o = json_loads(s, 0, NULL);
        if (o)
            json_array_append_new(arr, o);
    }
    int state = l->state;
    pthread_mutex_unlock(&l->mu);
    static const char *const names[] = {"off", "failed", "starting", "ready"};
    return json_pack("{s:s,s:o}", "feed", names[state + 2], "tickets", arr);
}

/* A cached answer for (path, req) at @p version, or NULL. */
static cached_t *cache_find(app_t *a, const char *path, const hl_hs_request_t *req,
                            const char *version) {
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cached_t *c = &a->cache[i];
        if (c->body && strcmp(c->path, path) == 0 && memcmp(&c->req, req, sizeof *req) == 0 &&
            strcmp(c->version, version) == 0) {
            c->used = ++a->tick;
            return c;
        }
    }
    return NULL;
}

static void cache_put(app_t *a, const char *path, const hl_hs_request_t *req, const char *version,
                      const hl_http_response_t *resp) {
    cached_t *victim = &a->cache[0];
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cached_t *c = &a->cache[i];
        if (c->body && strcmp(c->path, path) == 0 && memcmp(&c->req, req, sizeof *req) == 0) {
            victim = c; /* the same query at an older version */
            break;
        }
        if (c->used < victim->used)
            victim = c;
    }
    char *copy = malloc(resp->len + 1);
    if (!copy)
        return;
    memcpy(copy, resp->body, resp->len);
    free(victim->body);
    snprintf(victim->path, sizeof victim->path, "%s", path);
    victim->req = *req;
    snprintf(victim->version, sizeof victim->version, "%s", version);
    victim->body = copy;
    victim->len = resp->len;
    victim->used = ++a->tick;
}

/* Answers a hotspots or trend query, from the cache when the data has not
 * moved since. */
static void answer(app_t *a, const char *path, const hl_hs_request_t *req, int trend,
                   hl_http_response_t *resp) {
    char err[HL_ERRSTR_SIZE];
    static char version[VERSION_MAX]; /* only the polling thread runs here */
    int cacheable = a->cache_on &&
                    hl_qb_version(a->qb, a->conf->topic_tickets, version, sizeof version, err,
                                  sizeof err) == HL_OK;
    cached_t *c = cacheable ? cache_find(a, path, req, version) : NULL;
    if (c) {
        resp->status = 200;
        resp->body = malloc(c->len + 1);
        if (resp->body)
            memcpy(resp->body, c->body, c->len);
        resp->len = c->len;
        return;
    }
    json_t *o = trend ? hl_hs_trend(req, fetch, a, err, sizeof err)
                      : hl_hs_answer(req, fetch, a, err, sizeof err);
    if (!o) {
        reply_error(resp, 503, err);
        return;
    }
    reply_json(resp, 200, o);
    if (cacheable && resp->body)
        cache_put(a, path, req, version, resp);
}

static void handle(void *opaque, const hl_http_request_t *hreq, hl_http_response_t *resp) {
    app_t *a = opaque;
    const char *p = hreq->path;
    if (strlen(p) >= sizeof a->cache[0].path) {
        reply_error(resp, 404, "no such endpoint");
        return;
    }
    char err[HL_ERRSTR_SIZE];
    int64_t now = (int64_t)time(NULL);
    hl_hs_request_t req;
    const char *const *keys = hreq->keys, *const *vals = hreq->vals;
    if (strcmp(p, "/healthz") == 0) {
        hl_err_t e = hl_qb_ping(a->qb, err, sizeof err);
        json_t *o = latest_json(a->latest);
        json_object_del(o, "tickets");
        json_object_set_new(o, "ok", json_boolean(!e));
        json_object_set_new(o, "redis", json_string(e ? err : "ok"));
        reply_json(resp, e ? 503 : 200, o);
        return;
    }
    if (strcmp(p, "/api/hotspots") == 0 || strcmp(p, "/api/rising") == 0 ||
        strcmp(p, "/api/hotwords") == 0) {
        if (hl_hs_request_parse(&req, HL_HS_KIND_HOTSPOTS, keys, vals, hreq->n, now, err, sizeof err)) {
            reply_error(resp, 400, err);
            return;
        }
        if (strcmp(p, "/api/rising") == 0)
            req.sections = HL_HS_RISING;
        else if (strcmp(p, "/api/hotwords") == 0)
            req.sections = HL_HS_WORDS;
        answer(a, p, &req, 0, resp);
        return;
    }
    if (strcmp(p, "/api/trend") == 0) {
        if (hl_hs_request_parse(&req, HL_HS_KIND_TREND, keys, vals, hreq->n, now, err, sizeof err)) {
            reply_error(resp, 400, err);
            return;
        }
        answer(a, p, &req, 1, resp);
        return;
    }
    if (strcmp(p, "/api/alerts") == 0) {
        if (hl_hs_request_parse(&req, HL_HS_KIND_ALERTS, keys, vals, hreq->n, now, err, sizeof err)) {
            reply_error(resp, 400, err);
            return;
        }
        hl_qb_texts_t t;
        if (hl_qb_lists(a->qb, a->conf->topic_tickets, "alerts", 10000, &t, err, sizeof err)) {
            reply_error(resp, 503, err);
            return;
        }
        reply_json(resp, 200, hl_hs_alerts(&req, (const char *const *)t.texts, t.lens, t.count));
        hl_qb_texts_free(&t);
        return;
    }
    if (strcmp(p, "/api/latest") == 0 || strcmp(p, "/api/meta") == 0) {
        if (hreq->n) {
            snprintf(err, sizeof err, "unknown parameter \"%.40s\"", keys[0]);
            reply_error(resp, 400, err);
            return;
        }
        reply_json(resp, 200, p[5] == 'l' ? latest_json(a->latest) : meta());
        return;
    }
    reply_error(resp, 404, "no such endpoint (see /api/meta, /api/hotspots, /api/rising, "
                           "/api/hotwords, /api/trend, /api/alerts, /api/latest, /healthz)");
}

int hl_cmd_serve(int argc, char **argv) {
    hl_cli_common_t common = {0};
    int feed = 1, cache = 1;
    for (int i = 1; i < argc; i++) {
        int r = hl_cli_common_opt(&common, argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--no-cache") == 0) {
            cache = 0;
            continue;
        }
        if (strcmp(argv[i], "--no-feed") == 0) {
            feed = 0;
            continue;
        }
        fprintf(stderr, "hotline serve: unknown option \"%s\" (see --help)\n", argv[i]);
        return 2;
    }
    hl_conf_t *conf = hl_cli_load_conf(&common);
    if (!conf)
        return 1;
    char err[HL_ERRSTR_SIZE];
    int rc = 1;
    latest_t latest = {.state = feed ? 0 : -2, .conf = conf};
    pthread_mutex_init(&latest.mu, NULL);
    pthread_t th;
    int th_started = 0;
    hl_http_t *http = NULL;
    hl_redis_opts_t qo = hl_redis_opts_from_conf(conf);
    app_t *app = calloc(1, sizeof *app); /* the cache is ~140 KB: not on the stack */
    if (!app) {
        fprintf(stderr, "hotline serve: out of memory\n");
        goto out;
    }
    app->qb = hl_qb_new(&qo, err, sizeof err);
    app->conf = conf;
    app->latest = &latest;
    app->cache_on = cache;
    if (!app->qb) {
        fprintf(stderr, "hotline serve: %s\n", err);
        goto out;
    }
    if (cache && hl_qb_keep_buckets(app->qb, KEPT_BUCKET_FIELDS)) {
        fprintf(stderr, "hotline serve: out of memory\n");
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    hl_http_opts_t ho = {conf->serve_bind, (int)conf->serve_port, conf->serve_token};
    http = hl_http_start(&ho, handle, app, err, sizeof err);
    if (!http) {
        fprintf(stderr, "hotline serve: %s\n", err);
        goto out;
    }
    if (feed && pthread_create(&th, NULL, feed_main, &latest) == 0)
        th_started = 1;
    hl_log("INFO", "serve: dashboard and API on http://%s:%d/ (topic %s)%s", conf->serve_bind,
           (int)conf->serve_port, conf->topic_tickets,
           conf->serve_token && *conf->serve_token ? ", bearer token required" : "");
    while (run) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    hl_log("INFO", "serve: stopping");
    rc = 0;
out:
    hl_http_stop(http);
    run = 0;
    if (th_started)
        pthread_join(th, NULL);
    for (size_t i = 0; i < LATEST_MAX; i++)
        free(latest.ring[i]);
    pthread_mutex_destroy(&latest.mu);
    if (app) {
        for (int i = 0; i < CACHE_SLOTS; i++)
            free(app->cache[i].body);
        hl_qb_destroy(app->qb);
        free(app);
    }
    hl_conf_destroy(conf);
    return rc;
}
