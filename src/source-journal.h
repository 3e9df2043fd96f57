/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Internals of the journal LogSource, shared by source-journal.c (lifecycle, event-loop
 * hooks, state), journal-position.c (open, seek, seal) and journal-read.c (the bounded
 * reading pass). Nothing
 * outside those two files includes this; everyone else uses journal_source_new() from
 * source.h.
 */

#include <systemd/sd-journal.h>

#include "shared/log.h"
#include "shared/strbuf.h"
#include "regex-util.h"
#include "source.h"

typedef struct JournalSource {
        LogSource base; /* first: the LogSource pointer is the JournalSource pointer */

        sd_journal *journal;
        sd_event_source *io;     /* sd_journal_get_fd() */
        sd_event_source *timer;  /* sd_journal_get_timeout() */
        sd_event_source *reader; /* defer: on while there is more to read and room for it */
        sd_event_source *read_retry;  /* after a pass of nothing but failures */

        char *state_name;     /* NAME of STATE_DIR/NAME.cursor */
        char *checkpoint;     /* cursor of the last entry sealed into the ack tracker */
        char *resume_cursor;  /* set after seeking to a cursor: its entry is checked, once */
        bool unsealed;        /* entries passed since the last seal */
        Regex *exclude;        /* exclude_pattern, matched against the formatted message */
        char **reported_files; /* journal files already named as unreadable */
        bool caught_up;       /* sd_journal_next() returned 0 at least once */
        bool paused;          /* the sink said it is full; waiting for wake() */
        bool per_event;       /* the stream template uses {unit} or {identifier} */
        bool need_unit;       /* per-event names or exclusions need _SYSTEMD_UNIT's value */
        bool need_identifier; /* per-event names or exclusions need SYSLOG_IDENTIFIER */
        char own_pid[16]; /* getpid() in decimal (at most 10 digits), to spot our own entries */
        uint64_t sigbus_seen;
        uint64_t last_realtime; /* of the last entry read, to seek past unreadable ones */
        unsigned failures_here; /* consecutive sd_journal_next() failures at one position */

        StrBuf message, unit, identifier;
        RateLimit read_ratelimit;
} JournalSource;

/* journal-position.c: opens s->journal per the section (filters applied, no data threshold). */
int journal_source_open(JournalSource *s);
/* Logs loudly (and sets last_error) when files are in a format libsystemd cannot read. */
void journal_source_check_unsupported(JournalSource *s);
/* Seeks to cursor (its entry is checked on the first read) or to initial_position. */
int journal_source_position(JournalSource *s, const char *cursor);

/* One bounded reading pass (journal-read.c). Leaves s->reader enabled if there is more. */
void journal_read_pass(JournalSource *s);
/* Closes and re-opens the journal at s->checkpoint (after SIGBUS). */
int journal_source_reopen(JournalSource *s);
/* Seals the open ack chunk with the current entry's cursor. */
int journal_source_seal(JournalSource *s);
/* Turns the reading pass on or off to match the state of s. */
void journal_source_update_reader(JournalSource *s, bool more);
/* Arms the retry timer of reading after failures. */
void journal_source_schedule_read_retry(JournalSource *s);
