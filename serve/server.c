/* server.c: libmicrohttpd glue for `hotline serve`. */
#include "serve/server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/hl.h"

struct hl_http_s {
    struct MHD_Daemon *d;
    hl_http_handler_fn fn;
    void *opaque;
    char *token;
};

int hl_http_is_loopback(const char *bind) {
    struct in_addr a4;
    struct in6_addr a6;
    if (strcmp(bind, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, bind, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, bind, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

int hl_http_auth_ok(const char *header, const char *token) {
    if (!token || !*token)
        return 1;
    if (!header || strncmp(header, "Bearer ", 7) != 0)
        return 0;
    const char *got = header + 7;
    size_t gl = strlen(got), tl = strlen(token);
    unsigned char diff = gl != tl;
    for (size_t i = 0; i < tl; i++)
        diff |= (unsigned char)(token[i] ^ (i < gl ? got[i] : 0));
    return diff == 0;
}

char *hl_http_error_body(int status, const char *message, size_t *len) {
    json_t *o = json_pack("{s:s,s:i}", "error", message, "status", status);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    *len = s ? strlen(s) : 0;
    return s;
}

typedef struct collect_s {
    hl_http_request_t *req;
    int overflow;
} collect_t;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value) {
    (void)kind;
    collect_t *c = cls;
    if (c->req->n == HL_HTTP_MAX_PARAMS) {
        c->overflow = 1;
        return MHD_NO;
    }
    c->req->keys[c->req->n] = key;
    c->req->vals[c->req->n++] = value;
    return MHD_YES;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, int status, char *body, size_t len,
                            const char *type, int owned) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    if (strncmp(type, "text/html", 9) == 0)
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'unsafe-inline'; style-src "
                                "'unsafe-inline'; connect-src 'self'; img-src 'self' data:; "
                                "base-uri 'none'; form-action 'none'");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, int status, const char *msg) {
    size_t len;
    char *b = hl_http_error_body(status, msg, &len);
    return b ? send_resp(conn, status, b, len, "application/json", 1) : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state) {
    (void)version;
    (void)upload;
    hl_http_t *h = cls;
    int readonly = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!*state) { /* first call: headers only; answer on the next */
        *state = h;
        if (!readonly) /* answered before any body is read; MHD then closes */
            return send_error(conn, 405, "read-only API: GET only");
        return MHD_YES;
    }
    if (*upload_size) { /* a GET with a body: ignored */
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return send_resp(conn, 200, (char *)hl_dashboard_html, strlen(hl_dashboard_html),
                    "text/html; charset=utf-8", 0);
    if (strcmp(url, "/healthz") != 0 &&
        !hl_http_auth_ok(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
                         h->token)) {
        size_t len;
        char *b = hl_http_error_body(401, "missing or wrong bearer token (Authorization: Bearer <serve.token>)", &len);
        struct MHD_Response *r = b ? MHD_create_response_from_buffer(len, b, MHD_RESPMEM_MUST_FREE) : NULL;
        if (!r) {
            free(b);
            return MHD_NO;
        }
        MHD_add_response_header(r, "Content-Type", "application/json");
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
        enum MHD_Result ret = MHD_queue_response(conn, 401, r);
        MHD_destroy_response(r);
        return ret;
    }
    hl_http_request_t req = {.path = url};
    collect_t c = {&req, 0};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect, &c);
    if (c.overflow)
        return send_error(conn, 400, "too many parameters");
    hl_http_response_t resp = {404, NULL, 0, NULL};
    h->fn(h->opaque, &req, &resp);
    if (!resp.body)
        return send_error(conn, 500, "out of memory");
    return send_resp(conn, resp.status, resp.body, resp.len,
                resp.content_type ? resp.content_type : "application/json", 1);
}

hl_http_t *hl_http_start(const hl_http_opts_t *opts, hl_http_handler_fn fn, void *opaque,
                         char *errstr, size_t errstr_size) {
    const char *bind = opts->bind && *opts->bind ? opts->bind : "127.0.0.1";
    if (!hl_http_is_loopback(bind) && (!opts->token || !*opts->token)) {
        hl_seterr(errstr, errstr_size,
                  "serve.bind %s is not a loopback address: set serve.token (clients then send "
                  "Authorization: Bearer <token>)",
                  bind);
        return NULL;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_POLL;
    if (strcmp(bind, "localhost") == 0)
        bind = "127.0.0.1";
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)opts->port);
    } else if (inet_pton(AF_INET6, bind, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        hl_seterr(errstr, errstr_size, "serve.bind %s: not an IP address", bind);
        return NULL;
    }
    hl_http_t *h = calloc(1, sizeof *h);
    if (!h || !(h->token = strdup(opts->token ? opts->token : ""))) {
        free(h);
        hl_seterr(errstr, errstr_size, "out of memory");
        return NULL;
    }
    h->fn = fn;
    h->opaque = opaque;
    h->d = MHD_start_daemon(flags, (uint16_t)opts->port, NULL, NULL, on_request, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
    if (!h->d) {
        hl_seterr(errstr, errstr_size, "cannot listen on %s:%d (in use, or not an address of this host)",
                  bind, opts->port);
        free(h->token);
        free(h);
        return NULL;
    }
    return h;
}

void hl_http_stop(hl_http_t *h) {
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h->token);
    free(h);
}
