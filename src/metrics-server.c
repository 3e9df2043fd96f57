/* SPDX-License-Identifier: MIT */
/*
 * The metrics endpoint; see metrics-server.h. One connection is one request:
 *   READING    collect the request head (capped), then build the whole answer at once
 *   WRITING    send it as the socket accepts it
 *   LINGERING  after shutdown(SHUT_WR), read and discard until the peer closes, so unread
 *              request bytes do not turn our close into a reset that eats the answer
 * The deadline covers reading; it starts again when the answer starts and on every write
 * that makes progress, so a slow but live scraper still gets a large exposition. Nothing
 * here logs above debug except trouble with the listening socket itself: a metrics port must
 * never disturb log shipping, and a scraper's mistakes are not the operator's problem.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include "cw-limits.h"
#include "metrics-server.h"
#include "shared/log.h"
#include "shared/parse-util.h"

typedef enum ConnState {
        CONN_READING,
        CONN_WRITING,
        CONN_LINGERING,
} ConnState;

typedef struct MetricsConn MetricsConn;

struct MetricsConn {
        MetricsServer *server;
        MetricsConn *prev, *next;
        int fd;
        ConnState state;
        sd_event_source *io, *timer;
        StrBuf in, out;
        size_t sent;
};

struct MetricsServer {
        sd_event *event;
        int fd;
        uint16_t port;
        uint64_t timeout_usec;
        sd_event_source *listener, *resume;
        MetricsRenderFn render;
        void *userdata;
        MetricsConn *conns;
        unsigned n_conns;
};

static RateLimit accept_log_limit = RATELIMIT_INIT(60 * USEC_PER_SEC, 3);

int metrics_listen_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len) {
        struct sockaddr_storage ss = {};
        _cleanup_free_ char *host = NULL;
        const char *port_str;
        unsigned port;
        bool v6 = s[0] == '[';

        if (v6) {
                const char *end = strchr(s, ']');

                if (!end || end[1] != ':')
                        return -EINVAL;
                host = strndup(s + 1, (size_t) (end - s - 1));
                port_str = end + 2;
        } else {
                port_str = strrchr(s, ':');
                if (!port_str)
                        return -EINVAL;
                host = strndup(s, (size_t) (port_str - s));
                port_str++;
        }
        if (!host)
                return -ENOMEM;
        if (safe_atou(port_str, &port) < 0 || port > 65535)
                return -EINVAL;

        if (v6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;

                a->sin6_family = AF_INET6;
                a->sin6_port = htons((uint16_t) port);
                if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
                        return -EINVAL;
                *ret_len = sizeof *a;
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *) &ss;

                a->sin_family = AF_INET;
                a->sin_port = htons((uint16_t) port);
                /* The one name the configuration accepts; never resolved, so never blocks. */
                if (strcasecmp(host, "localhost") == 0)
                        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
                        return -EINVAL;
                *ret_len = sizeof *a;
        }
        *ret = ss;
        return 0;
}

/* While full (or resting after an accept error), connections wait in the listen backlog. */
static void server_update_listener(MetricsServer *m) {
        bool room = m->n_conns < METRICS_MAX_CONNECTIONS;
        int resting = SD_EVENT_OFF;

        if (m->resume)
                (void) sd_event_source_get_enabled(m->resume, &resting);
        if (m->listener && resting == SD_EVENT_OFF)
                (void) sd_event_source_set_enabled(m->listener, room ? SD_EVENT_ON : SD_EVENT_OFF);
}

static MetricsConn *conn_free(MetricsConn *c) {
        MetricsServer *m;

        if (!c)
                return NULL;
        m = c->server;
        if (c->prev)
                c->prev->next = c->next;
        else
                m->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        m->n_conns--;
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        safe_close(c->fd);
        strbuf_done(&c->in);
        strbuf_done(&c->out);
        free(c);
        server_update_listener(m);
        return NULL;
}

static void conn_rearm(MetricsConn *c) {
        (void) sd_event_source_set_time_relative(c->timer, c->server->timeout_usec);
        (void) sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

static int respond_body(MetricsConn *c, int status, const char *reason, const char *extra_headers,
                        const char *type, const char *body, size_t size, bool head_only) {
        int r;

        r = strbuf_printf(&c->out,
                          "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
                          status, reason, type, size, strempty(extra_headers));
        if (r >= 0 && !head_only)
                r = strbuf_append(&c->out, body, size);
        return r;
}

static int respond_text(MetricsConn *c, int status, const char *reason, const char *extra_headers, bool head_only) {
        char body[64];

        (void) snprintf(body, sizeof body, "%d %s\n", status, reason);
        return respond_body(c, status, reason, extra_headers, "text/plain; charset=utf-8", body, strlen(body),
                            head_only);
}

static int respond_metrics(MetricsConn *c, bool head_only) {
        StrBuf body = STRBUF_INIT(METRICS_BODY_MAX);
        int r;

        r = c->server->render(&body, c->server->userdata);
        if (r < 0) {
                log_debug_errno(r, "Failed to render metrics: %m");
                strbuf_done(&body);
                return respond_text(c, 500, "Internal Server Error", NULL, head_only);
        }
        r = respond_body(c, 200, "OK", NULL, "text/plain; version=0.0.4", strempty(body.data), body.len,
                         head_only);
        strbuf_done(&body);
        return r;
}

/* Cuts the next space-separated word off *p; NULL when there is none. */
static char *next_word(char **p) {
        char *w = *p, *end;

        if (!*w)
                return NULL;
        end = strchrnul(w, ' ');
        *p = *end ? end + 1 : end;
        *end = 0;
        return w;
}

/* Answers the request whose head is in c->in (NUL terminated at the end of the head). */
static int conn_answer(MetricsConn *c) {
        char *p = c->in.data, *method, *target, *version;
        bool head;

        p[strcspn(p, "\r\n")] = 0;
        method = next_word(&p);
        target = method ? next_word(&p) : NULL;
        version = target ? next_word(&p) : NULL;
        if (!version || !startswith(version, "HTTP/") || *p || target[0] != '/')
                return respond_text(c, 400, "Bad Request", NULL, false);

        head = streq(method, "HEAD");
        if (!head && !streq(method, "GET"))
                return respond_text(c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n", false);
        target[strcspn(target, "?#")] = 0;
        if (!streq(target, "/metrics"))
                return respond_text(c, 404, "Not Found", NULL, head);
        return respond_metrics(c, head);
}

static void conn_start_answer(MetricsConn *c, int (*build)(MetricsConn *c)) {
        int r;

        r = build(c);
        if (r < 0) {
                log_debug_errno(r, "Failed to build a metrics answer, closing the connection: %m");
                conn_free(c);
                return;
        }
        c->state = CONN_WRITING;
        (void) sd_event_source_set_io_events(c->io, EPOLLOUT);
        conn_rearm(c);
}

static int build_too_large(MetricsConn *c) {
        return respond_text(c, 431, "Request Header Fields Too Large", NULL, false);
}

/* The end of the request head in c->in, or NULL while incomplete. */
static char *head_end(MetricsConn *c) {
        return memmem(c->in.data, c->in.len, "\r\n\r\n", 4) ?: memmem(c->in.data, c->in.len, "\n\n", 2);
}

static void conn_read(MetricsConn *c) {
        char buf[4096];
        char *end;

        for (;;) {
                ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);

                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (n <= 0) { /* the peer is gone or reset: nothing more to say */
                        conn_free(c);
                        return;
                }
                if (c->state == CONN_LINGERING)
                        continue; /* discard until the peer closes */
                if (strbuf_append(&c->in, buf, (size_t) n) < 0) {
                        conn_start_answer(c, build_too_large);
                        return;
                }
                end = head_end(c);
                if (end) {
                        *end = 0;
                        conn_start_answer(c, conn_answer);
                        return;
                }
        }
}

static void conn_write(MetricsConn *c) {
        while (c->sent < c->out.len) {
                ssize_t n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (n < 0) {
                        conn_free(c);
                        return;
                }
                c->sent += (size_t) n;
                conn_rearm(c);
        }
        (void) shutdown(c->fd, SHUT_WR);
        c->state = CONN_LINGERING;
        (void) sd_event_source_set_io_events(c->io, EPOLLIN);
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        MetricsConn *c = userdata;

        if (c->state == CONN_WRITING)
                conn_write(c);
        else
                conn_read(c);
        return 0;
}

static int on_conn_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        MetricsConn *c = userdata;

        log_debug("Metrics connection timed out while %s; closing it.",
                  c->state == CONN_READING ? "reading" : c->state == CONN_WRITING ? "writing" : "closing");
        conn_free(c);
        return 0;
}

static int conn_new(MetricsServer *m, int fd) {
        MetricsConn *c;
        int r;

        c = calloc(1, sizeof *c);
        if (!c) {
                safe_close(fd);
                return -ENOMEM;
        }
        c->server = m;
        c->fd = fd;
        strbuf_init(&c->in, METRICS_REQUEST_MAX);
        strbuf_init(&c->out, METRICS_BODY_MAX + 1024);
        c->next = m->conns;
        if (m->conns)
                m->conns->prev = c;
        m->conns = c;
        m->n_conns++;

        r = sd_event_add_io(m->event, &c->io, fd, EPOLLIN, on_conn_io, c);
        if (r >= 0)
                r = sd_event_add_time_relative(m->event, &c->timer, CLOCK_MONOTONIC, m->timeout_usec,
                                               10 * USEC_PER_MSEC, on_conn_timeout, c);
        if (r < 0) {
                conn_free(c);
                return r;
        }
        return 0;
}

static int on_resume(sd_event_source *s, uint64_t usec, void *userdata) {
        MetricsServer *m = userdata;

        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        server_update_listener(m);
        return 0;
}

/* Out of fds or memory: the pending connection stays in the backlog and would wake us at
 * once, forever. Rest a second instead of spinning. */
static void server_rest(MetricsServer *m, int error) {
        int r;

        if (ratelimit_below(&accept_log_limit))
                log_warning_errno(error, "Failed to accept a metrics connection, ignoring: %m");
        (void) sd_event_source_set_enabled(m->listener, SD_EVENT_OFF);
        if (!m->resume) {
                r = sd_event_add_time_relative(m->event, &m->resume, CLOCK_MONOTONIC, USEC_PER_SEC,
                                               100 * USEC_PER_MSEC, on_resume, m);
                if (r < 0)
                        return;
        } else
                (void) sd_event_source_set_time_relative(m->resume, USEC_PER_SEC);
        (void) sd_event_source_set_enabled(m->resume, SD_EVENT_ONESHOT);
}

static int on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        MetricsServer *m = userdata;

        while (m->n_conns < METRICS_MAX_CONNECTIONS) {
                int c = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (c < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                break;
                        server_rest(m, errno);
                        return 0;
                }
                if (conn_new(m, c) < 0) {
                        server_rest(m, ENOMEM);
                        return 0;
                }
        }
        server_update_listener(m);
        return 0;
}

static int server_bind(MetricsServer *m, const struct sockaddr_storage *addr, socklen_t len) {
        struct sockaddr_storage bound;
        socklen_t bound_len = sizeof bound;
        int one = 1;

        m->fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (m->fd < 0)
                return -errno;
        if (setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
                return -errno;
        if (bind(m->fd, (const struct sockaddr *) addr, len) < 0)
                return -errno;
        if (listen(m->fd, (int) METRICS_MAX_CONNECTIONS) < 0)
                return -errno;
        if (getsockname(m->fd, (struct sockaddr *) &bound, &bound_len) < 0)
                return -errno;
        m->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &bound)->sin6_port
                                                    : ((struct sockaddr_in *) &bound)->sin_port);
        return 0;
}

int metrics_server_new(sd_event *event, const char *listen, const MetricsServerOptions *opts,
                       MetricsRenderFn render, void *userdata, MetricsServer **ret) {
        _cleanup_(metrics_server_freep) MetricsServer *m = NULL;
        struct sockaddr_storage addr;
        socklen_t len;
        int r;

        r = metrics_listen_parse(listen, &addr, &len);
        if (r < 0)
                return r;
        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->fd = -EBADF;
        m->render = render;
        m->userdata = userdata;
        m->timeout_usec = opts && opts->timeout_usec > 0 ? opts->timeout_usec : METRICS_TIMEOUT_SEC * USEC_PER_SEC;
        r = server_bind(m, &addr, len);
        if (r < 0)
                return r;
        r = sd_event_add_io(event, &m->listener, m->fd, EPOLLIN, on_listen, m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

MetricsServer *metrics_server_free(MetricsServer *m) {
        if (!m)
                return NULL;
        m->listener = sd_event_source_disable_unref(m->listener);
        m->resume = sd_event_source_disable_unref(m->resume);
        while (m->conns)
                conn_free(m->conns);
        safe_close(m->fd);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

uint16_t metrics_server_port(const MetricsServer *m) {
        return m->port;
}

unsigned metrics_server_connections(const MetricsServer *m) {
        return m->n_conns;
}
