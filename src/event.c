/* SPDX-License-Identifier: MIT */
/*
 * event_prepare(): the gate every message passes before it becomes a Record (SPEC §4).
 *
 * Order of checks: the time window first (cheap, and a refused event needs no repair), then
 * emptiness on the raw bytes (whitespace is ASCII, and an invalid byte becomes U+FFFD, which
 * is not whitespace, so raw and repaired agree), then repair and, if needed, truncation.
 *
 * Deliberately not here: line terminators are the sources' business (a message is kept
 * exactly as given, trailing "\n" included), and nothing is counted or logged: the caller
 * owns counters and rate-limited warnings.
 *
 * Invariant: on EVENT_OK / EVENT_TRUNCATED, the text handed back is valid UTF-8 with
 * its length + CW_EVENT_OVERHEAD <= max_event_size; it is the caller's own bytes unless
 * they had to change.
 */

#include "event.h"
#include "cw-limits.h"
#include "utf8.h"

static const char *const verdict_table[] = {
        [EVENT_OK] = "ok",
        [EVENT_TRUNCATED] = "truncated",
        [EVENT_EMPTY] = "empty",
        [EVENT_TOO_OLD] = "too-old",
        [EVENT_TOO_NEW] = "too-new",
};

const char *event_verdict_to_string(EventVerdict v) {
        if ((size_t) v >= ELEMENTSOF(verdict_table))
                return NULL;
        return verdict_table[v];
}

/* Empty or only the C locale's isspace() characters (locale-independent on purpose). */
static bool is_blank(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                switch (s[i]) {
                case ' ':
                case '\t':
                case '\n':
                case '\r':
                case '\v':
                case '\f':
                        break;
                default:
                        return false;
                }
        return true;
}

/* ts < now - age and ts > now + future without overflowing for any int64 input. */
static EventVerdict check_window(int64_t ts, int64_t now) {
        if (ts < now && (uint64_t) now - (uint64_t) ts > (uint64_t) CW_MAX_AGE_MS)
                return EVENT_TOO_OLD;
        if (ts > now && (uint64_t) ts - (uint64_t) now > (uint64_t) CW_MAX_FUTURE_MS)
                return EVENT_TOO_NEW;
        return EVENT_OK;
}

int event_prepare(const char *msg, size_t size, int64_t timestamp_ms, int64_t now_ms, uint64_t max_event_size,
                  StrBuf *scratch, const char **ret_text, size_t *ret_len) {
        size_t limit, in_len, cut;
        EventVerdict v;
        int r;

        strbuf_reset(scratch);
        *ret_text = NULL;
        *ret_len = 0;

        v = check_window(timestamp_ms, now_ms);
        if (v != EVENT_OK)
                return v;
        if (is_blank(msg, size))
                return EVENT_EMPTY;

        max_event_size = CLAMP(max_event_size, (uint64_t) EVENT_SIZE_MIN, (uint64_t) CW_MAX_EVENT_BYTES);
        limit = (size_t) max_event_size - CW_EVENT_OVERHEAD; /* message bytes allowed */
        if (size <= limit && utf8_is_valid(msg, size)) {
                *ret_text = msg;
                *ret_len = size;
                return EVENT_OK;
        }

        /* Repair never shrinks, so past the limit only the first limit bytes of output matter.
         * Those come from at most limit input bytes; a sequence cut at the end of the slice
         * (<= 3 bytes, plus one) can only change output beyond that. */
        in_len = size > limit ? MIN(size, limit + 4) : size;
        r = utf8_append_repaired(scratch, msg, in_len);
        if (r < 0)
                return r;
        if (scratch->len > limit) {
                cut = utf8_truncate_boundary(scratch->data, limit - STRLEN(CW_TRUNCATED_SUFFIX));
                scratch->len = cut;
                scratch->data[cut] = 0;
                r = strbuf_puts(scratch, CW_TRUNCATED_SUFFIX);
                if (r < 0)
                        return r;
                v = EVENT_TRUNCATED;
        }
        *ret_text = scratch->data;
        *ret_len = scratch->len;
        return v;
}
