/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * journal_format (SPEC §3): turns the current entry of an sd_journal into the event text.
 *
 *   message  the MESSAGE value, bytes as stored (may be binary; the sink repairs UTF-8)
 *   short    the line `journalctl -o short --all` prints, without the final newline
 *   json     the entry as `journalctl -o json --all` prints it (compact, one object)
 *   json:F…  only the listed fields plus the timestamps (see journal-format-json.c)
 *
 * Every deliberate difference from journalctl 252 is listed at the top of journal-format.c
 * and journal-format-json.c, and asserted by tests/test-journal-format.c.
 *
 * The caller must have called sd_journal_set_data_threshold(j, 0) (values are never cut);
 * these functions restart the entry's data enumeration themselves. Pure apart from reading
 * the journal: no logging, and no state kept between calls except a cache of the last
 * formatted second (per thread). The reference is journalctl 252 (Debian 12); journalctl 254
 * and later also print __SEQNUM and __SEQNUM_ID in JSON, which we do not.
 */

#include <systemd/sd-journal.h>

#include "config.h"
#include "shared/strbuf.h"

/* Resets out and writes the current entry of j in format into it (not NUL-counted, but NUL
 * terminated as every StrBuf). fields is the json:F1,F2 list (NULL-terminated; NULL means
 * every field) and is only used by JOURNAL_FORMAT_JSON.
 * Returns 0; -ENODATA for message and short when the entry has no MESSAGE field (journalctl
 * -o short prints nothing for such entries); -ENOBUFS when out's cap is too small (a JSON
 * rendering may need up to 4 bytes per value byte while it is written); -ENOMEM; or the
 * sd-journal error (-EBADMSG, -EADDRNOTAVAIL, … for corrupt or vanished entries, which
 * journalctl silently skips). On failure out's content is unspecified. */
int journal_format_entry(sd_journal *j, JournalFormat format, char *const *fields, StrBuf *out);

/* The entry's time as journalctl and SPEC §4 pick it: _SOURCE_REALTIME_TIMESTAMP when it is
 * a plain decimal number in (0, 2^55), else the entry's realtime. Uses the first
 * _SOURCE_REALTIME_TIMESTAMP of the entry (an entry with two is malformed). */
int journal_entry_realtime(sd_journal *j, uint64_t *ret);

/* Whether value is "printable" by journalctl's rule (systemd's utf8_is_printable()): valid
 * UTF-8 without noncharacters (U+FDD0..U+FDEF, U+xxFFFE/F), and no control characters except
 * TAB and LF (C0, DEL and C1 are controls). JSON renders printable values as strings and the
 * rest as arrays of byte numbers. */
bool journal_value_is_printable(const char *value, size_t n);
