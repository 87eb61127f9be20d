/* hl.h: what every module shares: the error type, the size of error buffers,
 * a borrowed string slice and the log call. Nothing here holds state. */
#ifndef HL_H
#define HL_H

#include <stddef.h>
#include <stdint.h>

/* Size for every `char *errstr, size_t errstr_size` buffer callers allocate. */
#define HL_ERRSTR_SIZE 512

/* Result of an operation; 0 is success. Print with hl_err2str(). */
typedef enum hl_err_e {
    HL_OK = 0,
    HL_ERR_INVALID,   /* bad input or configuration: fatal for the caller */
    HL_ERR_NOMEM,     /* allocation failed */
    HL_ERR_IO,        /* file or socket error */
    HL_ERR_KAFKA,     /* librdkafka reported an error */
    HL_ERR_REDIS,     /* Redis unreachable or erroring: transient, retry */
    HL_ERR_STALE,     /* a conditional write lost: another owner moved on */
    HL_ERR_DENIED,    /* a server refused our credentials or permissions: fatal */
} hl_err_t;

/* @returns a static, human readable name of @p err. */
const char *hl_err2str(hl_err_t err);

/* A borrowed byte slice (not NUL-terminated unless said so). ptr == NULL
 * means "absent", which differs from an empty string (ptr != NULL, len 0). */
typedef struct hl_str_s {
    const char *ptr;
    size_t len;
} hl_str_t;

/* Logs one line to stderr: "2026-11-28T03:10:00Z LEVEL message".
 * The service logs no ticket text and no personal data. */
void hl_log(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats into errstr like snprintf; a NULL errstr or size 0 is allowed. */
void hl_seterr(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* @returns a monotonic clock in milliseconds (for intervals only). */
int64_t hl_now_ms(void);

/* @returns the same clock in microseconds. */
int64_t hl_now_us(void);

/* Reads the whole file at @p path (at most 64 MiB).
 * @returns 0 with *buf (malloc'd, NUL-terminated; free()) and *len, or -1
 * with "path: reason" in errstr. */
int hl_read_file(const char *path, char **buf, size_t *len, char *errstr, size_t errstr_size);

#endif
