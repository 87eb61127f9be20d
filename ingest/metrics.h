/* metrics.h: the ingester's Prometheus endpoint: GET /metrics on
 * 127.0.0.1:<ingest.metrics.port> (0: off), served by libmicrohttpd from its
 * own thread out of a snapshot the ingester publishes after every batch. */
#ifndef HL_METRICS_H
#define HL_METRICS_H

#include <stdint.h>

#include "common/hl.h"
#include "ingest/ingester.h"

typedef struct hl_metrics_snapshot_s {
    uint64_t messages, deadlettered, batches, redis_round_trips, redis_commands,
        redis_failures, stale_batches, events_by_type[5];
    uint64_t writer_us[HL_STAGE_COUNT], consumer_wait_us;
    int64_t lag;
    double last_batch_ms;
    char table_version[17];
} hl_metrics_snapshot_t;

typedef struct hl_metrics_s hl_metrics_t;

/* Starts the endpoint on 127.0.0.1:@p port. @returns a handle (free with
 * hl_metrics_destroy()) or NULL with a message. */
hl_metrics_t *hl_metrics_start(int port, char *errstr, size_t errstr_size);

/* Publishes a new snapshot (copied). */
void hl_metrics_update(hl_metrics_t *m, const hl_metrics_snapshot_t *snap);

/* Renders a snapshot in the Prometheus text format into @p out (pure).
 * @returns the length, or 0 when @p size is too small. */
size_t hl_metrics_render(const hl_metrics_snapshot_t *snap, char *out, size_t size);

/* Stops the endpoint; NULL is allowed. */
void hl_metrics_destroy(hl_metrics_t *m);

#endif
