/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * HTTP over libcurl's multi interface, driven from sd-event: sockets and the curl timer
 * become sd-event sources, nothing ever blocks the loop. Connections are reused
 * (keep-alive); TLS is always verified; proxies follow the usual environment variables.
 *
 * HttpTransport is the seam the shipper and credential providers talk to; http_client is
 * the real one. Tests and --dry-run supply their own.
 */

#include <systemd/sd-event.h>

#include "shared/macro.h"

typedef struct HttpRequest {
        const char *method; /* "GET", "POST", "PUT" */
        const char *url;
        char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
        const void *body;
        size_t body_size;
        uint64_t timeout_usec; /* 0: default */
        bool no_proxy;         /* never through a proxy, whatever the environment says (IMDS) */
} HttpRequest;

typedef struct HttpResponse {
        long status;
        char *body; /* NUL terminated, capped at HTTP_RESPONSE_MAX */
        size_t body_size;
        char **headers; /* "name: value" with lower-cased names, NULL-terminated */
} HttpResponse;

/* Looks up a response header by (case-insensitive) name; NULL if absent. */
const char *http_response_header(const HttpResponse *r, const char *name);

/* error: 0 with resp set, or -errno for a transport failure, resp NULL:
 *   -ETIMEDOUT (request timeout, or stalled), -ECONNREFUSED (connect failed, proxy refused),
 *   -EHOSTUNREACH (name did not resolve), -ECONNRESET (reset, send/recv failed, no answer),
 *   -EPROTO (TLS handshake or certificate verification), -EBADMSG (truncated or garbled HTTP),
 *   -EMSGSIZE (body over HTTP_RESPONSE_MAX or too many headers), -EINVAL (malformed URL).
 * An HTTP error status is not a failure: error is 0 and resp->status says it.
 * Called exactly once unless cancelled, always from the event loop, never from inside
 * http_client_start(). resp and everything it points to live until the callback returns;
 * so does the HttpCall, which the caller must forget afterwards. From the callback it is
 * safe to start requests, cancel other calls, and free the client. */
typedef void (*HttpCallback)(int error, const HttpResponse *resp, void *userdata);

typedef struct HttpCall HttpCall;

typedef struct HttpClientOptions {
        const char *ca_bundle; /* NULL: system store (or AWS_CA_BUNDLE) */
        const char *user_agent;
} HttpClientOptions;

typedef struct HttpClient HttpClient;

int http_client_new(sd_event *event, const HttpClientOptions *opts, HttpClient **ret);
/* Drops every call in flight without calling their callbacks. Safe from a callback. */
HttpClient *http_client_free(HttpClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpClient *, http_client_free);

/* Starts a request; the request's memory may be freed when this returns. Only http:// and
 * https:// URLs (else -EINVAL); GET and HEAD take no body. timeout_usec 0 means
 * HTTP_REQUEST_TIMEOUT_SEC. ret_call may be NULL. */
int http_client_start(HttpClient *c, const HttpRequest *req, HttpCallback cb, void *userdata,
                      HttpCall **ret_call);
/* Cancels a call in flight; its callback is not called. Accepts NULL. On a call whose own
 * callback is running it does nothing. */
void http_call_cancel(HttpCall *call);
/* Calls in flight. */
unsigned http_client_in_flight(const HttpClient *c);
