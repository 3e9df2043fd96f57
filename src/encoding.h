/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The awslogs `encoding` key: streaming conversion of a file's bytes (named by a Python codec
 * name such as "utf_8", "latin-1", "shift_jis", "utf_16") to UTF-8, never failing on junk:
 * like Python's errors='replace', every undecodable byte (UTF-16/32: code unit; UTF-8: maximal
 * invalid subpart) becomes U+FFFD. An incomplete character at the end of the input is left
 * for the next call, so a file may be fed in any pieces and gives the same text.
 *
 * UTF-8 (and utf_8_sig) go through a built-in validator; everything else through glibc iconv.
 * Lines: a file is split into lines on its *encoded* newline (encoding_newline()), aligned
 * to the code unit, so that each line's byte offsets in the file are known; a '\n' byte can
 * be half of a UTF-16 character, an aligned "\n\0" cannot.
 */

#include "shared/strbuf.h"

typedef struct Encoding Encoding;

/* Python codec names and their common aliases, case-insensitive, '-' and ' ' as '_'.
 * -EOPNOTSUPP for a codec this system cannot decode. */
int encoding_new(const char *python_name, Encoding **ret);
Encoding *encoding_free(Encoding *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Encoding *, encoding_free);

/* The canonical Python name ("utf_8", "shift_jis"). */
const char *encoding_name(const Encoding *e);
bool encoding_is_supported(const char *python_name);

/* The file's first bytes, for byte-order marks (utf_16, utf_32, utf_8_sig). Returns how many
 * bytes the BOM takes (to skip), or -EAGAIN when n is too short to tell yet. Decides the byte
 * order of utf_16/utf_32 (no BOM: little endian, as Python on x86 and arm64). Call it with
 * the file head before converting, also when resuming mid-file. Other codecs return 0. */
int encoding_start(Encoding *e, const char *head, size_t n);

/* The encoded '\n' (1, 2 or 4 bytes); lines start at multiples of its size from the text's
 * start. Meaningful after encoding_start() for utf_16/utf_32. */
size_t encoding_newline(const Encoding *e, const char **ret_bytes);

/* Appends the UTF-8 text of in[0..n) to out, stopping before an incomplete trailing character;
 * *ret_consumed says how far it got. final: the input ends here, an incomplete tail becomes
 * one U+FFFD. Fails only when out's cap is hit (-ENOBUFS) or on allocation failure. */
int encoding_convert(Encoding *e, const char *in, size_t n, bool final, StrBuf *out, size_t *ret_consumed);

/* Forget shift state (ISO-2022, UTF-7), e.g. after seeking. */
void encoding_reset(Encoding *e);
