/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Fixture of the journal source tests: a temporary journal directory filled through
 * systemd-journal-remote, a state directory, a real sd-event loop, and a test sink that
 * collects events and settles their acknowledgements only when a test says so.
 */

#include <systemd/sd-event.h>

#include "journal-writer.h"
#include "shared/time-util.h"
#include "source.h"

#define T0 1700000000000000ULL /* realtime of the first test entry, usec */
#define SEC 1000000ULL

typedef struct Rec {
        char *message;
        size_t size;
        int64_t ts;
        char *unit, *identifier;
        AckChunk *chunk;
} Rec;

typedef struct TestSink {
        Rec *recs;
        size_t n, settled;
        size_t limit; /* not writable once this many were pushed; 0: no limit */
        unsigned dropped;
        size_t this_iteration, max_per_iteration;
} TestSink;

typedef struct Fixture {
        char *root, *jdir, *state, *staging;
        sd_event *event;
        SectionConfig config;
        TestSink sink;
        EventSink es;
        LogSource *source;
        StateWriter *writer;
        JWriter w;
        unsigned files;
} Fixture;

char *path_join(const char *a, const char *b);
/* Acknowledges records up to (not including) index upto. */
void sink_settle(TestSink *t, size_t upto);

void fixture_init(Fixture *f);
/* Frees the source (persisting what it must) and forgets the collected events. */
void fixture_stop(Fixture *f);
void fixture_done(Fixture *f);
/* Writes the buffered entries as the next fNNN.journal, appearing in one rename. */
void fixture_flush(Fixture *f);
void fixture_start(Fixture *f);
void run_idle(Fixture *f);
void run_until_count(Fixture *f, size_t n);
/* The saved cursor (NULL if none) and the journal's last entry's cursor. */
char *state_cursor(Fixture *f);
char *last_cursor(Fixture *f);
/* The saved position is the cursor of the journal's last entry (fails the test otherwise). */
void assert_saved_at_last_entry(Fixture *f);
/* Entries "entry N" at T0 + N seconds. */
void add_numbered(Fixture *f, unsigned from, unsigned to);
void assert_numbered(Fixture *f, size_t at, unsigned from, unsigned to);
/* stderr into a buffer, to see what the operator would see (echoed when stopped). */
void capture_start(void);
char *capture_stop(void);
