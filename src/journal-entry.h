/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading the current entry of an sd_journal: single fields, the event timestamp, and the
 * event message in the section's journal_format. No logging, no iteration: the caller has
 * already moved the journal onto an entry. Field data returned as pointers is valid only
 * until the next sd_journal call on the same journal.
 */

#include <systemd/sd-journal.h>

#include "config.h"
#include "shared/strbuf.h"

/* The value of field in the current entry (without "FIELD="). -ENOENT when absent. */
int journal_entry_field(sd_journal *j, const char *field, const void **ret, size_t *ret_size);
/* The value as a string in out (reset first; cut at out's cap). -ENOENT when absent. */
int journal_entry_field_string(sd_journal *j, const char *field, StrBuf *out);
/* _SOURCE_REALTIME_TIMESTAMP when present and sane, else the entry's realtime, in ms. */
int journal_entry_timestamp_ms(sd_journal *j, int64_t *ret);
/* The event message per c->journal_format into out (reset first; out->cap bounds it):
 * "message" is MESSAGE, "short"/"json" as journal-format.h; -ENOENT when there is nothing
 * to show. */
int journal_entry_format(sd_journal *j, const SectionConfig *c, StrBuf *out);
/* Whether journal_entry_format() implements c's format; sources refuse to start otherwise
 * (rather than skipping every entry). Update together with journal_entry_format(). */
bool journal_entry_format_supported(const SectionConfig *c);

/* What the reader needs of an entry, gathered in one pass over its fields (each
 * sd_journal_get_data() walks the whole entry, so looking up five fields one by one costs
 * five passes). The caller owns the buffers; values are copied, capped at each buffer's cap.
 * Repeated fields: the first value counts. */
typedef struct JournalEntryScan {
        StrBuf *message;    /* MESSAGE, when non-NULL */
        StrBuf *unit;       /* _SYSTEMD_UNIT, when non-NULL */
        StrBuf *identifier; /* SYSLOG_IDENTIFIER, when non-NULL */
        const char *own_pid; /* this process's PID in decimal, when non-NULL */
        const char *own_unit; /* this service's unit name, when non-NULL */
        bool have_message, have_unit, have_identifier;
        bool pid_is_own;  /* _PID equals own_pid (compared as text: no parsing per entry) */
        bool unit_is_own; /* _SYSTEMD_UNIT equals own_unit (compared in place, never copied) */
        bool have_source_realtime;
        uint64_t source_realtime; /* µs, valid when have_source_realtime */
} JournalEntryScan;

int journal_entry_scan(sd_journal *j, JournalEntryScan *scan);
