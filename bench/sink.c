/* SPDX-License-Identifier: MIT */
/*
 * sink: a loopback stand-in for CloudWatch Logs that is fast enough never to be the
 * bottleneck of a benchmark. One thread, epoll, HTTP/1.1 keep-alive on 127.0.0.1.
 *
 * Every POST gets 200, an `x-amzn-RequestId` header and `{"nextSequenceToken":"1"}`. It
 * counts requests, bytes on the wire, bytes after gunzip, and events: the number of
 * `"timestamp":` in each PutLogEvents body (gzip bodies are inflated whole, with libdeflate).
 * `GET /stats` returns those counters as JSON.
 *
 * Deliberately NOT checked here: SigV4 signatures, the API's limits, the JSON itself. The
 * strict fake that does check them lives in tests/integration (cwfake.py); this one only
 * has to keep up. Bodies must carry Content-Length (curl always sends it for POSTs).
 *
 * Usage: sink [--port N] [--port-file FILE]     (port 0, the default, picks a free one)
 */

#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libdeflate.h>

#define HEADER_MAX (64 * 1024)
#define BODY_MAX (16 * 1024 * 1024) /* a PutLogEvents body is at most ~1 MiB plus JSON overhead */
#define PATTERN "\"timestamp\":"

typedef struct Conn {
        int fd;
        char *buf;
        size_t len, cap;
        char out[1024];
        bool continued; /* "100 Continue" sent for the request being read */
        size_t out_len, out_off;
        bool close_after;
} Conn;

static struct {
        uint64_t connections, requests, put_requests, gzip_requests, wire_bytes, body_bytes, events, errors;
} stats;

static uint64_t request_counter;

/* Counts PATTERN in a stream fed in pieces; carry keeps a pattern split across pieces. */
typedef struct Counter {
        char carry[sizeof(PATTERN)];
        size_t carry_len;
        uint64_t n;
} Counter;

static void count_piece(Counter *c, const char *p, size_t len) {
        const size_t plen = strlen(PATTERN);
        char joint[2 * sizeof(PATTERN)];
        const char *s, *e = p + len;

        /* occurrences that start in the carry and end in this piece */
        if (c->carry_len > 0) {
                size_t take = len < plen - 1 ? len : plen - 1;
                memcpy(joint, c->carry, c->carry_len);
                memcpy(joint + c->carry_len, p, take);
                size_t jlen = c->carry_len + take;
                for (s = joint; (s = memmem(s, jlen - (size_t) (s - joint), PATTERN, plen)); s++)
                        if (s < joint + c->carry_len)
                                c->n++;
        }
        for (s = p; s < e && (s = memmem(s, (size_t) (e - s), PATTERN, plen)); s += plen)
                c->n++;
        /* keep the tail that could be the start of a split pattern */
        c->carry_len = len < plen - 1 ? len : plen - 1;
        memcpy(c->carry, e - c->carry_len, c->carry_len);
}

/* Events in a body; -1 if a gzip body does not inflate. Adds the inflated size to *ret_size. */
static int64_t count_events(const char *body, size_t len, bool gzip, uint64_t *ret_size) {
        static struct libdeflate_decompressor *d;
        static char *plain;
        Counter c = {};
        size_t n;

        if (!gzip) {
                count_piece(&c, body, len);
                *ret_size += len;
                return (int64_t) c.n;
        }
        /* Whole bodies, so libdeflate's one-shot decompressor: on this machine the sink shares
         * two cores with cwlogd, and it inflates twice as fast as zlib (bench/README.md). */
        if (!d && !(d = libdeflate_alloc_decompressor()))
                return -1;
        if (!plain && !(plain = malloc(BODY_MAX)))
                return -1;
        if (libdeflate_gzip_decompress(d, body, len, plain, BODY_MAX, &n) != LIBDEFLATE_SUCCESS)
                return -1;
        count_piece(&c, plain, n);
        *ret_size += n;
        return (int64_t) c.n;
}

/* Value of header NAME within the header block [h, h+len), or NULL; *ret_len its length. */
static const char *header(const char *h, size_t len, const char *name, size_t *ret_len) {
        size_t nlen = strlen(name);
        const char *end = h + len, *line = memchr(h, '\n', len); /* skip the request line */

        while (line && ++line < end) {
                const char *eol = memchr(line, '\n', (size_t) (end - line));
                if (!eol)
                        break;
                if ((size_t) (eol - line) > nlen && line[nlen] == ':' && !strncasecmp(line, name, nlen)) {
                        const char *v = line + nlen + 1, *ve = eol;
                        while (v < ve && (*v == ' ' || *v == '\t'))
                                v++;
                        while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                                ve--;
                        *ret_len = (size_t) (ve - v);
                        return v;
                }
                line = eol;
        }
        return NULL;
}

static void respond(Conn *c, int code, const char *body) {
        uint64_t id = ++request_counter;
        int n = snprintf(c->out + c->out_len, sizeof(c->out) - c->out_len,
                         "HTTP/1.1 %d %s\r\n"
                         "x-amzn-RequestId: 6b7e2c1a-%04x-4%03x-a%03x-%012" PRIx64 "\r\n"
                         "Content-Type: application/x-amz-json-1.1\r\n"
                         "Content-Length: %zu\r\n"
                         "%s\r\n%s",
                         code, code == 200 ? "OK" : "Bad Request", (unsigned) (id >> 48) & 0xffff,
                         (unsigned) (id >> 36) & 0xfff, (unsigned) (id >> 24) & 0xfff,
                         id & (uint64_t) 0xffffffffffff,
                         strlen(body), c->close_after ? "Connection: close\r\n" : "", body);
        if (n > 0 && (size_t) n < sizeof(c->out) - c->out_len)
                c->out_len += (size_t) n;
}

static void handle(Conn *c, const char *req, size_t hlen, const char *body, size_t blen) {
        char statsbuf[400];
        size_t vlen;
        const char *v;
        bool gzip;
        int64_t events;

        v = header(req, hlen, "Connection", &vlen);
        c->close_after = v && vlen == 5 && !strncasecmp(v, "close", 5);
        if (!strncmp(req, "GET /stats", 10)) {
                snprintf(statsbuf, sizeof(statsbuf),
                         "{\"connections\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"put_requests\":%" PRIu64
                         ",\"gzip_requests\":%" PRIu64 ",\"wire_bytes\":%" PRIu64 ",\"body_bytes\":%" PRIu64
                         ",\"events\":%" PRIu64 ",\"errors\":%" PRIu64 "}\n",
                         stats.connections, stats.requests, stats.put_requests, stats.gzip_requests,
                         stats.wire_bytes, stats.body_bytes, stats.events, stats.errors);
                respond(c, 200, statsbuf);
                return;
        }
        stats.requests++;
        stats.wire_bytes += hlen + blen;
        v = header(req, hlen, "X-Amz-Target", &vlen);
        if (!v || vlen < 12 || memcmp(v + vlen - 12, "PutLogEvents", 12)) {
                respond(c, 200, "{}");
                return;
        }
        stats.put_requests++;
        v = header(req, hlen, "Content-Encoding", &vlen);
        gzip = v && vlen == 4 && !strncasecmp(v, "gzip", 4);
        stats.gzip_requests += gzip;
        events = count_events(body, blen, gzip, &stats.body_bytes);
        if (events < 0) {
                stats.errors++;
                respond(c, 400, "{\"__type\":\"SerializationException\",\"message\":\"bad gzip body\"}");
                return;
        }
        stats.events += (uint64_t) events;
        respond(c, 200, "{\"nextSequenceToken\":\"1\"}");
}

static bool flush_out(Conn *c) {
        while (c->out_off < c->out_len) {
                ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR;
                c->out_off += (size_t) n;
        }
        c->out_len = c->out_off = 0;
        return true;
}

static bool parse_length(const char *v, size_t vlen, size_t *ret) {
        size_t n = 0;

        if (vlen == 0 || vlen > 9)
                return false;
        for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return false;
                n = n * 10 + (size_t) (v[i] - '0');
        }
        *ret = n;
        return true;
}

/* Answers every complete request in c->buf. Returns false if the connection must close. */
static bool process(Conn *c) {
        size_t off = 0;

        while (c->out_len == 0 && !c->close_after) {
                char *req = c->buf + off, *hend = memmem(req, c->len - off, "\r\n\r\n", 4);
                size_t hlen, blen = 0, vlen;
                const char *v;

                if (!hend) {
                        if (c->len - off > HEADER_MAX)
                                return false;
                        break;
                }
                hlen = (size_t) (hend + 4 - req);
                v = header(req, hlen, "Content-Length", &vlen);
                if (v && (!parse_length(v, vlen, &blen) || blen > BODY_MAX))
                        return false;
                if (c->len - off < hlen + blen) {
                        if (c->cap < off + hlen + blen) {
                                char *p = realloc(c->buf, off + hlen + blen);
                                if (!p)
                                        return false;
                                c->buf = p;
                                c->cap = off + hlen + blen;
                        }
                        v = header(c->buf + off, hlen, "Expect", &vlen);
                        if (v && !c->continued) {
                                c->continued = true;
                                memcpy(c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                                c->out_len = 25;
                                if (!flush_out(c))
                                        return false;
                        }
                        break;
                }
                handle(c, req, hlen, req + hlen, blen);
                c->continued = false;
                off += hlen + blen;
                if (!flush_out(c))
                        return false;
        }
        memmove(c->buf, c->buf + off, c->len - off);
        c->len -= off;
        return !(c->close_after && c->out_len == 0);
}

static void conn_free(int ep, Conn *c) {
        (void) epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        free(c->buf);
        free(c);
}

/* Reads once. Returns bytes read (0 when the socket has nothing more for now), or -1 when
 * the connection is finished. */
static ssize_t on_readable(Conn *c) {
        ssize_t n;

        if (c->cap - c->len < 64 * 1024) {
                char *p = realloc(c->buf, c->cap + 256 * 1024);
                if (!p)
                        return -1;
                c->buf = p;
                c->cap += 256 * 1024;
        }
        do
                n = read(c->fd, c->buf + c->len, c->cap - c->len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EAGAIN ? 0 : -1;
        if (n == 0)
                return -1;
        c->len += (size_t) n;
        return process(c) ? n : -1;
}

static int listen_on(unsigned port, const char *port_file) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        FILE *f;

        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int) { 1 }, sizeof(int)) < 0 ||
            bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(fd, 128) < 0 ||
            getsockname(fd, (struct sockaddr *) &a, &alen) < 0)
                return -1;
        if (port_file) {
                /* written to a temp name and renamed, so a reader never sees half a number */
                char tmp[4096];
                snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
                f = fopen(tmp, "we");
                if (!f)
                        return -1;
                fprintf(f, "%u\n", ntohs(a.sin_port));
                if (fclose(f) != 0 || rename(tmp, port_file) < 0)
                        return -1;
        } else
                printf("%u\n", ntohs(a.sin_port)), fflush(stdout);
        return fd;
}

int main(int argc, char *argv[]) {
        const char *port_file = NULL;
        unsigned long port = 0;
        struct epoll_event ev, evs[64];
        int lfd, ep;

        for (int i = 1; i < argc; i++) {
                char *end = NULL;
                if (!strcmp(argv[i], "--port-file") && i + 1 < argc)
                        port_file = argv[++i];
                else if (!strcmp(argv[i], "--port") && i + 1 < argc &&
                         (port = strtoul(argv[++i], &end, 10), *end == 0 && port < 65536))
                        ;
                else {
                        fprintf(stderr, "usage: sink [--port N] [--port-file FILE]\n");
                        return 2;
                }
        }
        (void) signal(SIGPIPE, SIG_IGN);
        lfd = listen_on((unsigned) port, port_file);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (lfd < 0 || ep < 0)
                return perror("sink"), 1;
        ev = (struct epoll_event) { .events = EPOLLIN, .data.ptr = NULL };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
                return perror("sink: epoll_ctl"), 1;

        for (;;) {
                int n = epoll_wait(ep, evs, 64, -1);
                for (int i = 0; i < n; i++) {
                        Conn *c = evs[i].data.ptr;
                        if (!c) {
                                int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                                if (fd < 0 || !(c = calloc(1, sizeof(*c)))) {
                                        if (fd >= 0)
                                                close(fd);
                                        continue;
                                }
                                c->fd = fd;
                                stats.connections++;
                                ev = (struct epoll_event) { .events = EPOLLIN | EPOLLOUT | EPOLLET,
                                                            .data.ptr = c };
                                if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
                                        conn_free(ep, c);
                                continue;
                        }
                        bool ok = true;
                        if (evs[i].events & EPOLLOUT)
                                ok = flush_out(c) && (c->out_len > 0 || process(c));
                        /* edge-triggered: drain the socket before waiting again */
                        while (ok && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                                ssize_t r = on_readable(c);
                                ok = r >= 0;
                                if (r == 0)
                                        break;
                        }
                        if (!ok)
                                conn_free(ep, c);
                }
                if (n < 0 && errno != EINTR)
                        return perror("sink: epoll_wait"), 1;
        }
}
