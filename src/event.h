/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Turning a raw source event into something PutLogEvents accepts (SPEC §4): invalid UTF-8
 * becomes U+FFFD, an event over the size limit is cut on a UTF-8 boundary and ends with
 * "[truncated]", empty/whitespace-only messages and events outside the time window
 * (older than 14 days, more than 2 hours ahead) are refused with a reason. Pure.
 */

#include "shared/strbuf.h"

typedef enum EventVerdict {
        EVENT_OK,
        EVENT_TRUNCATED, /* OK, but cut to fit */
        EVENT_EMPTY,
        EVENT_TOO_OLD,
        EVENT_TOO_NEW,
} EventVerdict;

const char *event_verdict_to_string(EventVerdict v);

/* The message as it is to be shipped goes to *ret_text and *ret_len: msg itself when it is valid
 * UTF-8 within the limit (the common case, no copy), else the repaired and possibly cut
 * copy written into scratch (reset first). Both are unspecified unless the verdict is
 * EVENT_OK or EVENT_TRUNCATED. max_event_size counts the 26-byte overhead, as CloudWatch
 * does, and is clamped to [EVENT_SIZE_MIN, CW_MAX_EVENT_BYTES]. now_ms is the current
 * realtime in ms. Returns an EventVerdict (>= 0), or -ENOMEM / -ENOBUFS when scratch cannot
 * hold the message. */
int event_prepare(const char *msg, size_t size, int64_t timestamp_ms, int64_t now_ms, uint64_t max_event_size,
                  StrBuf *scratch, const char **ret_text, size_t *ret_len);
