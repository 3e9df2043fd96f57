/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * PutLogEvents batch packing (SPEC §5), pure. From a stream's pending records (arrival
 * order) pick the next request: at most max_count events and max_bytes bytes (message
 * bytes + 26 each), stably sorted by timestamp, spanning at most 24 hours. Records that
 * do not go into this batch stay pending in their original order.
 */

#include "record.h"

typedef struct BatchLimits {
        size_t max_count;    /* <= CW_MAX_BATCH_COUNT */
        uint64_t max_bytes;  /* <= CW_MAX_BATCH_BYTES */
        int64_t max_span_ms; /* CW_MAX_BATCH_SPAN_MS */
} BatchLimits;

/* pending: n records in arrival order. Moves the chosen records, sorted, into out (which
 * has room for max_count) and compacts pending. Returns the number chosen (0 only if n is
 * 0; at least one record is taken even if it alone exceeds max_bytes). *ret_bytes gets the
 * batch's counted bytes. Records left out because of the 24-hour span return to the front
 * of pending in arrival order. pending[*n .. old n) is used as scratch and holds stale
 * pointers afterwards. */
size_t batch_take(Record **pending, size_t *n, const BatchLimits *limits, Record **out, uint64_t *ret_bytes);

/* Whether a batch should be sent now: full by count or bytes, or its oldest record has
 * waited buffer_duration. */
bool batch_due(size_t n_pending, uint64_t pending_bytes, const BatchLimits *limits, uint64_t waited_ms,
               uint64_t buffer_duration_ms);
