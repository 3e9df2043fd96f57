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
/* The event message per c->journal_format into out (reset first; out->cap bounds it).
 * Only "message" is implemented: MESSAGE, -ENOENT when the entry has none. Other formats
 * return -EOPNOTSUPP until they are filled in. */
int journal_entry_format(sd_journal *j, const SectionConfig *c, StrBuf *out);
/* Whether journal_entry_format() implements c's format; sources refuse to start otherwise
 * (rather than skipping every entry). Update together with journal_entry_format(). */
bool journal_entry_format_supported(const SectionConfig *c);
