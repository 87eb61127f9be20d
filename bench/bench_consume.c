/* bench_consume.c: the ceiling for `hotline ingest`: a bare librdkafka
 * consumer (rd_kafka_consumer_poll, as the ingester uses) that reads a topic
 * from the beginning to its end and only touches each payload (sums its
 * bytes). Prints one JSON line: messages, bytes, seconds, msgs/s, MB/s.
 * Usage: build/bench_consume BROKERS TOPIC   (a benchmark, not a test)
 * SASL settings come from HOTLINE_KAFKA_SECURITY_PROTOCOL, _SASL_MECHANISM,
 * _SASL_USERNAME and _SASL_PASSWORD, as `scripts/services env` prints them. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: bench_consume BROKERS TOPIC\n");
        return 2;
    }
    char err[512], group[64];
    snprintf(group, sizeof group, "bench-ceiling-%d", (int)getpid());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", argv[1]}, {"group.id", group},
                           {"auto.offset.reset", "earliest"}, {"enable.partition.eof", "true"},
                           {"enable.auto.commit", "false"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    /* the broker's credentials, from the variables hotline reads too */
    const char *from_env[][2] = {{"security.protocol", "HOTLINE_KAFKA_SECURITY_PROTOCOL"},
                                 {"sasl.mechanism", "HOTLINE_KAFKA_SASL_MECHANISM"},
                                 {"sasl.username", "HOTLINE_KAFKA_SASL_USERNAME"},
                                 {"sasl.password", "HOTLINE_KAFKA_SASL_PASSWORD"}};
    for (size_t i = 0; i < sizeof from_env / sizeof from_env[0]; i++) {
        const char *v = getenv(from_env[i][1]);
        if (v && *v && rd_kafka_conf_set(conf, from_env[i][0], v, err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, argv[2], RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    long long msgs = 0, bytes = 0;
    unsigned long sum = 0;
    int eofs = 0, parts = -1;
    double start = 0, last = 0, deadline = now() + 600;
    while (now() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (parts < 0) {
                rd_kafka_topic_partition_list_t *a = NULL;
                rd_kafka_assignment(rk, &a);
                parts = a ? a->cnt : 0;
                if (a)
                    rd_kafka_topic_partition_list_destroy(a);
            }
            if (++eofs >= parts && msgs > 0) {
                rd_kafka_message_destroy(m);
                break;
            }
        } else if (!m->err) {
            if (!msgs)
                start = now();
            const unsigned char *p = m->payload;
            for (size_t i = 0; i < m->len; i += 64) /* touch every cache line */
                sum += p[i];
            msgs++;
            bytes += (long long)m->len;
            last = now();
        }
        rd_kafka_message_destroy(m);
    }
    double secs = last - start;
    printf("{\"messages\":%lld,\"bytes\":%lld,\"seconds\":%.3f,\"msgs_per_s\":%.0f,"
           "\"mb_per_s\":%.1f,\"checksum\":%lu}\n",
           msgs, bytes, secs, secs > 0 ? msgs / secs : 0, secs > 0 ? bytes / secs / 1e6 : 0, sum);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return msgs > 0 ? 0 : 1;
}
