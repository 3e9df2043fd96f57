/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A minimal HTTP/1.x server on the sd-event loop for Prometheus scrapes ([general]
 * metrics_listen): GET or HEAD /metrics answers 200 with whatever the render callback
 * produces, any other path 404, other methods 405; every answer closes the connection.
 * Non-blocking throughout: requests are capped (METRICS_REQUEST_MAX), each connection has a
 * deadline, at most METRICS_MAX_CONNECTIONS are open (more wait in the listen backlog).
 * No keep-alive, no TLS, no authentication: bind it to a loopback or private address.
 */

#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "shared/strbuf.h"

typedef struct MetricsServer MetricsServer;

/* Appends the response body to out (whose cap is METRICS_BODY_MAX). */
typedef int (*MetricsRenderFn)(StrBuf *out, void *userdata);

typedef struct MetricsServerOptions {
        uint64_t timeout_usec; /* per connection; 0: METRICS_TIMEOUT_SEC */
} MetricsServerOptions;

/* "HOST:PORT" with a numeric IPv4 host or "localhost" (127.0.0.1, not resolved), or
 * "[IPV6]:PORT"; port 0..65535. -EINVAL otherwise. */
int metrics_listen_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);

/* Binds and listens on listen ("HOST:PORT"; port 0 picks a free one). Errors: -EINVAL for a
 * bad address, or the -errno of socket()/bind()/listen(). opts may be NULL. */
int metrics_server_new(sd_event *event, const char *listen, const MetricsServerOptions *opts,
                       MetricsRenderFn render, void *userdata, MetricsServer **ret);
/* Closes the listener and every connection. Accepts NULL, returns NULL. */
MetricsServer *metrics_server_free(MetricsServer *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(MetricsServer *, metrics_server_free);

/* The bound port (useful after port 0). */
uint16_t metrics_server_port(const MetricsServer *m);
/* Connections open now. */
unsigned metrics_server_connections(const MetricsServer *m);
