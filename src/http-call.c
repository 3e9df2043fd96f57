/* SPDX-License-Identifier: MIT */
/*
 * One HTTP request: the curl easy handle with every option we insist on (TLS verified,
 * timeouts, stall detection, no signals, http/https only, no redirects), a private copy of
 * the request, and the response as it arrives (headers with lower-cased names, body under
 * HTTP_RESPONSE_MAX). Also the mapping from CURLcode to -errno.
 *
 * Deliberately not here: the event loop (http.c). Proxy settings are left to libcurl, which
 * reads http_proxy/HTTPS_PROXY/NO_PROXY from the environment; setting CURLOPT_PROXY or
 * CURLOPT_NOPROXY here would silently disable that. Only a request that asks for no proxy at
 * all (the link-local metadata service) gets CURLOPT_PROXY "".
 *
 * Logging: curl's error text at debug level only; request and response headers, bodies and
 * URLs are never logged, they carry Authorization, session tokens and web identity tokens.
 * Every copy we make of them is wiped when the call is freed.
 */

#include <ctype.h>
#include <strings.h>

#include "http-internal.h"
#include "cw-limits.h"
#include "shared/log.h"

#define EASY_SET(e, opt, val)                                         \
        do {                                                          \
                if (curl_easy_setopt((e), (opt), (val)) != CURLE_OK)  \
                        return -EIO;                                  \
        } while (0)

static void headers_clear(HttpCall *call) {
        for (size_t i = 0; i < call->n_headers; i++)
                erase_and_free(call->headers[i]);
        call->headers = mfree(call->headers);
        call->n_headers = 0;
}

/* Request and response may carry secrets (session tokens in headers, web identity tokens in
 * STS bodies, keys in credential answers): everything we copied is wiped before it is freed. */
HttpCall *http_call_free(HttpCall *call) {
        if (!call)
                return NULL;
        if (call->easy)
                curl_easy_cleanup(call->easy);
        for (struct curl_slist *l = call->req_headers; l; l = l->next)
                explicit_bzero(l->data, strlen(l->data));
        curl_slist_free_all(call->req_headers);
        if (call->req_body)
                explicit_bzero(call->req_body, call->req_body_size);
        free(call->req_body);
        if (call->body.data)
                explicit_bzero(call->body.data, call->body.allocated);
        strbuf_done(&call->body);
        headers_clear(call);
        return mfree(call);
}

/* Makes room for n more body bytes. Unlike realloc(), which may leave a copy of the old
 * buffer (a secret) in freed memory, the old buffer is wiped after moving. */
static int body_reserve(StrBuf *b, size_t n) {
        size_t need, size;
        char *p;

        if (n > b->cap || b->len > b->cap - n)
                return -EMSGSIZE;
        need = b->len + n + 1;
        if (need <= b->allocated)
                return 0;
        size = MIN(MAX(need, MAX(b->allocated * 2, (size_t) 1024)), b->cap + 1);
        p = malloc(size);
        if (!p)
                return -ENOMEM;
        if (b->data) {
                memcpy(p, b->data, b->len + 1);
                explicit_bzero(b->data, b->allocated);
                free(b->data);
        } else
                p[0] = 0;
        b->data = p;
        b->allocated = size;
        return 0;
}

static int header_add(HttpCall *call, const char *line, size_t n) {
        const char *colon = memchr(line, ':', n), *v, *end = line + n;
        char **a, *h;
        size_t name_len;

        if (!colon || colon == line)
                return 0; /* not a header (obsolete folding, garbage): ignore */
        if (call->n_headers >= HTTP_RESPONSE_HEADERS_MAX)
                return -EMSGSIZE;

        name_len = (size_t) (colon - line);
        for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
                ;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;

        if (asprintf(&h, "%.*s: %.*s", (int) name_len, line, (int) (end - v), v) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < name_len; i++)
                h[i] = (char) tolower((unsigned char) h[i]);

        a = realloc(call->headers, (call->n_headers + 2) * sizeof(char *));
        if (!a) {
                free(h);
                return -ENOMEM;
        }
        a[call->n_headers++] = h;
        a[call->n_headers] = NULL;
        call->headers = a;
        return 0;
}

/* CURLOPT_HEADERFUNCTION: called once per header line, status lines included. */
static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata) {
        HttpCall *call = userdata;
        size_t n = size * nitems, len = n;
        int r;

        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;

        /* A new status line starts a new response (after "100 Continue"): drop the old. */
        if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
                headers_clear(call);
                return n;
        }
        if (len == 0)
                return n;

        r = header_add(call, buf, len);
        if (r < 0) {
                call->error = r;
                return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
        }
        return n;
}

/* CURLOPT_WRITEFUNCTION: body bytes, capped. */
static size_t on_body(char *buf, size_t size, size_t nitems, void *userdata) {
        HttpCall *call = userdata;
        size_t n = size * nitems;
        int r;

        r = body_reserve(&call->body, n);
        if (r < 0) {
                call->error = r;
                return 0;
        }
        r = strbuf_append(&call->body, buf, n); /* fits: never reallocates */
        if (r < 0) {
                call->error = r;
                return 0;
        }
        return n;
}

/* What every request gets, whatever the caller asks. */
static int easy_setup_common(HttpCall *call, const HttpClientConfig *cfg, uint64_t timeout_usec) {
        CURL *e = call->easy;
        long timeout_ms;

        timeout_ms = (long) ((timeout_usec ?: HTTP_REQUEST_TIMEOUT_SEC * USEC_PER_SEC) / USEC_PER_MSEC);
        timeout_ms = MAX(timeout_ms, 1L);

        EASY_SET(e, CURLOPT_PRIVATE, call);
        EASY_SET(e, CURLOPT_ERRORBUFFER, call->errbuf);
        EASY_SET(e, CURLOPT_NOSIGNAL, 1L);
        EASY_SET(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        EASY_SET(e, CURLOPT_CONNECTTIMEOUT_MS, MIN(timeout_ms, (long) HTTP_CONNECT_TIMEOUT_SEC * 1000L));
        EASY_SET(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        EASY_SET(e, CURLOPT_LOW_SPEED_TIME, (long) HTTP_LOW_SPEED_TIME_SEC);
        EASY_SET(e, CURLOPT_TCP_KEEPALIVE, 1L);
        EASY_SET(e, CURLOPT_SSL_VERIFYPEER, 1L);
        EASY_SET(e, CURLOPT_SSL_VERIFYHOST, 2L);
        if (cfg->ca_bundle)
                EASY_SET(e, CURLOPT_CAINFO, cfg->ca_bundle);
#if LIBCURL_VERSION_NUM >= 0x075500
        EASY_SET(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        EASY_SET(e, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        EASY_SET(e, CURLOPT_FOLLOWLOCATION, 0L);
        EASY_SET(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
        EASY_SET(e, CURLOPT_USERAGENT, cfg->user_agent);
        EASY_SET(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) HTTP_RESPONSE_MAX);
        EASY_SET(e, CURLOPT_HEADERFUNCTION, on_header);
        EASY_SET(e, CURLOPT_HEADERDATA, call);
        EASY_SET(e, CURLOPT_WRITEFUNCTION, on_body);
        EASY_SET(e, CURLOPT_WRITEDATA, call);
        return 0;
}

static int easy_setup_request(HttpCall *call, const HttpRequest *req) {
        CURL *e = call->easy;
        struct curl_slist *l;

        EASY_SET(e, CURLOPT_URL, req->url);
        if (req->no_proxy)
                EASY_SET(e, CURLOPT_PROXY, ""); /* "" disables proxies, environment included */

        for (char *const *h = req->headers; h && *h; h++) {
                l = curl_slist_append(call->req_headers, *h);
                if (!l)
                        return -ENOMEM;
                call->req_headers = l;
        }
        /* No "Expect: 100-continue" round trip before bodies over 1 MiB. */
        l = curl_slist_append(call->req_headers, "Expect:");
        if (!l)
                return -ENOMEM;
        call->req_headers = l;
        EASY_SET(e, CURLOPT_HTTPHEADER, call->req_headers);

        if (streq(req->method, "GET") || streq(req->method, "HEAD")) {
                if (req->body_size > 0)
                        return -EINVAL;
                EASY_SET(e, CURLOPT_HTTPGET, 1L);
                if (streq(req->method, "HEAD"))
                        EASY_SET(e, CURLOPT_NOBODY, 1L);
                return 0;
        }

        /* Our own copy: the caller may free the request as soon as we return. */
        call->req_body = malloc(MAX(req->body_size, (size_t) 1));
        if (!call->req_body)
                return -ENOMEM;
        call->req_body_size = req->body_size;
        if (req->body_size > 0)
                memcpy(call->req_body, req->body, req->body_size);
        EASY_SET(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_size);
        EASY_SET(e, CURLOPT_POSTFIELDS, call->req_body);
        if (!streq(req->method, "POST"))
                EASY_SET(e, CURLOPT_CUSTOMREQUEST, req->method);
        return 0;
}

int http_call_new(const HttpClientConfig *cfg, const HttpRequest *req, HttpCallback cb,
                  void *userdata, HttpCall **ret) {
        _cleanup_(http_call_freep) HttpCall *call = NULL;
        int r;

        if (isempty(req->method) || isempty(req->url) || (req->body_size > 0 && !req->body))
                return -EINVAL;
        /* Checked here, so that CURLE_UNSUPPORTED_PROTOCOL later can only mean a garbage
         * answer (curl reports HTTP/0.9-looking replies that way). */
        if (strncasecmp(req->url, "http://", 7) != 0 && strncasecmp(req->url, "https://", 8) != 0)
                return -EINVAL;

        call = calloc(1, sizeof *call);
        if (!call)
                return -ENOMEM;
        call->callback = cb;
        call->userdata = userdata;
        strbuf_init(&call->body, HTTP_RESPONSE_MAX);

        call->easy = curl_easy_init();
        if (!call->easy)
                return -ENOMEM;

        r = easy_setup_common(call, cfg, req->timeout_usec);
        if (r < 0)
                return r;
        r = easy_setup_request(call, req);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(call);
        return 0;
}

/* A refused certificate is a configuration problem the operator must see (the retries only
 * say "Protocol error"): one warning naming the host and curl's reason, rate-limited. */
static void log_tls_failure(HttpCall *call, CURLcode result) {
        static RateLimit limit = RATELIMIT_INIT(60 * USEC_PER_SEC, 3);
        const char *url = NULL, *host, *at;

        (void) curl_easy_getinfo(call->easy, CURLINFO_EFFECTIVE_URL, &url);
        host = url && strstr(url, "://") ? strstr(url, "://") + 3 : "?";
        at = memchr(host, '@', strcspn(host, "/?#"));
        if (at)
                host = at + 1; /* never the user:password part */
        if (!ratelimit_below(&limit))
                return;
        log_warning_errno(EPROTO, "TLS with '%.*s' failed: %s (a private CA needs [general] ca_bundle or "
                          "AWS_CA_BUNDLE).", (int) strcspn(host, "/?#"), host,
                          call->errbuf[0] ? call->errbuf : curl_easy_strerror(result));
}

void http_call_complete(HttpCall *call, CURLcode result) {
        static char *const no_headers[] = { NULL };
        HttpResponse resp = {};
        int r;

        if (result != CURLE_OK) {
                r = call->error ?: http_curl_code_to_errno(result);
                if (r == -EPROTO)
                        log_tls_failure(call, result);
                else
                        log_debug_errno(r, "HTTP request failed: %s",
                                        call->errbuf[0] ? call->errbuf : curl_easy_strerror(result));
                call->callback(r, NULL, call->userdata);
                return;
        }

        (void) curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &resp.status);
        resp.body = call->body.data ?: (char *) "";
        resp.body_size = call->body.len;
        resp.headers = call->headers ?: (char **) no_headers;
        call->callback(0, &resp, call->userdata);
}

const char *http_response_header(const HttpResponse *r, const char *name) {
        size_t n;

        if (!r || !r->headers || !name)
                return NULL;
        n = strlen(name);
        STRV_FOREACH(h, r->headers)
                if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
                        return *h + n + 1 + ((*h)[n + 1] == ' ');
        return NULL;
}

int http_curl_code_to_errno(CURLcode code) {
        switch (code) {
        case CURLE_OK:
                return 0;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT:
#if LIBCURL_VERSION_NUM >= 0x074900
        case CURLE_PROXY:
#endif
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return -ECONNRESET;
        case CURLE_PARTIAL_FILE:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_UNSUPPORTED_PROTOCOL: /* http_call_new() vetted the scheme: HTTP/0.9 reply */
        case CURLE_BAD_CONTENT_ENCODING:
                return -EBADMSG;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_USE_SSL_FAILED:
                return -EPROTO;
        case CURLE_FILESIZE_EXCEEDED:
                return -EMSGSIZE;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_URL_MALFORMAT:
                return -EINVAL;
        case CURLE_ABORTED_BY_CALLBACK:
                return -ECANCELED;
        default:
                return -EIO;
        }
}
