/* SPDX-License-Identifier: MIT */
/*
 * Strict UTF-8 (RFC 3629 / Unicode §3.9 table 3-7): validation, repair and boundary-safe
 * truncation.
 *
 * Repair replaces each *maximal subpart* of an ill-formed sequence with one U+FFFD, which is
 * what Python's bytes.decode('utf-8', 'replace'), ICU and WHATWG encoders do, so a message
 * repaired here looks the same as one the old Python agent would have sent.
 *
 * Deliberately not here: other encodings (the file source converts those), normalisation.
 * Invariant: output of utf8_append_repaired() is always valid UTF-8 and at least as long as
 * its input (every input byte yields at least one output byte).
 */

#include "utf8.h"

#define HIGH_BITS UINT64_C(0x8080808080808080)

/* Bounds of the second byte for each lead byte; later bytes are always 80..BF. */
typedef struct LeadInfo {
        uint8_t length, lo, hi;
} LeadInfo;

static LeadInfo lead_info(uint8_t c) {
        if (c < 0x80)
                return (LeadInfo) { 1, 0, 0 };
        if (c >= 0xC2 && c <= 0xDF)
                return (LeadInfo) { 2, 0x80, 0xBF };
        if (c == 0xE0)
                return (LeadInfo) { 3, 0xA0, 0xBF }; /* no overlongs */
        if (c == 0xED)
                return (LeadInfo) { 3, 0x80, 0x9F }; /* no surrogates */
        if (c >= 0xE1 && c <= 0xEF)
                return (LeadInfo) { 3, 0x80, 0xBF };
        if (c == 0xF0)
                return (LeadInfo) { 4, 0x90, 0xBF }; /* no overlongs */
        if (c >= 0xF1 && c <= 0xF3)
                return (LeadInfo) { 4, 0x80, 0xBF };
        if (c == 0xF4)
                return (LeadInfo) { 4, 0x80, 0x8F }; /* nothing above U+10FFFF */
        return (LeadInfo) { 0, 0, 0 };               /* 80..C1, F5..FF never start one */
}

static inline uint64_t load64(const char *s) {
        uint64_t w;

        memcpy(&w, s, sizeof(w));
        return w;
}

size_t utf8_sequence_length(const char *s, size_t n, size_t *ret_invalid) {
        const uint8_t *u = (const uint8_t *) s;
        LeadInfo li = lead_info(u[0]);
        size_t i;

        if (li.length == 0) {
                if (ret_invalid)
                        *ret_invalid = 1;
                return 0;
        }
        for (i = 1; i < li.length; i++) {
                uint8_t lo = i == 1 ? li.lo : 0x80, hi = i == 1 ? li.hi : 0xBF;

                if (i >= n || u[i] < lo || u[i] > hi) {
                        /* s[0..i) is a valid prefix of some sequence: one U+FFFD covers it. */
                        if (ret_invalid)
                                *ret_invalid = i;
                        return 0;
                }
        }
        return li.length;
}

size_t utf8_valid_prefix(const char *s, size_t n) {
        size_t i = 0, l;

        while (i < n) {
                if ((uint8_t) s[i] < 0x80) {
                        /* Log text is mostly ASCII: skip 16 or 8 bytes per step while we can. */
                        if (n - i >= 16 && !((load64(s + i) | load64(s + i + 8)) & HIGH_BITS))
                                i += 16;
                        else if (n - i >= 8 && !(load64(s + i) & HIGH_BITS))
                                i += 8;
                        else
                                i++;
                        continue;
                }
                l = utf8_sequence_length(s + i, n - i, NULL);
                if (l == 0)
                        return i;
                i += l;
        }
        return n;
}

int utf8_append_repaired(StrBuf *out, const char *s, size_t n) {
        size_t saved = out->len, i = 0;
        int r;

        /* Output is never shorter than input: one reservation covers valid input. */
        r = strbuf_reserve(out, n);
        if (r < 0)
                return r;

        while (i < n) {
                size_t good = utf8_valid_prefix(s + i, n - i), bad = 0;

                r = strbuf_append(out, s + i, good);
                if (r < 0)
                        goto fail;
                i += good;
                if (i >= n)
                        break;

                (void) utf8_sequence_length(s + i, n - i, &bad);
                r = strbuf_append(out, UTF8_REPLACEMENT, STRLEN(UTF8_REPLACEMENT));
                if (r < 0)
                        goto fail;
                i += bad;
        }
        return 0;

fail:
        out->len = saved;
        if (out->data)
                out->data[saved] = 0;
        return r;
}

size_t utf8_truncate_boundary(const char *s, size_t n) {
        const uint8_t *u = (const uint8_t *) s;
        size_t i = n, cont = 0;
        LeadInfo li;

        /* Walk back over at most three continuation bytes to the lead byte of the last
         * sequence; cut before it if the sequence does not fit entirely in s[0..n). */
        while (i > 0 && cont < 3 && (u[i - 1] & 0xC0) == 0x80) {
                i--;
                cont++;
        }
        if (i == 0)
                return n;
        li = lead_info(u[i - 1]);
        if (li.length > 1 && cont + 1 < li.length)
                return i - 1;
        return n;
}
