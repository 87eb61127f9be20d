/* server.h: the HTTP side of `hotline serve` on libmicrohttpd: one internal
 * polling thread answers every request in turn (so the handler needs no
 * locks for its own state), GET/HEAD only, the dashboard page at "/", the
 * bearer-token rule, bounded connections and request sizes. What the API
 * answers is the caller's handler (cmd/cmd_serve.c); this library links no
 * Redis or Kafka code. */
#ifndef HL_SERVE_SERVER_H
#define HL_SERVE_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_http_s hl_http_t;

#define HL_HTTP_MAX_PARAMS 32

/* A request as the handler sees it; everything borrowed for the call. */
typedef struct hl_http_request_s {
    const char *path;              /* "/api/hotspots" */
    const char *keys[HL_HTTP_MAX_PARAMS];
    const char *vals[HL_HTTP_MAX_PARAMS]; /* decoded; NULL for "?key" */
    size_t n;
} hl_http_request_t;

/* What the handler fills: status and a malloc'd body the server frees. */
typedef struct hl_http_response_s {
    int status;
    char *body;
    size_t len;
    const char *content_type; /* static; default application/json */
} hl_http_response_t;

typedef void (*hl_http_handler_fn)(void *opaque, const hl_http_request_t *req,
                                   hl_http_response_t *resp);

typedef struct hl_http_opts_s {
    const char *bind;  /* IPv4 or IPv6 address */
    int port;
    const char *token; /* "" or NULL: none (allowed on loopback only) */
} hl_http_opts_t;

/* Starts listening. Refuses an address other than loopback without a token.
 * @returns a running server (stop with hl_http_stop()) or NULL with a message. */
hl_http_t *hl_http_start(const hl_http_opts_t *opts, hl_http_handler_fn fn, void *opaque,
                         char *errstr, size_t errstr_size);

/* Stops listening, waits for the polling thread, frees. NULL is allowed. */
void hl_http_stop(hl_http_t *h);

/* @returns 1 when @p bind is a loopback address (127.0.0.0/8, ::1, localhost). */
int hl_http_is_loopback(const char *bind);

/* @returns 1 when the Authorization header value @p header is
 * "Bearer <token>" (compared in constant time), or when @p token is empty. */
int hl_http_auth_ok(const char *header, const char *token);

/* @returns a malloc'd JSON body {"error":"<message>","status":N} (message escaped). */
char *hl_http_error_body(int status, const char *message, size_t *len);

/* The dashboard page (serve/dashboard_page.c), NUL-terminated. */
extern const char hl_dashboard_html[];

#endif
