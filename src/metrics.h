/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The shipper's counters as text: Prometheus exposition format 0.0.4 (served by
 * metrics-server.c) and the JSON document of the status file (read by `cwlogd --status`).
 * Pure: no I/O, no clock reads, no logging above debug. The formats are documented at the
 * top of metrics.c and are an interface: change them only compatibly.
 */

#include <sys/types.h>

#include "shared/strbuf.h"
#include "shipper.h"

/* Bumped when a field of the status document changes meaning or goes away. */
#define METRICS_STATUS_VERSION 1

/* Who is reporting: the process around the shipper, for the status document. */
typedef struct MetricsProcess {
        pid_t pid;
        uint64_t start_usec;  /* realtime */
        uint64_t now_usec;    /* realtime: when the document was made */
        uint64_t exit_usec;   /* realtime; 0 while running */
        bool running;
        const char *state;    /* "shipping", "dry-run", "stopping", "stopped" */
        unsigned failed_sections;
} MetricsProcess;

/* Event-time distance between the newest event read and the newest acknowledged one, in
 * ms; before the first acknowledgement, from the first event read. 0 when nothing waits
 * (backlog 0), so events dropped after reading do not leave a lag behind. */
int64_t metrics_lag_ms(uint64_t backlog, int64_t first_read_ms, int64_t newest_read_ms, int64_t newest_acked_ms);

/* Appends label-value escaping of the text format 0.0.4 (\\ \" \n) of s to out. */
int metrics_escape_label(StrBuf *out, const char *s);

/* Appends the whole exposition to out. -ENOMEM, or -ENOBUFS past out's cap. */
int metrics_format_prometheus(const Shipper *s, StrBuf *out);
/* Appends the status document (one JSON object, newline-terminated) to out. */
int metrics_format_status_json(const Shipper *s, const MetricsProcess *p, StrBuf *out);
