/* ingester.h: `hotline ingest`: the loop that consumes ticket events,
 * dead-letters bad ones, classifies created tickets, and writes each batch's
 * counts to Redis exactly once (docs/exactly-once.md). It wires the pure
 * modules (event, classify, batch) to the I/O ones (kafka, store). */
#ifndef HL_INGESTER_H
#define HL_INGESTER_H

#include <signal.h>
#include <stdint.h>

#include "classify/classify.h"
#include "config/config.h"

typedef struct hl_ingester_s hl_ingester_t;

/* The writer thread's stages, as hl_ingest_totals_t.writer_us adds them up. */
typedef enum {
    HL_STAGE_REDIS,     /* waiting for Redis: the last transaction's outcome, ticket
                           states, alert counts, stored counters */
    HL_STAGE_LIFECYCLE, /* asking the alert questions, the lifecycle (two threads) */
    HL_STAGE_KAFKA,     /* waiting until Kafka holds the batch's dead letters, feed
                           and alerts */
    HL_STAGE_COMMIT,    /* building and sending the transaction */
    HL_STAGE_COUNT
} hl_writer_stage_t;

typedef struct hl_ingest_totals_s {
    uint64_t messages;          /* consumed */
    uint64_t deadlettered;      /* rejected (decoder or unknown ticket) */
    uint64_t by_type[5];        /* accepted events by hl_event_type_t */
    uint64_t batches;           /* batches committed */
    uint64_t redis_round_trips;
    uint64_t redis_commands;
    uint64_t redis_failures;    /* failed Redis calls (each followed by a retry) */
    uint64_t stale_batches;     /* refused: the partition had moved on */
    uint64_t writer_us[HL_STAGE_COUNT]; /* where the writer thread's time went */
    uint64_t consumer_wait_us;  /* the polling thread waiting for the writer to take a
                                   full batch: the writer is the bottleneck */
} hl_ingest_totals_t;

/* Creates the ingester. Takes ownership of @p clf on success only; borrows
 * @p conf for its lifetime. @returns NULL with a message on failure. */
hl_ingester_t *hl_ingester_new(const hl_conf_t *conf, hl_classifier_t *clf, char *errstr,
                               size_t errstr_size);

/* Runs until *run becomes 0 (SIGTERM/SIGINT) or, with @p until_caught_up,
 * until every assigned partition is consumed to its end and written. A
 * non-zero *reload (SIGHUP) reloads the keyword table between batches and is
 * reset. @returns 0 after a clean stop, -1 on a fatal error (printed). */
int hl_ingester_run(hl_ingester_t *ing, volatile sig_atomic_t *run,
                    volatile sig_atomic_t *reload, int until_caught_up);

/* Totals since creation (after hl_ingester_run() returned: the writer is idle). */
void hl_ingester_totals(const hl_ingester_t *ing, hl_ingest_totals_t *out);

/* Leaves the group cleanly and frees everything; NULL is allowed. */
void hl_ingester_destroy(hl_ingester_t *ing);

#endif
