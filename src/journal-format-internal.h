/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared between journal-format.c (message, short) and journal-format-json.c. Not an API. */

#include "journal-format.h"

/* Length of the printable character at s (s[0] >= 0x80), or 0 when it is not: invalid UTF-8,
 * a C1 control (U+0080..U+009F) or a noncharacter, as systemd's utf8_is_printable() rules. */
size_t journal_printable_char_length(const char *s, size_t n);

/* Writes v in decimal into buf (>= 21 bytes, not NUL terminated); returns the length. */
size_t journal_format_u64(uint64_t v, char *buf);

int journal_format_json(sd_journal *j, char *const *fields, StrBuf *out);
