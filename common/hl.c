/* hl.c: error names, error-buffer formatting and the log line. */
#include "common/hl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *hl_err2str(hl_err_t err) {
    switch (err) {
    case HL_OK: return "ok";
    case HL_ERR_INVALID: return "invalid";
    case HL_ERR_NOMEM: return "out of memory";
    case HL_ERR_IO: return "I/O error";
    case HL_ERR_KAFKA: return "Kafka error";
    case HL_ERR_REDIS: return "Redis error";
    case HL_ERR_STALE: return "stale: partition owned elsewhere";
    case HL_ERR_DENIED: return "access denied";
    }
    return "unknown error";
}

void hl_seterr(char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (!errstr || errstr_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}

int64_t hl_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hl_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void hl_log(const char *level, const char *fmt, ...) {
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s %s ", stamp, level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int hl_read_file(const char *path, char **buf, size_t *len, char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        hl_seterr(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *b = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = cap > ((size_t)64 << 20) ? NULL : realloc(b, cap);
            if (!nb) {
                free(b);
                fclose(f);
                hl_seterr(errstr, errstr_size, "%s: larger than 64 MiB or out of memory", path);
                return -1;
            }
            b = nb;
        }
        got = fread(b + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        hl_seterr(errstr, errstr_size, "%s: read error", path);
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}
