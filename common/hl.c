/* hl.c: error names, error-buffer formatting and the log line. */
#include "common/hl.h"

#include <stdarg.h>
#include <stdio.h>
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
