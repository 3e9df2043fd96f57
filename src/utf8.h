/* SPDX-License-Identifier: MIT */
#pragma once

/* UTF-8 validation and repair. Pure. */

#include "shared/strbuf.h"

/* Length of the valid UTF-8 prefix of s (strict: no overlongs, surrogates, > U+10FFFF). */
size_t utf8_valid_prefix(const char *s, size_t n);
static inline bool utf8_is_valid(const char *s, size_t n) {
        return utf8_valid_prefix(s, n) == n;
}
/* Appends s to out with every invalid sequence replaced by U+FFFD (EF BF BD), following
 * the "maximal subpart" rule of Unicode §3.9 as Python's errors='replace' does.
 * NUL bytes are kept (they are valid UTF-8). On failure out is left as it was. */
int utf8_append_repaired(StrBuf *out, const char *s, size_t n);
/* Largest n' <= n such that s[0..n') does not end inside a multi-byte sequence. */
size_t utf8_truncate_boundary(const char *s, size_t n);

/* The sequence starting at s (n > 0): returns its length (1..4) if it is well formed, else 0
 * and *ret_invalid (may be NULL) gets the length of its maximal subpart (1..3), i.e. how
 * many bytes one U+FFFD replaces before decoding resumes. */
size_t utf8_sequence_length(const char *s, size_t n, size_t *ret_invalid);

#define UTF8_REPLACEMENT "\xEF\xBF\xBD"
