/* SPDX-License-Identifier: MIT */
#pragma once

/* Types shared by shipper.c (sections, sinks) and stream.c (delivery of one stream). */

#include "batch.h"
#include "shared/strbuf.h"
#include "shared/strmap.h"
#include "shipper.h"

typedef struct Stream Stream;

typedef struct Batch {
        struct Batch *next;
        Stream *stream;
        Record **records;
        size_t n;
        uint64_t bytes;
        unsigned attempts;
        uint64_t seq; /* order in which the stream cut its batches; halves of a bisected batch share it */
        CwCall *call;
        /* What the body of the request in flight is built from, on the payload worker's thread:
         * copies, since the stream's token changes with every answer. */
        char *put_group, *put_stream, *put_token;
} Batch;

typedef enum StreamState {
        STREAM_READY,
        STREAM_CREATING,
} StreamState;

struct Stream {
        ShipperSection *section;
        char *name;

        Record **pending; /* arrival order */
        size_t n_pending, n_allocated;
        uint64_t pending_bytes;
        uint64_t first_pending_usec; /* monotonic arrival of the oldest pending record */

        Batch *retry_head, *retry_tail; /* batches to (re)send before new ones, in order */
        Batch *flying;                  /* batches whose call is in flight */
        unsigned in_flight;
        uint64_t in_flight_records, in_flight_bytes;
        uint64_t next_batch_seq;

        StreamState state;
        CwCall *create_call;
        unsigned create_step;
        bool created_group;

        unsigned failures;
        uint64_t blocked_until_usec; /* monotonic */
        sd_event_source *timer;
        char *sequence_token;

        uint64_t events_sent, bytes_sent, retries;
        uint64_t last_success_usec;
        uint64_t dropped;
        int64_t first_read_ms, newest_read_ms, newest_acked_ms;
};

struct ShipperSection {
        Shipper *shipper;
        const SectionConfig *config;
        LogSource *source;
        char *static_stream; /* rendered once when the template has no per-event parts */
        bool per_event;
        bool blocked; /* told the source "not writable": wake it when room frees up */
        bool warned_max_streams;
        StrMap *streams;
        uint64_t buffered_records, buffered_bytes; /* pending + in flight */
        SectionStats stats;
};

struct Shipper {
        sd_event *event;
        CwClient *cw;
        ShipperOptions opts;
        HostFacts host;
        ShipperSection **sections;
        size_t n_sections;
        StrBuf scratch; /* event_prepare output, reused */
        bool draining;
        uint64_t buffered_bytes;
        uint64_t undelivered;
        char last_error[160];
        ShipperProgressFn progress;
        void *progress_userdata;
};

int stream_new(ShipperSection *sec, const char *name, Stream **ret);
Stream *stream_free(Stream *st);
int stream_push(Stream *st, Record *r);
/* Sends whatever is due. */
void stream_pump(Stream *st);
bool stream_idle(const Stream *st);
/* Creates the stream (and its group when missing), then pumps again. stream-create.c */
void stream_create(Stream *st);

/* stream-batch.c */
int batch_new(Stream *st, size_t capacity, Batch **ret);
/* Cancels the batch's call (waiting if its body is being built), then settles (accepted or
 * dropped) or abandons its records. Returns NULL. */
Batch *batch_free(Batch *b, bool settle);
void batch_put_args_done(Batch *b);
/* Sends b with PutLogEvents; the body is built from copies of group, stream and token and
 * the batch's records, which must stay unchanged until cb runs or the call is cancelled. */
int batch_call_put(Batch *b, CwClient *cw, const char *group, const char *stream, const char *token,
                   CwCallback cb);
void stream_requeue(Stream *st, Batch *b);
Batch *stream_dequeue_retry(Stream *st);
void stream_flying_remove(Stream *st, Batch *b);
void stream_back_off(Stream *st, const char *what, const char *why);

/* Called by stream.c when records left the section's buffers (accepted or dropped). */
void shipper_section_released(ShipperSection *sec, uint64_t records, uint64_t bytes);
void shipper_note_error(Shipper *s, const char *fmt, ...) _printf_(2, 3);
void shipper_notify_progress(Shipper *s);
