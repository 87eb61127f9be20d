/* metrics.c: Prometheus text over libmicrohttpd. */
#include "ingest/metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_metrics_s {
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;
    hl_metrics_snapshot_t snap;
};

size_t hl_metrics_render(const hl_metrics_snapshot_t *s, char *out, size_t size) {
    static const char *const types[5] = {"created", "dispatched", "resolved", "reviewed",
                                         "reopened"};
    size_t n = 0;
#define PUT(...)                                                                          \
    do {                                                                                  \
        int w_ = snprintf(out + n, size - n, __VA_ARGS__);                                \
        if (w_ < 0 || (size_t)w_ >= size - n)                                             \
            return 0;                                                                     \
        n += (size_t)w_;                                                                  \
    } while (0)
    PUT("# HELP hotline_messages_total Messages consumed from the ticket topic.\n"
        "# TYPE hotline_messages_total counter\nhotline_messages_total %llu\n",
        (unsigned long long)s->messages);
    PUT("# HELP hotline_events_total Decoded events by type.\n# TYPE hotline_events_total counter\n");
    for (int i = 0; i < 5; i++)
        PUT("hotline_events_total{type=\"%s\"} %llu\n", types[i],
            (unsigned long long)s->events_by_type[i]);
    PUT("# HELP hotline_deadlettered_total Messages sent to the dead-letter topic.\n"
        "# TYPE hotline_deadlettered_total counter\nhotline_deadlettered_total %llu\n",
        (unsigned long long)s->deadlettered);
    PUT("# HELP hotline_batches_total Batches written to Redis.\n"
        "# TYPE hotline_batches_total counter\nhotline_batches_total %llu\n",
        (unsigned long long)s->batches);
    PUT("# HELP hotline_redis_round_trips_total Redis round trips.\n"
        "# TYPE hotline_redis_round_trips_total counter\nhotline_redis_round_trips_total %llu\n",
        (unsigned long long)s->redis_round_trips);
    PUT("# HELP hotline_redis_commands_total Redis commands sent.\n"
        "# TYPE hotline_redis_commands_total counter\nhotline_redis_commands_total %llu\n",
        (unsigned long long)s->redis_commands);
    PUT("# HELP hotline_redis_failures_total Failed Redis calls (each followed by a retry).\n"
        "# TYPE hotline_redis_failures_total counter\nhotline_redis_failures_total %llu\n",
        (unsigned long long)s->redis_failures);
    PUT("# HELP hotline_stale_batches_total Batches refused: the partition had moved on.\n"
        "# TYPE hotline_stale_batches_total counter\nhotline_stale_batches_total %llu\n",
        (unsigned long long)s->stale_batches);
    PUT("# HELP hotline_lag_messages Messages behind the high watermark, all partitions.\n"
        "# TYPE hotline_lag_messages gauge\nhotline_lag_messages %lld\n", (long long)s->lag);
    PUT("# HELP hotline_last_batch_seconds Time to write the last batch.\n"
        "# TYPE hotline_last_batch_seconds gauge\nhotline_last_batch_seconds %.3f\n",
        s->last_batch_ms / 1000.0);
    static const char *const stages[HL_STAGE_COUNT] = {"redis", "lifecycle", "kafka", "commit"};
    PUT("# HELP hotline_writer_seconds_total The writer thread's time by stage: waiting for "
        "Redis, the lifecycle, waiting for Kafka, sending the transaction.\n"
        "# TYPE hotline_writer_seconds_total counter\n");
    for (int i = 0; i < HL_STAGE_COUNT; i++)
        PUT("hotline_writer_seconds_total{stage=\"%s\"} %.6f\n", stages[i],
            (double)s->writer_us[i] / 1e6);
    PUT("# HELP hotline_consumer_wait_seconds_total Time the consumer waited for the writer "
        "to take a full batch.\n"
        "# TYPE hotline_consumer_wait_seconds_total counter\n"
        "hotline_consumer_wait_seconds_total %.6f\n", (double)s->consumer_wait_us / 1e6);
    PUT("# HELP hotline_keyword_table_info The keyword table in use.\n"
        "# TYPE hotline_keyword_table_info gauge\nhotline_keyword_table_info{version=\"%s\"} 1\n",
        s->table_version);
#undef PUT
    return n;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **ctx) {
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)ctx;
    hl_metrics_t *m = cls;
    char body[8192];
    size_t len;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(method, "GET") != 0 || strcmp(url, "/metrics") != 0) {
        status = MHD_HTTP_NOT_FOUND;
        len = (size_t)snprintf(body, sizeof body, "only GET /metrics\n");
    } else {
        hl_metrics_snapshot_t s;
        pthread_mutex_lock(&m->lock);
        s = m->snap;
        pthread_mutex_unlock(&m->lock);
        len = hl_metrics_render(&s, body, sizeof body);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

hl_metrics_t *hl_metrics_start(int port, char *errstr, size_t errstr_size) {
    hl_metrics_t *m = calloc(1, sizeof *m);
    if (!m) {
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL,
                                 answer, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                 MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
    if (!m->daemon) {
        hl_seterr(errstr, errstr_size, "metrics: cannot listen on 127.0.0.1:%d", port);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
    }
    return m;
}

void hl_metrics_update(hl_metrics_t *m, const hl_metrics_snapshot_t *snap) {
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->snap = *snap;
    pthread_mutex_unlock(&m->lock);
}

void hl_metrics_destroy(hl_metrics_t *m) {
    if (!m)
        return;
    MHD_stop_daemon(m->daemon);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
