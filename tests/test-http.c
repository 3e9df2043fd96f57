/* SPDX-License-Identifier: MIT */
/*
 * http_client against real sockets: a small HTTP/1.1 server on 127.0.0.1 runs in threads of
 * this process (one per connection, blocking I/O, all stopped through one pipe), and
 * `openssl s_server` children serve TLS with certificates made at test time. The client
 * side runs a real sd-event loop; a guard timer fails a test that would hang.
 *
 * Server paths: /ok, /echo, /stall, /partial, /rst, /garbage, /huge, /huge-chunked,
 * /exact-max, /many-headers; absolute-form or CONNECT requests act as a proxy.
 */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>

#include "http-internal.h"
#include "http.h"
#include "cw-limits.h"
#include "shared/parse-util.h"
#include "shared/strbuf.h"
#include "test.h"

/* ---- loopback server ------------------------------------------------------------------ */

#define SERVER_MAX_CONNECTIONS 256

typedef struct Server {
        int listen_fd, stop[2];
        uint16_t port;
        pthread_t acceptor;
        pthread_mutex_t lock;
        pthread_t conns[SERVER_MAX_CONNECTIONS];
        unsigned n_connections, n_requests;
        StrBuf log; /* request lines, one per line, plus what /echo saw */
} Server;

typedef struct Conn {
        Server *server;
        int fd;
} Conn;

/* Waits for fd to become ready for events, or the server to stop. */
static bool conn_wait(Conn *c, short events) {
        struct pollfd p[2] = { { .fd = c->fd, .events = events }, { .fd = c->server->stop[0], .events = POLLIN } };

        for (;;) {
                if (poll(p, 2, -1) < 0)
                        return false;
                if (p[1].revents)
                        return false;
                if (p[0].revents)
                        return true;
        }
}

static bool conn_send(Conn *c, const void *p, size_t n) {
        while (n > 0) {
                ssize_t k;

                if (!conn_wait(c, POLLOUT))
                        return false;
                k = send(c->fd, p, n, MSG_NOSIGNAL);
                if (k <= 0)
                        return false;
                p = (const char *) p + k;
                n -= (size_t) k;
        }
        return true;
}

static bool conn_sendf(Conn *c, const char *fmt, ...) _printf_(2, 3);
static bool conn_sendf(Conn *c, const char *fmt, ...) {
        char *s;
        va_list ap;
        int n;
        bool ok;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return false;
        ok = conn_send(c, s, (size_t) n);
        free(s);
        return ok;
}

/* Reads one request: head into head (NUL terminated), body into body. false at EOF/stop. */
static bool conn_read_request(Conn *c, StrBuf *in, StrBuf *head, StrBuf *body) {
        char buf[4096], *end;
        size_t head_len = 0;
        unsigned clen = 0;
        const char *cl;

        strbuf_reset(head);
        strbuf_reset(body);
        for (;;) {
                end = in->data ? strstr(in->data, "\r\n\r\n") : NULL;
                if (end) {
                        head_len = (size_t) (end - in->data) + 4;
                        strbuf_reset(head);
                        (void) strbuf_append(head, in->data, head_len);
                        cl = strcasestr(head->data, "\r\ncontent-length:");
                        if (cl) {
                                char num[16] = {};

                                cl += 17 + strspn(cl + 17, " ");
                                memcpy(num, cl, MIN(strcspn(cl, "\r"), sizeof num - 1));
                                if (safe_atou(num, &clen) < 0)
                                        return false;
                        }
                        if (in->len >= head_len + clen)
                                break;
                }
                ssize_t k;
                if (!conn_wait(c, POLLIN))
                        return false;
                k = recv(c->fd, buf, sizeof buf, 0);
                if (k <= 0)
                        return false;
                (void) strbuf_append(in, buf, (size_t) k);
        }
        (void) strbuf_append(body, in->data + head_len, clen);
        memmove(in->data, in->data + head_len + clen, in->len - head_len - clen);
        in->len -= head_len + clen;
        in->data[in->len] = 0;
        return true;
}

static void server_log(Server *s, const char *line, size_t n) {
        pthread_mutex_lock(&s->lock);
        (void) strbuf_append(&s->log, line, n);
        (void) strbuf_putc(&s->log, '\n');
        s->n_requests++;
        pthread_mutex_unlock(&s->lock);
}

/* Sends total bytes of body, as chunks if chunked; the caller sent the head. */
static bool serve_body(Conn *c, size_t total, bool chunked) {
        static char chunk[65536];

        memset(chunk, 'x', sizeof chunk);
        for (size_t sent = 0; sent < total;) {
                size_t n = MIN(sizeof chunk, total - sent);

                if (chunked && !conn_sendf(c, "%zx\r\n", n))
                        return false;
                if (!conn_send(c, chunk, n) || (chunked && !conn_send(c, "\r\n", 2)))
                        return false;
                sent += n;
        }
        return !chunked || conn_sendf(c, "0\r\n\r\n");
}

/* Answers one request; false closes the connection. */
static bool serve(Conn *c, const char *head, const StrBuf *body) {
        const char *sp = strchr(head, ' '), *path = sp ? sp + 1 : "";

        if (startswith(head, "CONNECT "))
                return (void) conn_sendf(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), false;
        if (startswith(path, "http://"))
                return conn_sendf(c, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied");
        if (startswith(path, "/ok "))
                return conn_sendf(c, "HTTP/1.1 200 OK\r\nX-Test:   Yes  \r\nX-Amzn-RequestId: r-1\r\n"
                                     "Content-Length: 5\r\n\r\nhello");
        if (startswith(path, "/echo ")) {
                const char *x = strcasestr(head, "\r\nx-custom: ");
                size_t xl = x ? strcspn(x + 12, "\r") : 0;

                return conn_sendf(c, "HTTP/1.1 201 Created\r\nContent-Length: %zu\r\n\r\n%.*s|%.*s|",
                                  (size_t) (sp - head) + xl + 2 + body->len, (int) (sp - head), head,
                                  (int) xl, x ? x + 12 : "") &&
                       conn_send(c, body->data ?: "", body->len);
        }
        if (startswith(path, "/stall ")) {
                char b;
                (void) (conn_wait(c, POLLIN) && recv(c->fd, &b, 1, 0));
                return false;
        }
        if (startswith(path, "/partial "))
                return (void) conn_sendf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"), false;
        if (startswith(path, "/rst ")) {
                struct linger l = { .l_onoff = 1, .l_linger = 0 };
                (void) setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
                return false;
        }
        if (startswith(path, "/garbage "))
                return (void) conn_sendf(c, "SPAM SPAM SPAM\r\n\r\n"), false;
        if (startswith(path, "/huge "))
                return conn_sendf(c, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", HTTP_RESPONSE_MAX + 1) &&
                       serve_body(c, HTTP_RESPONSE_MAX + 1, false);
        if (startswith(path, "/huge-chunked "))
                return conn_sendf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") &&
                       serve_body(c, 2 * HTTP_RESPONSE_MAX, true);
        if (startswith(path, "/exact-max "))
                return conn_sendf(c, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", HTTP_RESPONSE_MAX) &&
                       serve_body(c, HTTP_RESPONSE_MAX, false);
        if (startswith(path, "/many-headers ")) {
                if (!conn_sendf(c, "HTTP/1.1 200 OK\r\n"))
                        return false;
                for (unsigned i = 0; i <= HTTP_RESPONSE_HEADERS_MAX; i++)
                        if (!conn_sendf(c, "X-H%u: %u\r\n", i, i))
                                return false;
                return conn_sendf(c, "Content-Length: 0\r\n\r\n");
        }
        return conn_sendf(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

static void *conn_thread(void *userdata) {
        Conn *c = userdata;
        StrBuf in = STRBUF_INIT(0), head = STRBUF_INIT(0), body = STRBUF_INIT(0);

        while (conn_read_request(c, &in, &head, &body)) {
                server_log(c->server, head.data, strcspn(head.data, "\r"));
                if (!serve(c, head.data, &body))
                        break;
        }
        (void) close(c->fd);
        strbuf_done(&in);
        strbuf_done(&head);
        strbuf_done(&body);
        free(c);
        return NULL;
}

static void *acceptor_thread(void *userdata) {
        Server *s = userdata;
        struct pollfd p[2] = { { .fd = s->listen_fd, .events = POLLIN }, { .fd = s->stop[0], .events = POLLIN } };

        while (poll(p, 2, -1) >= 0 && !p[1].revents) {
                Conn *c;
                int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

                if (fd < 0)
                        continue;
                pthread_mutex_lock(&s->lock);
                c = s->n_connections < SERVER_MAX_CONNECTIONS ? calloc(1, sizeof *c) : NULL;
                if (c) {
                        *c = (Conn) { .server = s, .fd = fd };
                        if (pthread_create(&s->conns[s->n_connections], NULL, conn_thread, c) == 0)
                                s->n_connections++;
                        else
                                c = mfree(c);
                }
                pthread_mutex_unlock(&s->lock);
                if (!c)
                        (void) close(fd);
        }
        return NULL;
}

static int server_start(Server *s) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t l = sizeof a;

        *s = (Server) { .log = STRBUF_INIT(0) };
        pthread_mutex_init(&s->lock, NULL);
        s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *) &a, sizeof a) < 0 ||
            listen(s->listen_fd, 512) < 0 || getsockname(s->listen_fd, (struct sockaddr *) &a, &l) < 0 ||
            pipe2(s->stop, O_CLOEXEC) < 0)
                return -errno;
        s->port = ntohs(a.sin_port);
        return -pthread_create(&s->acceptor, NULL, acceptor_thread, s);
}

static void server_stop(Server *s) {
        (void) write(s->stop[1], "x", 1);
        (void) pthread_join(s->acceptor, NULL);
        for (unsigned i = 0; i < s->n_connections; i++)
                (void) pthread_join(s->conns[i], NULL);
        (void) close(s->listen_fd);
        (void) close(s->stop[0]);
        (void) close(s->stop[1]);
        strbuf_done(&s->log);
        pthread_mutex_destroy(&s->lock);
}

static unsigned server_get(Server *s, unsigned *field) {
        unsigned v;

        pthread_mutex_lock(&s->lock);
        v = *field;
        pthread_mutex_unlock(&s->lock);
        return v;
}

static bool server_saw(Server *s, const char *needle) {
        bool found;

        pthread_mutex_lock(&s->lock);
        found = s->log.data && strstr(s->log.data, needle);
        pthread_mutex_unlock(&s->lock);
        return found;
}

/* ---- client side helpers -------------------------------------------------------------- */

typedef struct Result {
        unsigned calls;
        int error;
        long status;
        char *body;
        size_t body_size;
        char *x_test, *request_id;
} Result;

static void result_done(Result *r) {
        free(r->body);
        free(r->x_test);
        free(r->request_id);
        *r = (Result) {};
}

static void on_result(int error, const HttpResponse *resp, void *userdata) {
        Result *r = userdata;
        const char *h;

        r->calls++;
        r->error = error;
        if (!resp)
                return;
        r->status = resp->status;
        free(r->body);
        r->body = malloc(resp->body_size + 1);
        memcpy(r->body, resp->body, resp->body_size + 1);
        r->body_size = resp->body_size;
        h = http_response_header(resp, "X-TEST");
        r->x_test = h ? strdup(h) : NULL;
        h = http_response_header(resp, "x-amzn-requestid");
        r->request_id = h ? strdup(h) : NULL;
}

static int on_guard(sd_event_source *s, uint64_t usec, void *userdata) {
        *(bool *) userdata = true;
        return 0;
}

/* Runs the loop until *counter >= target; fails the test if that takes more than 60 s. */
static void run_until(sd_event *e, const unsigned *counter, unsigned target) {
        sd_event_source *guard = NULL;
        bool expired = false;

        ASSERT_OK(sd_event_add_time_relative(e, &guard, CLOCK_MONOTONIC, 60 * USEC_PER_SEC, 0, on_guard,
                                             &expired));
        while (*counter < target && !expired)
                ASSERT_OK(sd_event_run(e, UINT64_MAX));
        sd_event_source_unref(guard);
        ASSERT_FALSE(expired);
}

/* Runs the loop until the server has seen n requests. */
static void run_until_server_requests(sd_event *e, Server *s, unsigned n) {
        for (unsigned i = 0; server_get(s, &s->n_requests) < n && i < 6000; i++)
                ASSERT_OK(sd_event_run(e, 10 * USEC_PER_MSEC));
        ASSERT_TRUE(server_get(s, &s->n_requests) >= n);
}

static char *url(const Server *s, const char *path) {
        char *u;

        return asprintf(&u, "http://127.0.0.1:%u%s", s->port, path) < 0 ? NULL : u;
}

/* One GET (or req, if given) to completion on a fresh client. */
static void fetch(sd_event *e, const HttpClientOptions *opts, const char *u, uint64_t timeout_usec, Result *r) {
        HttpClient *c = NULL;
        HttpRequest req = { .method = "GET", .url = u, .timeout_usec = timeout_usec };

        ASSERT_OK(http_client_new(e, opts, &c));
        ASSERT_OK(http_client_start(c, &req, on_result, r, NULL));
        ASSERT_EQ(http_client_in_flight(c), 1);
        run_until(e, &r->calls, 1);
        ASSERT_EQ(http_client_in_flight(c), 0);
        http_client_free(c);
}

static void fetch_path(const char *path, Result *r) {
        sd_event *e = NULL;
        Server s;
        char *u;

        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        u = url(&s, path);
        fetch(e, NULL, u, 0, r);
        free(u);
        server_stop(&s);
        sd_event_unref(e);
}

static void clear_proxy_env(void) {
        const char *v[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                            "ALL_PROXY", "no_proxy", "NO_PROXY", "AWS_CA_BUNDLE" };

        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                (void) unsetenv(v[i]);
}

/* ---- basic requests and responses ------------------------------------------------------ */

TEST(get_status_headers_body) {
        Result r = {};

        clear_proxy_env();
        fetch_path("/ok", &r);
        ASSERT_EQ(r.calls, 1);
        ASSERT_OK(r.error);
        ASSERT_EQ(r.status, 200);
        ASSERT_EQ(r.body_size, 5);
        ASSERT_STREQ(r.body, "hello");
        ASSERT_STREQ(r.x_test, "Yes"); /* name matched case-insensitively, value trimmed */
        ASSERT_STREQ(r.request_id, "r-1");
        result_done(&r);

        fetch_path("/nothing-here", &r);
        ASSERT_OK(r.error); /* an HTTP error status is a response, not a transport failure */
        ASSERT_EQ(r.status, 404);
        ASSERT_EQ(r.body_size, 0);
        ASSERT_STREQ(r.body, "");
        ASSERT_NULL(r.x_test);
        result_done(&r);
}

static void check_headers_lowercased(int error, const HttpResponse *resp, void *userdata) {
        unsigned *calls = userdata;

        (*calls)++;
        if (error < 0 || !resp)
                return;
        /* Every line is "name: value" with a lower-case name, nothing else. */
        for (char **h = resp->headers; *h; h++) {
                const char *colon = strchr(*h, ':');

                if (!colon || colon[1] != ' ')
                        return;
                for (const char *p = *h; p < colon; p++)
                        if (*p >= 'A' && *p <= 'Z')
                                return;
        }
        if (!http_response_header(resp, "x-amzn-requestid") || http_response_header(resp, "x-missing"))
                return;
        (*calls) += 100; /* all good */
}

TEST(response_headers_are_lowercase_name_value) {
        sd_event *e = NULL;
        HttpClient *c = NULL;
        Server s;
        unsigned calls = 0;
        char *u;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        u = url(&s, "/ok");
        ASSERT_OK(http_client_new(e, NULL, &c));
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = u }, check_headers_lowercased,
                                    &calls, NULL));
        run_until(e, &calls, 1);
        ASSERT_EQ(calls, 101);
        http_client_free(c);
        free(u);
        server_stop(&s);
        sd_event_unref(e);
}

TEST(post_and_put_send_method_headers_and_body) {
        sd_event *e = NULL;
        HttpClient *c = NULL;
        Server s;
        Result r1 = {}, r2 = {};
        char *u, *body = malloc(11), *hdrs[] = { (char *) "X-Custom: secret-token", NULL };

        clear_proxy_env();
        memcpy(body, "binary\0body", 11);
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        u = url(&s, "/echo");
        ASSERT_OK(http_client_new(e, NULL, &c));
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "POST", .url = u, .headers = hdrs,
                                    .body = body, .body_size = 11 }, on_result, &r1, NULL));
        /* The request is copied: the caller's memory can go right away. */
        memset(body, '#', 11);
        free(body);
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "PUT", .url = u }, on_result, &r2, NULL));
        run_until(e, &r1.calls, 1);
        run_until(e, &r2.calls, 1);
        ASSERT_OK(r1.error);
        ASSERT_EQ(r1.status, 201);
        ASSERT_EQ(r1.body_size, 5 + 13 + 11);
        ASSERT_TRUE(memcmp(r1.body, "POST|secret-token|binary\0body", r1.body_size) == 0);
        ASSERT_OK(r2.error);
        ASSERT_STREQ(r2.body, "PUT||"); /* a PUT without body, as IMDSv2's token request */
        ASSERT_TRUE(server_saw(&s, "PUT /echo HTTP/1.1"));
        http_client_free(c);
        result_done(&r1);
        result_done(&r2);
        free(u);
        server_stop(&s);
        sd_event_unref(e);
}

TEST(bad_requests_refused_synchronously) {
        sd_event *e = NULL;
        HttpClient *c = NULL;
        Result r = {};

        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(http_client_new(e, NULL, &c));
        ASSERT_ERR(http_client_start(c, &(HttpRequest) { .method = "GET" }, on_result, &r, NULL), EINVAL);
        ASSERT_ERR(http_client_start(c, &(HttpRequest) { .method = "GET", .url = "http://127.0.0.1/",
                                     .body = "x", .body_size = 1 }, on_result, &r, NULL), EINVAL);
        ASSERT_ERR(http_client_start(c, &(HttpRequest) { .method = "GET", .url = "file:///etc/passwd" },
                                     on_result, &r, NULL), EINVAL);
        ASSERT_EQ(http_client_in_flight(c), 0);
        /* A malformed URL fails through the callback, never synchronously. */
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = "http://[::1/" },
                                    on_result, &r, NULL));
        ASSERT_EQ(r.calls, 0);
        run_until(e, &r.calls, 1);
        ASSERT_ERR(r.error, EINVAL);
        ASSERT_EQ(r.calls, 1);
        http_client_free(c);
        sd_event_unref(e);
}

/* ---- failures ------------------------------------------------------------------------- */

TEST(transport_failures_map_to_errnos) {
        static const struct {
                const char *path;
                int error;
        } cases[] = {
                { "/partial", EBADMSG },     /* closed before Content-Length bytes */
                { "/garbage", EBADMSG },     /* not HTTP at all */
                { "/rst", ECONNRESET },      /* TCP reset instead of an answer */
                { "/huge", EMSGSIZE },       /* Content-Length over HTTP_RESPONSE_MAX */
                { "/huge-chunked", EMSGSIZE }, /* no length given, body grows past the cap */
                { "/many-headers", EMSGSIZE },
        };

        clear_proxy_env();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Result r = {};

                fetch_path(cases[i].path, &r);
                if (r.error != -cases[i].error)
                        fprintf(stderr, "%s: got %d\n", cases[i].path, r.error);
                ASSERT_EQ(r.calls, 1);
                ASSERT_EQ(r.error, -cases[i].error);
                result_done(&r);
        }
}

TEST(body_exactly_at_cap_is_accepted) {
        Result r = {};

        clear_proxy_env();
        fetch_path("/exact-max", &r);
        ASSERT_OK(r.error);
        ASSERT_EQ(r.body_size, HTTP_RESPONSE_MAX);
        ASSERT_EQ(r.body[HTTP_RESPONSE_MAX - 1], 'x');
        ASSERT_EQ(r.body[HTTP_RESPONSE_MAX], 0);
        result_done(&r);
}

TEST(stalled_server_times_out) {
        sd_event *e = NULL;
        Server s;
        Result r = {};
        char *u;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        u = url(&s, "/stall");
        fetch(e, NULL, u, 300 * USEC_PER_MSEC, &r);
        ASSERT_EQ(r.calls, 1);
        ASSERT_ERR(r.error, ETIMEDOUT);
        ASSERT_TRUE(server_saw(&s, "GET /stall HTTP/1.1"));
        free(u);
        server_stop(&s);
        sd_event_unref(e);
}

TEST(refused_and_unresolvable) {
        sd_event *e = NULL;
        Result r = {};
        int fd;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t l = sizeof a;
        char *u;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        /* A port that is bound but not listening refuses connections. */
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(bind(fd, (struct sockaddr *) &a, sizeof a));
        ASSERT_OK(getsockname(fd, (struct sockaddr *) &a, &l));
        ASSERT_TRUE(asprintf(&u, "http://127.0.0.1:%u/", ntohs(a.sin_port)) > 0);
        fetch(e, NULL, u, 0, &r);
        ASSERT_ERR(r.error, ECONNREFUSED);
        free(u);
        (void) close(fd);

        r = (Result) {};
        fetch(e, NULL, "http://cwlogd-test.invalid/", 0, &r);
        ASSERT_ERR(r.error, EHOSTUNREACH);
        sd_event_unref(e);
}

TEST(error_table) {
        ASSERT_EQ(http_curl_code_to_errno(CURLE_OK), 0);
        ASSERT_ERR(http_curl_code_to_errno(CURLE_OPERATION_TIMEDOUT), ETIMEDOUT);
        ASSERT_ERR(http_curl_code_to_errno(CURLE_PEER_FAILED_VERIFICATION), EPROTO);
        ASSERT_ERR(http_curl_code_to_errno(CURLE_SSL_CONNECT_ERROR), EPROTO);
        ASSERT_ERR(http_curl_code_to_errno(CURLE_SEND_ERROR), ECONNRESET);
        ASSERT_ERR(http_curl_code_to_errno(CURLE_GOT_NOTHING), ECONNRESET);
        ASSERT_ERR(http_curl_code_to_errno(CURLE_COULDNT_RESOLVE_PROXY), EHOSTUNREACH);
        ASSERT_ERR(http_curl_code_to_errno(CURLE_FTP_WEIRD_PASV_REPLY), EIO);
}

/* ---- connection reuse and concurrency --------------------------------------------------- */

typedef struct Chain {
        HttpClient *client;
        const char *url;
        Result first, second;
} Chain;

static void on_first(int error, const HttpResponse *resp, void *userdata) {
        Chain *ch = userdata;

        on_result(error, resp, &ch->first);
        /* Starting the next request from inside a callback. */
        if (http_client_start(ch->client, &(HttpRequest) { .method = "GET", .url = ch->url }, on_result,
                              &ch->second, NULL) < 0)
                ch->second.calls = 1000;
}

TEST(keep_alive_reuses_one_connection) {
        sd_event *e = NULL;
        Server s;
        Chain ch = {};
        Result third = {};
        char *u;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        u = url(&s, "/ok");
        ch.url = u;
        ASSERT_OK(http_client_new(e, NULL, &ch.client));
        ASSERT_OK(http_client_start(ch.client, &(HttpRequest) { .method = "GET", .url = u }, on_first, &ch, NULL));
        run_until(e, &ch.second.calls, 1);
        ASSERT_EQ(ch.first.calls, 1);
        ASSERT_EQ(ch.second.calls, 1);
        ASSERT_OK(ch.second.error);
        ASSERT_EQ(ch.second.status, 200);

        /* And once more after the loop went idle. */
        ASSERT_OK(http_client_start(ch.client, &(HttpRequest) { .method = "GET", .url = u }, on_result, &third, NULL));
        run_until(e, &third.calls, 1);
        ASSERT_OK(third.error);
        ASSERT_EQ(server_get(&s, &s.n_requests), 3);
        ASSERT_EQ(server_get(&s, &s.n_connections), 1);

        http_client_free(ch.client);
        result_done(&ch.first);
        result_done(&ch.second);
        result_done(&third);
        free(u);
        server_stop(&s);
        sd_event_unref(e);
}

#define N_CONCURRENT 200U

static void on_count(int error, const HttpResponse *resp, void *userdata) {
        unsigned *slot = userdata;

        /* Count successes in the low bits and anything else in the high ones. */
        *slot += error == 0 && resp && resp->status == 200 && streq(resp->body, "hello") ? 1 : 1000;
}

static void on_total(int error, const HttpResponse *resp, void *userdata) {
        unsigned **p = userdata;

        on_count(error, resp, p[0]);
        (*p[1])++;
}

TEST(many_concurrent_requests_complete_once) {
        sd_event *e = NULL;
        HttpClient *c = NULL;
        Server s;
        unsigned slots[N_CONCURRENT] = {}, done = 0, *args[N_CONCURRENT][2];
        char *u;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        u = url(&s, "/ok");
        ASSERT_OK(http_client_new(e, NULL, &c));
        for (unsigned i = 0; i < N_CONCURRENT; i++) {
                args[i][0] = &slots[i];
                args[i][1] = &done;
                ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = u }, on_total, args[i], NULL));
        }
        ASSERT_EQ(http_client_in_flight(c), N_CONCURRENT);
        run_until(e, &done, N_CONCURRENT);
        /* Let any stray second callback show up. */
        for (unsigned i = 0; i < 10; i++)
                ASSERT_OK(sd_event_run(e, 0));
        ASSERT_EQ(done, N_CONCURRENT);
        for (unsigned i = 0; i < N_CONCURRENT; i++)
                ASSERT_EQ(slots[i], 1);
        ASSERT_EQ(http_client_in_flight(c), 0);
        ASSERT_EQ(server_get(&s, &s.n_requests), N_CONCURRENT);
        ASSERT_TRUE(server_get(&s, &s.n_connections) <= (unsigned) HTTP_MAX_HOST_CONNECTIONS);
        http_client_free(c);
        free(u);
        server_stop(&s);
        sd_event_unref(e);
}

/* ---- cancellation and teardown ---------------------------------------------------------- */

typedef struct Canceller {
        HttpCall *victim, *self;
        HttpClient *client_to_free;
        unsigned calls;
} Canceller;

static void on_cancel_other(int error, const HttpResponse *resp, void *userdata) {
        Canceller *k = userdata;

        k->calls++;
        http_call_cancel(k->victim); /* another call, still in flight */
        http_call_cancel(k->self);   /* our own, already finishing: must be a no-op */
        if (k->client_to_free)
                http_client_free(k->client_to_free);
}

TEST(cancel_from_callback_and_free_with_calls_in_flight) {
        sd_event *e = NULL;
        HttpClient *c = NULL;
        Server s;
        Canceller k = {};
        unsigned stalled[3] = {};
        HttpCall *calls[3];
        char *stall, *ok;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        stall = url(&s, "/stall");
        ok = url(&s, "/ok");
        ASSERT_OK(http_client_new(e, NULL, &c));
        for (unsigned i = 0; i < 3; i++)
                ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = stall }, on_count,
                                            &stalled[i], &calls[i]));
        run_until_server_requests(e, &s, 3); /* all three are really in flight */

        k.victim = calls[0];
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = ok }, on_cancel_other, &k, &k.self));
        ASSERT_EQ(http_client_in_flight(c), 4);
        run_until(e, &k.calls, 1);
        ASSERT_EQ(http_client_in_flight(c), 2);

        /* Cancel right after start, before the loop ever ran for it. */
        HttpCall *quick = NULL;
        unsigned quick_calls = 0;
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = ok }, on_count, &quick_calls, &quick));
        http_call_cancel(quick);
        http_call_cancel(NULL);
        ASSERT_EQ(http_client_in_flight(c), 2);

        /* Two stalled calls still in flight: freeing the client drops them silently. */
        http_client_free(c);
        for (unsigned i = 0; i < 20; i++)
                ASSERT_OK(sd_event_run(e, 0));
        ASSERT_EQ(stalled[0] + stalled[1] + stalled[2], 0);
        ASSERT_EQ(quick_calls, 0);
        ASSERT_EQ(k.calls, 1);

        free(stall);
        free(ok);
        server_stop(&s);
        sd_event_unref(e);
}

TEST(free_client_from_inside_a_callback) {
        sd_event *e = NULL;
        HttpClient *c = NULL;
        Server s;
        Canceller k = {};
        unsigned stalled = 0, n_sources_idle;
        char *stall, *ok;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        stall = url(&s, "/stall");
        ok = url(&s, "/ok");
        ASSERT_OK(http_client_new(e, NULL, &c));
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = stall }, on_count, &stalled, NULL));
        run_until_server_requests(e, &s, 1);
        ASSERT_OK(http_client_start(c, &(HttpRequest) { .method = "GET", .url = ok }, on_cancel_other, &k, &k.self));
        k.client_to_free = c;
        run_until(e, &k.calls, 1);
        for (unsigned i = 0; i < 20; i++)
                ASSERT_OK(sd_event_run(e, 0));
        ASSERT_EQ(stalled, 0);
        ASSERT_EQ(k.calls, 1);
        /* Nothing of the client is left on the loop: it would otherwise never be idle. */
        n_sources_idle = sd_event_run(e, 0) == 0;
        ASSERT_TRUE(n_sources_idle);

        free(stall);
        free(ok);
        server_stop(&s);
        sd_event_unref(e);
}

/* ---- proxies ---------------------------------------------------------------------------- */

TEST(http_proxy_env_is_used_and_no_proxy_bypasses_it) {
        sd_event *e = NULL;
        Server s, proxy;
        Result r = {};
        char *u, *p;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&s));
        ASSERT_OK(server_start(&proxy));
        ASSERT_TRUE(asprintf(&p, "http://127.0.0.1:%u", proxy.port) > 0);

        /* Through the proxy: the name never resolves here, only the proxy sees it. */
        ASSERT_OK(setenv("http_proxy", p, 1));
        fetch(e, NULL, "http://cwlogd-test.invalid/via-proxy", 0, &r);
        ASSERT_OK(r.error);
        ASSERT_STREQ(r.body, "proxied");
        ASSERT_TRUE(server_saw(&proxy, "GET http://cwlogd-test.invalid/via-proxy HTTP/1.1"));
        result_done(&r);

        /* Loopback goes through the proxy too, unless NO_PROXY says otherwise. */
        u = url(&s, "/ok");
        fetch(e, NULL, u, 0, &r);
        ASSERT_STREQ(r.body, "proxied");
        result_done(&r);
        ASSERT_OK(setenv("NO_PROXY", "127.0.0.1", 1));
        fetch(e, NULL, u, 0, &r);
        ASSERT_OK(r.error);
        ASSERT_STREQ(r.body, "hello");
        ASSERT_EQ(server_get(&s, &s.n_requests), 1);
        result_done(&r);

        clear_proxy_env();
        free(u);
        free(p);
        server_stop(&proxy);
        server_stop(&s);
        sd_event_unref(e);
}

TEST(https_proxy_env_tunnels_with_connect) {
        sd_event *e = NULL;
        Server proxy;
        Result r = {};
        char *p;

        clear_proxy_env();
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(server_start(&proxy));
        ASSERT_TRUE(asprintf(&p, "http://127.0.0.1:%u", proxy.port) > 0);
        ASSERT_OK(setenv("HTTPS_PROXY", p, 1));
        fetch(e, NULL, "https://cwlogd-test.invalid/", 0, &r);
        ASSERT_TRUE(r.error < 0); /* our fake proxy refuses the tunnel */
        ASSERT_TRUE(server_saw(&proxy, "CONNECT cwlogd-test.invalid:443 HTTP/1.1"));
        clear_proxy_env();
        free(p);
        server_stop(&proxy);
        sd_event_unref(e);
}

/* ---- TLS -------------------------------------------------------------------------------- */

static int run_quiet(char *const argv[]) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                (void) dup2(null, STDIN_FILENO);
                (void) dup2(null, STDOUT_FILENO);
                (void) dup2(null, STDERR_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int make_cert(const char *dir, const char *name, const char *san) {
        char key[256], cert[256], ext[128];

        (void) snprintf(key, sizeof key, "%s/%s.key", dir, name);
        (void) snprintf(cert, sizeof cert, "%s/%s.pem", dir, name);
        (void) snprintf(ext, sizeof ext, "subjectAltName=%s", san);
        return run_quiet((char *[]) { (char *) "openssl", (char *) "req", (char *) "-x509", (char *) "-newkey",
                                      (char *) "ec", (char *) "-pkeyopt", (char *) "ec_paramgen_curve:prime256v1",
                                      (char *) "-nodes", (char *) "-keyout", key, (char *) "-out", cert,
                                      (char *) "-days", (char *) "2", (char *) "-subj", (char *) "/CN=cwlogd-test",
                                      (char *) "-addext", ext, NULL });
}

static uint16_t free_port(void) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t l = sizeof a;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        uint16_t port = 0;

        if (fd >= 0 && bind(fd, (struct sockaddr *) &a, sizeof a) == 0 &&
            getsockname(fd, (struct sockaddr *) &a, &l) == 0)
                port = ntohs(a.sin_port);
        (void) safe_close(fd);
        return port;
}

static bool port_open(uint16_t port) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok = fd >= 0 && connect(fd, (struct sockaddr *) &a, sizeof a) == 0;

        (void) safe_close(fd);
        return ok;
}

/* `openssl s_server -www` on 127.0.0.1 with dir/name.{pem,key}; returns its pid. */
static pid_t tls_server_start(const char *dir, const char *name, uint16_t *ret_port) {
        char key[256], cert[256], accept[32];
        uint16_t port = free_port();
        pid_t pid;

        (void) snprintf(key, sizeof key, "%s/%s.key", dir, name);
        (void) snprintf(cert, sizeof cert, "%s/%s.pem", dir, name);
        (void) snprintf(accept, sizeof accept, "127.0.0.1:%u", port);
        pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                (void) dup2(null, STDIN_FILENO);
                (void) dup2(null, STDOUT_FILENO);
                (void) dup2(null, STDERR_FILENO);
                execlp("openssl", "openssl", "s_server", "-accept", accept, "-cert", cert, "-key", key,
                       "-www", (char *) NULL);
                _exit(127);
        }
        /* Wait (bounded) until it listens; a connect without TLS is harmless to -www. */
        for (unsigned i = 0; pid > 0 && i < 1000 && !port_open(port); i++)
                (void) usleep(10 * 1000);
        *ret_port = port;
        return pid;
}

static void tls_server_stop(pid_t pid) {
        if (pid <= 0)
                return;
        (void) kill(pid, SIGTERM);
        (void) waitpid(pid, NULL, 0);
}

static void rm_rf_dir(const char *dir) {
        const char *files[] = { "good.pem", "good.key", "wrong.pem", "wrong.key" };
        char p[256];

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                (void) snprintf(p, sizeof p, "%s/%s", dir, files[i]);
                (void) unlink(p);
        }
        (void) rmdir(dir);
}

TEST(tls_is_verified) {
        char dir[] = "/tmp/test-http-XXXXXX", ca[256], wrong_ca[256], *u = NULL, *wu = NULL;
        sd_event *e = NULL;
        pid_t good = -1, wrong = -1;
        uint16_t good_port = 0, wrong_port = 0;
        Result r = {};

        clear_proxy_env();
        ASSERT_NOT_NULL(mkdtemp(dir));
        (void) snprintf(ca, sizeof ca, "%s/good.pem", dir);
        (void) snprintf(wrong_ca, sizeof wrong_ca, "%s/wrong.pem", dir);
        if (make_cert(dir, "good", "IP:127.0.0.1,DNS:localhost") < 0 ||
            make_cert(dir, "wrong", "DNS:somewhere-else.example") < 0) {
                rm_rf_dir(dir);
                TEST_FAIL_AT("could not create test certificates with openssl(1)");
        }
        good = tls_server_start(dir, "good", &good_port);
        wrong = tls_server_start(dir, "wrong", &wrong_port);
        ASSERT_OK(sd_event_new(&e));
        ASSERT_TRUE(asprintf(&u, "https://127.0.0.1:%u/", good_port) > 0);
        ASSERT_TRUE(asprintf(&wu, "https://127.0.0.1:%u/", wrong_port) > 0);

        /* Unknown CA: refused. */
        fetch(e, NULL, u, 0, &r);
        ASSERT_ERR(r.error, EPROTO);
        /* ca_bundle trusts it. */
        r = (Result) {};
        fetch(e, &(HttpClientOptions) { .ca_bundle = ca }, u, 0, &r);
        ASSERT_OK(r.error);
        ASSERT_EQ(r.status, 200);
        result_done(&r);
        /* So does AWS_CA_BUNDLE. */
        ASSERT_OK(setenv("AWS_CA_BUNDLE", ca, 1));
        fetch(e, NULL, u, 0, &r);
        ASSERT_OK(r.error);
        ASSERT_EQ(r.status, 200);
        result_done(&r);
        (void) unsetenv("AWS_CA_BUNDLE");
        /* Trusted certificate, but for another name: refused. */
        fetch(e, &(HttpClientOptions) { .ca_bundle = wrong_ca }, wu, 0, &r);
        ASSERT_ERR(r.error, EPROTO);

        tls_server_stop(good);
        tls_server_stop(wrong);
        rm_rf_dir(dir);
        free(u);
        free(wu);
        sd_event_unref(e);
}

TEST_MAIN()
