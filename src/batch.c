/* SPDX-License-Identifier: MIT */
/*
 * PutLogEvents batch packing (SPEC §5). Pure: arrays of Record pointers in, the same
 * pointers out; no allocation, no I/O.
 *
 * batch_take() works in three steps:
 *  1. take records from the front of pending, in arrival order, while the count and the
 *     counted bytes (message + 26 each) stay within the limits. At least one record is always
 *     taken so an oversized record (max_bytes set below the event size) cannot wedge a stream.
 *  2. if the taken records span more than max_span_ms, keep only those whose timestamp is
 *     within max_span_ms of the earliest one (span == max_span_ms is allowed: "cannot span
 *     more than 24 hours"). The others go back to the FRONT of pending in their arrival
 *     order, so the next batch starts with them and nothing is reordered beyond what
 *     sorting inside one batch requires.
 *  3. stable sort by timestamp (equal timestamps keep arrival order). Journal and file
 *     input is almost always in order: an in-order batch costs one O(n) scan; otherwise a
 *     natural merge sort merges the existing ascending runs, using the slots that the taken
 *     records freed at the end of the pending array as scratch space.
 *
 * Deliberately not here: deciding when to send (batch_due) beyond the plain arithmetic, and
 * the time window of single events (event.c).
 */

#include "batch.h"

/* b - a > span, for any int64 a <= b, without overflow. */
static bool beyond_span(int64_t first, int64_t ts, int64_t span) {
        return ts > first && (uint64_t) ts - (uint64_t) first > (uint64_t) span;
}

static size_t take_front(Record *const *pending, size_t n, const BatchLimits *limits) {
        uint64_t bytes = 0;
        size_t k = 0, max_count = MAX(limits->max_count, (size_t) 1);

        while (k < n && k < max_count) {
                uint64_t c = record_cost(pending[k]);

                if (k > 0 && bytes + c > limits->max_bytes)
                        break;
                bytes += c;
                k++;
        }
        return k;
}

static void merge(Record **dst, Record *const *a, size_t na, Record *const *b, size_t nb) {
        size_t i = 0, j = 0, k = 0;

        /* Take from b only when strictly earlier: that is what makes the sort stable. */
        while (i < na && j < nb)
                dst[k++] = b[j]->timestamp_ms < a[i]->timestamp_ms ? b[j++] : a[i++];
        while (i < na)
                dst[k++] = a[i++];
        while (j < nb)
                dst[k++] = b[j++];
}

static size_t run_end(Record *const *v, size_t start, size_t n) {
        size_t i = start + 1;

        while (i < n && v[i - 1]->timestamp_ms <= v[i]->timestamp_ms)
                i++;
        return i;
}

static void sort_stable(Record **v, size_t n, Record **scratch) {
        Record **src = v, **dst = scratch;
        size_t runs;

        if (n < 2 || run_end(v, 0, n) == n)
                return; /* the common case: already in order */

        do {
                size_t i = 0;
                Record **t;

                runs = 0;
                while (i < n) {
                        size_t m = run_end(src, i, n), e = m < n ? run_end(src, m, n) : n;

                        merge(dst + i, src + i, m - i, src + m, e - m);
                        i = e;
                        runs++;
                }
                t = src;
                src = dst;
                dst = t;
        } while (runs > 1);

        if (src != v)
                memcpy(v, src, n * sizeof(Record *));
}

size_t batch_take(Record **pending, size_t *n, const BatchLimits *limits, Record **out, uint64_t *ret_bytes) {
        size_t k, kept = 0, back = 0, rest;
        int64_t first;
        uint64_t bytes = 0;

        if (*n == 0) {
                *ret_bytes = 0;
                return 0;
        }

        k = take_front(pending, *n, limits);
        first = pending[0]->timestamp_ms;
        for (size_t i = 1; i < k; i++)
                first = MIN(first, pending[i]->timestamp_ms);

        /* Stable partition: the earliest-window records to out, the others compacted to the
         * front of pending (writing slot `back` <= i, which was already read). */
        for (size_t i = 0; i < k; i++) {
                Record *r = pending[i];

                if (beyond_span(first, r->timestamp_ms, limits->max_span_ms))
                        pending[back++] = r;
                else {
                        out[kept++] = r;
                        bytes += record_cost(r);
                }
        }

        rest = *n - k;
        memmove(pending + back, pending + k, rest * sizeof(Record *));
        *n = back + rest;

        /* pending[*n .. *n + kept) is free now: exactly the scratch the sort needs. */
        sort_stable(out, kept, pending + *n);

        *ret_bytes = bytes;
        return kept;
}

bool batch_due(size_t n_pending, uint64_t pending_bytes, const BatchLimits *limits, uint64_t waited_ms,
               uint64_t buffer_duration_ms) {
        if (n_pending == 0)
                return false;
        return n_pending >= limits->max_count || pending_bytes >= limits->max_bytes ||
               waited_ms >= buffer_duration_ms;
}
