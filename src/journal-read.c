/* SPDX-License-Identifier: MIT */
/*
 * The journal source's reading pass: moves through the journal entry by entry, turns each
 * into a SourceEvent for the sink, and seals acknowledgement chunks with cursors.
 *
 * Invariants:
 *  - One pass reads at most JOURNAL_ENTRIES_PER_ITERATION entries and about
 *    JOURNAL_BYTES_PER_ITERATION bytes, and stops as soon as the sink is full.
 *  - Every entry passed over (shipped, own, excluded, without MESSAGE, unreadable) moves the
 *    checkpoint: each pass ends by sealing the cursor of the last entry it stood on.
 *  - Read failures never stall the reader and never send it back to the head: the journal
 *    is re-processed, and a position that keeps failing is left behind by time.
 */

#include "journal-cursor.h"
#include "journal-entry.h"
#include "cw-limits.h"
#include "shared/time-util.h"
#include "sigbus.h"
#include "source-journal.h"

#define OWN_UNIT "cwlogd.service"

typedef enum EntryVerdict {
        ENTRY_PUSHED,
        ENTRY_SKIPPED,
        ENTRY_PUSH_FAILED, /* the sink could not take it: read it again later */
} EntryVerdict;

static bool strv_contains_buf(char **l, const StrBuf *b) {
        STRV_FOREACH(i, l)
                if (b->data && streq(*i, b->data))
                        return true;
        return false;
}

/* Whether the entry was written by this very process or by the cwlogd unit. */
static bool entry_is_own(JournalSource *s, const JournalEntryScan *e) {
        return e->unit_is_own || e->pid_is_own;
}

/* Whether the entry is to be skipped: our own, or excluded by unit or identifier. */
static bool entry_skipped(JournalSource *s, const JournalEntryScan *e) {
        const SectionConfig *c = s->base.config;

        if (entry_is_own(s, e))
                return true;
        if ((e->have_unit && strv_contains_buf(c->journal_exclude_unit, &s->unit)) ||
            (e->have_identifier && strv_contains_buf(c->journal_exclude_identifier, &s->identifier))) {
                if (s->base.sink.dropped)
                        s->base.sink.dropped(s->base.sink.userdata, "excluded");
                return true;
        }
        return false;
}

/* Turns the current entry into an event and pushes it. realtime: the entry's realtime, or
 * < 0 when it could not be read. */
static int entry_handle(JournalSource *s, int64_t realtime, size_t *bytes, EntryVerdict *ret) {
        const SectionConfig *c = s->base.config;
        bool plain = c->journal_format == JOURNAL_FORMAT_MESSAGE;
        JournalEntryScan e = {
                .message = plain ? &s->message : NULL,
                .unit = s->need_unit ? &s->unit : NULL,
                .identifier = s->need_identifier ? &s->identifier : NULL,
                .own_pid = s->own_pid,
                .own_unit = OWN_UNIT,
        };
        SourceEvent ev = {};
        uint64_t usec;
        int r;

        *ret = ENTRY_SKIPPED;
        r = journal_entry_scan(s->journal, &e);
        if (r < 0)
                return r;
        if (entry_skipped(s, &e))
                return 0;

        if (plain) {
                if (!e.have_message)
                        return 0; /* no MESSAGE: nothing to ship */
        } else {
                r = journal_entry_format(s->journal, c, &s->message);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return r;
        }
        if (e.have_source_realtime)
                usec = e.source_realtime;
        else if (realtime < 0)
                return (int) realtime;
        else
                usec = (uint64_t) realtime;
        if (s->exclude && regex_search(s->exclude, s->message.data, s->message.len)) {
                if (s->base.sink.dropped)
                        s->base.sink.dropped(s->base.sink.userdata, "excluded");
                return 0;
        }
        ev.timestamp_ms = (int64_t) (usec / USEC_PER_MSEC);
        ev.message = s->message.data;
        ev.size = s->message.len;
        if (s->per_event) {
                ev.unit = e.have_unit ? s->unit.data : NULL;
                ev.identifier = e.have_identifier ? s->identifier.data : NULL;
        }
        r = s->base.sink.push(s->base.sink.userdata, &ev, s->base.acks);
        if (r < 0) {
                *ret = ENTRY_PUSH_FAILED;
                return r;
        }
        *bytes += ev.size;
        *ret = ENTRY_PUSHED;
        return 0;
}

/* sd_journal_next() failed: files vanish, get truncated or are corrupt. */
static void next_failed(JournalSource *s, int error) {
        const char *name = s->base.config->name;
        char t[25];

        if (error == -EPROTONOSUPPORT) {
                s->base.last_error = error;
                if (ratelimit_below(&s->read_ratelimit))
                        log_error_errno(error, "[%s] The journal uses a format newer than this libsystemd "
                                        "can read, entries are NOT shipped: %m", name);
        } else if (ratelimit_below(&s->read_ratelimit))
                log_warning_errno(error, "[%s] Failed to read the next journal entry, continuing: %m", name);

        (void) sd_journal_process(s->journal);
        if (++s->failures_here < JOURNAL_READ_FAILURES_BEFORE_SKIP || s->last_realtime == 0)
                return;

        /* The same spot keeps failing: leave it behind, by time, never back to the head. */
        format_iso8601_ms(s->last_realtime, t);
        log_warning("[%s] Journal keeps failing after the entry of %s, skipping past it; entries in the "
                    "unreadable part may be missing.", name, t);
        s->resume_cursor = mfree(s->resume_cursor);
        (void) sd_journal_seek_realtime_usec(s->journal, s->last_realtime + 1);
        s->failures_here = 0;
}

/* After seeking to a saved cursor: skip its entry, or report that it is gone. */
static bool resume_check(JournalSource *s) {
        _cleanup_free_ char *cursor = TAKE_PTR(s->resume_cursor);
        JournalCursor c;
        uint64_t now_at = 0;
        char from[25] = "?", to[25] = "?";

        if (sd_journal_test_cursor(s->journal, cursor) > 0)
                return true; /* already shipped */

        if (journal_cursor_parse(cursor, &c) >= 0)
                format_iso8601_ms(c.realtime, from);
        if (sd_journal_get_realtime_usec(s->journal, &now_at) >= 0)
                format_iso8601_ms(now_at, to);
        log_notice("[%s] The journal entry of the saved position is gone (vacuumed or rotated away); "
                   "continuing after it. Entries between %s and %s may be missing.",
                   s->base.config->name, from, to);
        return false;
}

/* Reads one entry: 1 read (shipped or skipped), 0 end of the journal, -EAGAIN the sink
 * failed (come back later), other < 0 a read failure that was dealt with. */
static int read_one(JournalSource *s, size_t *bytes) {
        EntryVerdict v;
        uint64_t usec;
        int64_t realtime;
        int r;

        r = sd_journal_next(s->journal);
        if (r < 0) {
                next_failed(s, r);
                return r;
        }
        if (r == 0)
                return 0;
        s->failures_here = 0;
        /* Read once: it is also the event's time when the entry has no source time. */
        r = sd_journal_get_realtime_usec(s->journal, &usec);
        if (r >= 0)
                s->last_realtime = usec;
        realtime = r < 0 ? r : (int64_t) usec;
        s->unsealed = true;
        if (s->resume_cursor && resume_check(s))
                return 1;

        r = entry_handle(s, realtime, bytes, &v);
        if (r >= 0)
                return 1;
        if (v == ENTRY_PUSH_FAILED) {
                log_error_errno(r, "[%s] Failed to queue a journal entry, retrying: %m",
                                s->base.config->name);
                s->base.last_error = r;
                /* Stand on the previous entry again so this one is read next time. */
                if (sd_journal_previous(s->journal) <= 0)
                        s->unsealed = false;
                return -EAGAIN;
        }
        if (ratelimit_below(&s->read_ratelimit))
                log_warning_errno(r, "[%s] Skipping unreadable journal entry: %m", s->base.config->name);
        return 1;
}

void journal_read_pass(JournalSource *s) {
        unsigned n = 0, failures = 0;
        size_t bytes = 0;
        bool more = true, retry = false;
        int r;

        while (n < JOURNAL_ENTRIES_PER_ITERATION && bytes < JOURNAL_BYTES_PER_ITERATION) {
                if (!s->base.sink.writable(s->base.sink.userdata)) {
                        s->paused = true;
                        break;
                }
                r = read_one(s, &bytes);
                n++;
                if (r == 0) {
                        s->caught_up = true;
                        more = false;
                        break;
                }
                if (r == -EAGAIN) {
                        retry = true;
                        break;
                }
                if (r < 0 && ++failures > JOURNAL_READ_FAILURES_BEFORE_SKIP) {
                        /* Even skipping did not help: give the journal a moment. */
                        retry = true;
                        break;
                }
                if (r > 0)
                        failures = 0;
                if (ack_tracker_open_records(s->base.acks) >= ACK_CHUNK_MAX_RECORDS)
                        (void) journal_source_seal(s);
        }
        /* Also after entries that produced no record, so the checkpoint follows the reader. */
        (void) journal_source_seal(s);

        if (sigbus_count() != s->sigbus_seen) {
                if (journal_source_reopen(s) < 0)
                        return;
                more = true;
        }
        if (retry)
                journal_source_schedule_read_retry(s);
        else
                journal_source_update_reader(s, more);
}
