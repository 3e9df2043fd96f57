/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The shipper: per-section sinks for the sources, per-stream queues and batches, flush
 * timers, retries with backoff, and the acknowledgements that let sources advance their
 * checkpoints. Memory is bounded: a section whose queues are full stops being writable and
 * its source pauses; the journal or the file is the buffer (SPEC §7).
 */

#include <systemd/sd-event.h>

#include "config.h"
#include "cw-client.h"
#include "source.h"
#include "stream-name.h"

typedef struct Shipper Shipper;
typedef struct ShipperSection ShipperSection;

typedef enum DropReason {
        DROP_EMPTY,
        DROP_TOO_OLD,
        DROP_TOO_NEW,
        DROP_EXCLUDED,
        DROP_REJECTED,  /* the service refused it (rejectedLogEventsInfo, bisected bad event) */
        DROP_UNDELIVERED, /* --once gave up */
        _DROP_MAX,
} DropReason;

const char *drop_reason_to_string(DropReason r);

typedef struct SectionStats {
        uint64_t events_read;     /* pushed by the source (before drops) */
        uint64_t events_sent;     /* accepted by CloudWatch */
        uint64_t bytes_sent;      /* message bytes accepted */
        uint64_t truncated;
        uint64_t dropped[_DROP_MAX];
        uint64_t retries;
        uint64_t requests;
        uint64_t last_success_usec; /* realtime */
        int64_t newest_read_ms;     /* event time of the newest event read */
        int64_t newest_acked_ms;    /* event time of the newest event accepted */
        int64_t first_read_ms;      /* event time of the first event read: the lag's base before any ack */
} SectionStats;

typedef struct ShipperOptions {
        unsigned queue_size;
        uint64_t max_event_size;
        const HostFacts *host;
        bool once; /* --once: give up on a batch after a few attempts instead of forever */
} ShipperOptions;

/* Called when a batch settled or everything became idle, for --once and drain. */
typedef void (*ShipperProgressFn)(void *userdata);

int shipper_new(sd_event *event, CwClient *cw, const ShipperOptions *opts, Shipper **ret);
Shipper *shipper_free(Shipper *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Shipper *, shipper_free);
void shipper_set_progress(Shipper *s, ShipperProgressFn fn, void *userdata);
/* Swaps the CloudWatch client (reload of [general]); calls in flight finish on the old one
 * only if the caller keeps it alive until shipper_idle(). */
void shipper_set_client(Shipper *s, CwClient *cw);

int shipper_add_section(Shipper *s, const SectionConfig *c, ShipperSection **ret);
/* Drops the section's queues (their records are not acknowledged) and cancels its calls. */
void shipper_remove_section(Shipper *s, ShipperSection *sec);
void shipper_section_set_source(ShipperSection *sec, LogSource *source);
void shipper_section_set_config(ShipperSection *sec, const SectionConfig *c);
EventSink shipper_section_sink(ShipperSection *sec);
const SectionStats *shipper_section_stats(const ShipperSection *sec);
const char *shipper_section_name(const ShipperSection *sec);

/* Send everything pending now and from now on, without waiting for buffer_duration. */
void shipper_set_draining(Shipper *s, bool draining);
/* Nothing pending and nothing in flight. */
bool shipper_idle(const Shipper *s);
/* Batches abandoned under --once. */
uint64_t shipper_undelivered(const Shipper *s);

typedef struct ShipperTotals {
        unsigned n_sections, n_streams;
        uint64_t events_sent, bytes_sent, backlog, dropped, retries;
        char last_error[160];
} ShipperTotals;
void shipper_totals(const Shipper *s, ShipperTotals *ret);

/* Iterates streams for metrics: returns false at the end. Streams come in hash order. */
typedef struct StreamInfo {
        const char *section, *group, *stream;
        uint64_t events_sent, bytes_sent, retries, pending;
        uint64_t last_success_usec;
        uint64_t dropped; /* rejected by the service or abandoned under --once */
        int64_t first_read_ms, newest_read_ms, newest_acked_ms; /* event times, as in SectionStats */
} StreamInfo;
bool shipper_iterate_streams(const Shipper *s, size_t *section_index, size_t *stream_index, StreamInfo *ret);

/* Iterates sections for metrics, in configuration order: returns false at the end. */
typedef struct SectionInfo {
        const char *section, *group;
        const SectionStats *stats;
        uint64_t backlog; /* records pending or in flight */
        unsigned n_streams;
} SectionInfo;
bool shipper_iterate_sections(const Shipper *s, size_t *section_index, SectionInfo *ret);
