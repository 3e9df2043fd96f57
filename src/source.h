/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The LogSource seam: a journal or file section that produces events into a sink and gets
 * its checkpoints back through an AckTracker once CloudWatch accepted them.
 *
 * A source reads only while sink->writable() says so; when it said no, the sink calls
 * log_source_wake() once it has room again. Reads are bounded per event-loop iteration.
 */

#include <systemd/sd-event.h>

#include "ack.h"
#include "config.h"
#include "shared/log.h"
#include "state-writer.h"

typedef struct SourceEvent {
        int64_t timestamp_ms;
        const char *message; /* raw bytes as read (the sink repairs UTF-8 and length) */
        size_t size;
        const char *unit;       /* for {unit}; may be NULL */
        const char *identifier; /* for {identifier}; may be NULL */
} SourceEvent;

typedef struct EventSink {
        /* Takes a copy of the event. On success the event joins *chunk's pending count
         * unless it was dropped (then nothing is pending for it). */
        int (*push)(void *userdata, const SourceEvent *ev, AckTracker *acks);
        /* Whether the section's queues have room. */
        bool (*writable)(void *userdata);
        /* Counts an entry the source dropped itself (exclusions), by reason. */
        void (*dropped)(void *userdata, const char *reason);
        void *userdata;
        /* Optional: the checkpoint writes are done (written, or failed and logged), see
         * log_source_saving(). */
        void (*saved)(void *userdata);
} EventSink;

typedef struct LogSource LogSource;

typedef struct LogSourceOps {
        const char *kind;
        /* Opens, positions (saved state or initial_position), and hooks onto the loop.
         * Failing here is reported by the caller; other sections keep running. */
        int (*start)(LogSource *s);
        /* The sink has room again: read on. */
        void (*wake)(LogSource *s);
        /* Persist a checkpoint token (cursor, file position); called in order. */
        int (*commit)(LogSource *s, void *token);
        void (*free_token)(void *token);
        /* Everything that existed when the source started has been read (for --once). */
        bool (*caught_up)(LogSource *s);
        /* A short human description of where the source is ("cursor s=…", "/var/log/x @123"). */
        void (*describe)(LogSource *s, char *buf, size_t size);
        void (*destroy)(LogSource *s);
} LogSourceOps;

struct LogSource {
        const LogSourceOps *ops;
        const SectionConfig *config; /* owned by the Config the daemon keeps alive */
        sd_event *event;
        EventSink sink;
        AckTracker *acks;
        char *state_dir;
        StateWriter *writer; /* NULL for --dry-run: checkpoints are never written */
        int last_error; /* for STATUS */

        /* The checkpoint's state file (log_source_open_state()), written off the loop. */
        StateSlot *state;
        sd_event_source *state_retry; /* a checkpoint that could not be written */
        sd_event_source *state_stall; /* a write that has not come back (STATE_STALL_SEC) */
        uint64_t state_stall_usec;    /* STATE_STALL_SEC; tests shorten it */
        bool state_stalled;           /* that write no longer holds shipping back */
        int state_error;              /* of the last write, 0 once one succeeded again */
        RateLimit state_ratelimit;
};

/* Fills the common part; the concrete source embeds LogSource first. */
int log_source_init(LogSource *s, const LogSourceOps *ops, const SectionConfig *config, sd_event *event,
                    const EventSink *sink, const char *state_dir, StateWriter *writer);
/* Finishes the state writes (the last position is written before this returns), then frees
 * the common part. */
void log_source_done(LogSource *s);
/* Sets up writing checkpoints to path (no-op for --dry-run). Call once, from the constructor. */
int log_source_open_state(LogSource *s, const char *path);
/* Hands the text of the newest checkpoint to the state writer (taken over). A failed write
 * is logged and retried at the next checkpoint or after STATE_RETRY_SEC. */
void log_source_save_state(LogSource *s, char *text);
/* Whether an accepted position is still being written. The shipper starts no new batch for
 * the section meanwhile, so that what a crash can re-send stays what was in flight (SPEC §7):
 * the batches on the wire plus those accepted but not yet on disk never exceed the window.
 * The sink's saved() says when it is over. A write that fails, or that has not come back
 * after STATE_STALL_SEC, stops counting (logged): shipping must not hang on a disk. */
bool log_source_saving(const LogSource *s);
/* Destroys through ops; accepts NULL; returns NULL. */
LogSource *log_source_free(LogSource *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(LogSource *, log_source_free);

static inline void log_source_wake(LogSource *s) {
        if (s->ops->wake)
                s->ops->wake(s);
}

/* Constructors of the concrete sources. */
int journal_source_new(const SectionConfig *config, sd_event *event, const EventSink *sink,
                       const char *state_dir, StateWriter *writer, LogSource **ret);
int file_source_new(const SectionConfig *config, sd_event *event, const EventSink *sink,
                    const char *state_dir, StateWriter *writer, LogSource **ret);
