/* SPDX-License-Identifier: MIT */
/*
 * The metrics HTTP server on 127.0.0.1:0, driven by a real sd-event loop in this thread.
 * Clients are plain sockets: connect() to loopback completes in the kernel's backlog, the
 * request fits in the socket buffer, and the test turns the loop until the server closes the
 * connection. A guard bounds every wait so a broken server fails instead of hanging.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cw-limits.h"
#include "metrics-server.h"
#include "shared/time-util.h"
#include "test.h"

typedef struct Fixture {
        sd_event *event;
        MetricsServer *server;
        size_t body_size; /* 0: a short fixed body */
        unsigned renders;
} Fixture;

#define BODY "# HELP cwlogd_up Test.\n# TYPE cwlogd_up gauge\ncwlogd_up{section=\"a\"} 1\n"

static int render(StrBuf *out, void *userdata) {
        Fixture *f = userdata;

        f->renders++;
        if (f->body_size == 0)
                return strbuf_puts(out, BODY);
        for (size_t i = 0; i < f->body_size; i++) {
                int r = strbuf_putc(out, (char) ('a' + i % 26));

                if (r < 0)
                        return r;
        }
        return 0;
}

static void fixture_init(Fixture *f, uint64_t timeout_usec) {
        *f = (Fixture) {};
        ASSERT_OK(sd_event_new(&f->event));
        ASSERT_OK(metrics_server_new(f->event, "127.0.0.1:0", &(MetricsServerOptions) { .timeout_usec = timeout_usec },
                                     render, f, &f->server));
        ASSERT_TRUE(metrics_server_port(f->server) > 0);
}

static void fixture_done(Fixture *f) {
        f->server = metrics_server_free(f->server);
        f->event = sd_event_unref(f->event);
}

static int client_connect(Fixture *f) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(metrics_server_port(f->server)) };
        int fd;

        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(connect(fd, (struct sockaddr *) &a, sizeof a), 0);
        return fd;
}

static void client_send_n(int fd, const char *s, size_t n) {
        ASSERT_EQ(send(fd, s, n, MSG_NOSIGNAL), (long long) n);
}

static void client_send(int fd, const char *s) {
        client_send_n(fd, s, strlen(s));
}

/* Turns the loop until the server closes fd; returns everything it sent. */
static char *client_read_all(Fixture *f, int fd, size_t *ret_size) {
        StrBuf b = STRBUF_INIT(0);
        char buf[65536];

        for (unsigned guard = 0; guard < 2000; guard++) {
                ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

                if (n == 0) {
                        close(fd);
                        if (ret_size)
                                *ret_size = b.len;
                        return strbuf_steal(&b, NULL);
                }
                if (n > 0) {
                        ASSERT_OK(strbuf_append(&b, buf, (size_t) n));
                        continue;
                }
                ASSERT_TRUE(errno == EAGAIN);
                ASSERT_OK(sd_event_run(f->event, 10 * USEC_PER_MSEC));
        }
        TEST_FAIL_AT("the server never closed the connection");
}

static char *request(Fixture *f, const char *req) {
        int fd = client_connect(f);

        client_send(fd, req);
        return client_read_all(f, fd, NULL);
}


static void turn(Fixture *f, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                ASSERT_OK(sd_event_run(f->event, 5 * USEC_PER_MSEC));
}

TEST(get_metrics_answers_200_with_the_body) {
        _cleanup_free_ char *resp = NULL;
        char expect[512];
        Fixture f;

        fixture_init(&f, 0);
        resp = request(&f, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n");
        (void) snprintf(expect, sizeof expect,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
                        "Connection: close\r\n\r\n" BODY,
                        strlen(BODY));
        ASSERT_STREQ(resp, expect);
        ASSERT_EQ(f.renders, 1);
        /* Our close reaches the server, lingering after its answer, on a later iteration. */
        for (unsigned i = 0; i < 200 && metrics_server_connections(f.server) > 0; i++)
                turn(&f, 1);
        ASSERT_EQ(metrics_server_connections(f.server), 0);
        fixture_done(&f);
}

TEST(other_paths_methods_and_garbage) {
        _cleanup_free_ char *notfound = NULL, *head = NULL, *post = NULL, *bad = NULL, *query = NULL;
        Fixture f;

        fixture_init(&f, 0);
        notfound = request(&f, "GET /metricsx HTTP/1.1\r\n\r\n");
        ASSERT_TRUE(startswith(notfound, "HTTP/1.1 404 Not Found\r\n"));
        ASSERT_NOT_NULL(strstr(notfound, "\r\n\r\n404 Not Found\n"));

        head = request(&f, "HEAD /metrics HTTP/1.0\r\n\r\n");
        ASSERT_TRUE(startswith(head, "HTTP/1.1 200 OK\r\n"));
        ASSERT_EQ(strstr(head, "\r\n\r\n")[4], 0); /* no body */

        post = request(&f, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        ASSERT_TRUE(startswith(post, "HTTP/1.1 405 Method Not Allowed\r\n"));
        ASSERT_NOT_NULL(strstr(post, "\r\nAllow: GET, HEAD\r\n"));

        bad = request(&f, "hello\r\n\r\n");
        ASSERT_TRUE(startswith(bad, "HTTP/1.1 400 Bad Request\r\n"));

        /* A query string does not change the path; a bare-LF client is understood. */
        query = request(&f, "GET /metrics?x=1 HTTP/1.1\n\n");
        ASSERT_TRUE(startswith(query, "HTTP/1.1 200 OK\r\n"));
        ASSERT_NOT_NULL(strstr(query, BODY));
        ASSERT_EQ(f.renders, 2); /* HEAD renders too (for the length), 404/405/400 do not */
        fixture_done(&f);
}

TEST(request_in_pieces_and_trailing_bytes_still_get_the_whole_answer) {
        _cleanup_free_ char *resp = NULL;
        int fd;
        Fixture f;

        fixture_init(&f, 0);
        fd = client_connect(&f);
        client_send(fd, "GET /met");
        turn(&f, 3);
        client_send(fd, "rics HTTP/1.1\r\nContent-Length: 5\r\n");
        turn(&f, 3);
        /* The head ends here; the unread "hello" must not turn our close into a reset. */
        client_send(fd, "\r\nhello");
        resp = client_read_all(&f, fd, NULL);
        ASSERT_TRUE(startswith(resp, "HTTP/1.1 200 OK\r\n"));
        ASSERT_NOT_NULL(strstr(resp, "\r\n\r\n" BODY));
        fixture_done(&f);
}

TEST(large_body_is_written_completely) {
        _cleanup_free_ char *resp = NULL;
        size_t size;
        char *body;
        int fd;
        Fixture f;

        fixture_init(&f, 0);
        f.body_size = 8 * 1024 * 1024; /* far more than a socket buffer */
        fd = client_connect(&f);
        client_send(fd, "GET /metrics HTTP/1.1\r\n\r\n");
        resp = client_read_all(&f, fd, &size);
        body = strstr(resp, "\r\n\r\n") + 4;
        ASSERT_NOT_NULL(strstr(resp, "Content-Length: 8388608\r\n"));
        ASSERT_EQ(size - (size_t) (body - resp), 8388608);
        ASSERT_EQ(body[8388607], 'a' + 8388607 % 26);
        fixture_done(&f);
}

TEST(idle_connection_is_closed_after_the_timeout) {
        _cleanup_free_ char *resp = NULL;
        int fd;
        Fixture f;

        fixture_init(&f, 200 * USEC_PER_MSEC);
        fd = client_connect(&f);
        client_send(fd, "GET /metrics HTTP/1.1\r\n"); /* never finished */
        resp = client_read_all(&f, fd, NULL);
        ASSERT_STREQ(resp, "");
        ASSERT_EQ(metrics_server_connections(f.server), 0);
        ASSERT_EQ(f.renders, 0);
        fixture_done(&f);
}

TEST(oversized_request_is_refused) {
        _cleanup_free_ char *resp = NULL;
        char big[METRICS_REQUEST_MAX + 100];
        int fd;
        Fixture f;

        fixture_init(&f, 0);
        memset(big, 'a', sizeof big);
        fd = client_connect(&f);
        client_send_n(fd, big, sizeof big);
        resp = client_read_all(&f, fd, NULL);
        ASSERT_TRUE(startswith(resp, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        fixture_done(&f);
}

TEST(at_most_16_connections_then_the_backlog_waits) {
        _cleanup_free_ char *resp = NULL;
        int idle[METRICS_MAX_CONNECTIONS], extra;
        Fixture f;

        fixture_init(&f, 60 * USEC_PER_SEC);
        for (unsigned i = 0; i < METRICS_MAX_CONNECTIONS; i++)
                idle[i] = client_connect(&f);
        for (unsigned i = 0; i < 200 && metrics_server_connections(f.server) < METRICS_MAX_CONNECTIONS; i++)
                turn(&f, 1);
        ASSERT_EQ(metrics_server_connections(f.server), METRICS_MAX_CONNECTIONS);

        extra = client_connect(&f);
        client_send(extra, "GET /metrics HTTP/1.1\r\n\r\n");
        turn(&f, 20);
        ASSERT_EQ(metrics_server_connections(f.server), METRICS_MAX_CONNECTIONS);
        ASSERT_EQ(f.renders, 0);

        /* One slot frees up: the waiting client is served. */
        close(idle[0]);
        resp = client_read_all(&f, extra, NULL);
        ASSERT_TRUE(startswith(resp, "HTTP/1.1 200 OK\r\n"));
        for (unsigned i = 1; i < METRICS_MAX_CONNECTIONS; i++)
                close(idle[i]);
        fixture_done(&f);
}

TEST(listen_addresses) {
        struct sockaddr_storage ss;
        socklen_t len;

        ASSERT_OK(metrics_listen_parse("127.0.0.1:9880", &ss, &len));
        ASSERT_EQ(ss.ss_family, AF_INET);
        ASSERT_EQ(ntohs(((struct sockaddr_in *) &ss)->sin_port), 9880);
        ASSERT_OK(metrics_listen_parse("0.0.0.0:0", &ss, &len));
        ASSERT_OK(metrics_listen_parse("[::1]:65535", &ss, &len));
        ASSERT_EQ(ss.ss_family, AF_INET6);
        ASSERT_EQ(ntohs(((struct sockaddr_in6 *) &ss)->sin6_port), 65535);
        ASSERT_OK(metrics_listen_parse("[::]:80", &ss, &len));

        ASSERT_OK(metrics_listen_parse("LocalHost:80", &ss, &len));
        ASSERT_EQ(ntohl(((struct sockaddr_in *) &ss)->sin_addr.s_addr), INADDR_LOOPBACK);

        ASSERT_ERR(metrics_listen_parse("example.com:80", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse("127.0.0.1", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse("127.0.0.1:", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse("127.0.0.1:65536", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse("127.0.0.1:-1", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse(":80", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse("::1:80", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse("[::1]80", &ss, &len), EINVAL);
        ASSERT_ERR(metrics_listen_parse("[::1:80", &ss, &len), EINVAL);
}

TEST(port_in_use_fails_and_ipv6_loopback_works) {
        MetricsServer *second = NULL, *v6 = NULL;
        char addr[64];
        Fixture f;
        int r;

        fixture_init(&f, 0);
        (void) snprintf(addr, sizeof addr, "127.0.0.1:%u", metrics_server_port(f.server));
        ASSERT_ERR(metrics_server_new(f.event, addr, NULL, render, &f, &second), EADDRINUSE);
        ASSERT_NULL(second);
        ASSERT_ERR(metrics_server_new(f.event, "nonsense", NULL, render, &f, &second), EINVAL);

        r = metrics_server_new(f.event, "[::1]:0", NULL, render, &f, &v6);
        if (r == -EADDRNOTAVAIL || r == -EAFNOSUPPORT)
                fprintf(stderr, "no IPv6 loopback here, skipping that part\n");
        else {
                ASSERT_OK(r);
                ASSERT_TRUE(metrics_server_port(v6) > 0);
                v6 = metrics_server_free(v6);
        }
        fixture_done(&f);
}

TEST_MAIN()
