/* SPDX-License-Identifier: MIT */
/* PutLogEvents batch packing: every limit at and one past its edge, sorting, span splits. */

#include "batch.h"
#include "test.h"

#define HOUR_MS INT64_C(3600000)

static const BatchLimits cw_limits = {
        .max_count = CW_MAX_BATCH_COUNT,
        .max_bytes = CW_MAX_BATCH_BYTES,
        .max_span_ms = CW_MAX_BATCH_SPAN_MS,
};

/* Records carry their arrival index in the first 4 message bytes (messages are >= 4 bytes). */
static Record *mk(uint32_t idx, int64_t ts, size_t size) {
        static char buf[CW_MAX_EVENT_BYTES];
        Record *r = NULL;

        if (size < sizeof(idx))
                size = sizeof(idx);
        memset(buf, 'x', size);
        memcpy(buf, &idx, sizeof(idx));
        if (record_new(ts, buf, size, NULL, &r) < 0)
                abort();
        return r;
}

static uint32_t idx_of(const Record *r) {
        uint32_t i;

        memcpy(&i, r->message, sizeof(i));
        return i;
}

typedef struct Fixture {
        Record **pending, **out;
        size_t n;
} Fixture;

static void fx_init(Fixture *f, size_t n) {
        f->pending = calloc(n ?: 1, sizeof(Record *));
        f->out = calloc(CW_MAX_BATCH_COUNT, sizeof(Record *));
        f->n = n;
        if (!f->pending || !f->out)
                abort();
}

static void fx_done(Fixture *f) {
        for (size_t i = 0; i < f->n; i++)
                record_free(f->pending[i]);
        free(f->pending);
        free(f->out);
}

static size_t take(Fixture *f, const BatchLimits *l, uint64_t *bytes) {
        return batch_take(f->pending, &f->n, l, f->out, bytes);
}

static void free_out(Fixture *f, size_t k) {
        for (size_t i = 0; i < k; i++)
                f->out[i] = record_free(f->out[i]);
}

TEST(empty_pending_takes_nothing) {
        Fixture f;
        uint64_t bytes = 99;

        fx_init(&f, 0);
        ASSERT_EQ(take(&f, &cw_limits, &bytes), 0);
        ASSERT_EQ(bytes, 0);
        fx_done(&f);
}

static void count_case(size_t total, size_t first, size_t second) {
        Fixture f;
        uint64_t bytes;

        fx_init(&f, total);
        for (size_t i = 0; i < total; i++)
                f.pending[i] = mk(i, 1000 + i, 10);
        ASSERT_EQ(take(&f, &cw_limits, &bytes), first);
        ASSERT_EQ(bytes, first * (10 + CW_EVENT_OVERHEAD));
        ASSERT_EQ(idx_of(f.out[first - 1]), first - 1);
        free_out(&f, first);
        ASSERT_EQ(f.n, second);
        if (second > 0) {
                ASSERT_EQ(idx_of(f.pending[0]), first);
                ASSERT_EQ(take(&f, &cw_limits, &bytes), second);
                free_out(&f, second);
        }
        ASSERT_EQ(f.n, 0);
        fx_done(&f);
}

TEST(count_limit_exactly_and_one_past) {
        count_case(10000, 10000, 0);
        count_case(10001, 10000, 1);
}

static void bytes_case(size_t last_extra, size_t first_batch) {
        /* 16 events of 65510 bytes = 16 * 65536 = 1,048,576 counted bytes */
        Fixture f;
        uint64_t bytes;
        size_t k;

        fx_init(&f, 16);
        for (size_t i = 0; i < 16; i++)
                f.pending[i] = mk(i, 1000, 65536 - CW_EVENT_OVERHEAD + (i == 15 ? last_extra : 0));
        k = take(&f, &cw_limits, &bytes);
        ASSERT_EQ(k, first_batch);
        ASSERT_EQ(bytes, first_batch * 65536);
        free_out(&f, k);
        ASSERT_EQ(f.n, 16 - first_batch);
        fx_done(&f);
}

TEST(byte_limit_exactly_and_one_past) {
        bytes_case(0, 16);
        bytes_case(1, 15);
}

TEST(largest_event_goes_alone) {
        Fixture f;
        uint64_t bytes;

        fx_init(&f, 3);
        f.pending[0] = mk(0, 1000, CW_MAX_EVENT_BYTES - CW_EVENT_OVERHEAD);
        f.pending[1] = mk(1, 1000, 4);
        f.pending[2] = mk(2, 1000, 4);
        ASSERT_EQ(take(&f, &cw_limits, &bytes), 1);
        ASSERT_EQ(bytes, CW_MAX_BATCH_BYTES);
        free_out(&f, 1);
        ASSERT_EQ(take(&f, &cw_limits, &bytes), 2);
        free_out(&f, 2);
        fx_done(&f);
}

TEST(record_over_max_bytes_still_progresses) {
        BatchLimits l = cw_limits;
        Fixture f;
        uint64_t bytes;

        l.max_bytes = 100;
        fx_init(&f, 2);
        f.pending[0] = mk(0, 1000, 500);
        f.pending[1] = mk(1, 1000, 500);
        ASSERT_EQ(take(&f, &l, &bytes), 1);
        ASSERT_EQ(bytes, 526);
        free_out(&f, 1);
        ASSERT_EQ(f.n, 1);
        fx_done(&f);
}

TEST(span_exactly_24h_stays_together) {
        Fixture f;
        uint64_t bytes;

        fx_init(&f, 2);
        f.pending[0] = mk(0, 5000 + CW_MAX_BATCH_SPAN_MS, 4);
        f.pending[1] = mk(1, 5000, 4);
        ASSERT_EQ(take(&f, &cw_limits, &bytes), 2);
        ASSERT_EQ(idx_of(f.out[0]), 1);
        ASSERT_EQ(idx_of(f.out[1]), 0);
        free_out(&f, 2);
        ASSERT_EQ(f.n, 0);
        fx_done(&f);
}

TEST(span_24h_plus_1ms_splits_and_puts_back_in_arrival_order) {
        Fixture f;
        uint64_t bytes;
        size_t k;

        /* arrival: 0 t=10, 1 t=24h+11, 2 t=5, 3 t=30h, 4 t=20, 5 t=24h+5 */
        fx_init(&f, 6);
        f.pending[0] = mk(0, 10, 4);
        f.pending[1] = mk(1, CW_MAX_BATCH_SPAN_MS + 6, 4); /* first + 24h + 1 ms */
        f.pending[2] = mk(2, 5, 4);
        f.pending[3] = mk(3, 30 * HOUR_MS, 4);
        f.pending[4] = mk(4, 20, 4);
        f.pending[5] = mk(5, CW_MAX_BATCH_SPAN_MS + 5, 4); /* exactly 24h after the first */
        k = take(&f, &cw_limits, &bytes);
        ASSERT_EQ(k, 4);
        ASSERT_EQ(bytes, 4 * (4 + CW_EVENT_OVERHEAD));
        ASSERT_EQ(idx_of(f.out[0]), 2);
        ASSERT_EQ(idx_of(f.out[1]), 0);
        ASSERT_EQ(idx_of(f.out[2]), 4);
        ASSERT_EQ(idx_of(f.out[3]), 5);
        free_out(&f, k);
        ASSERT_EQ(f.n, 2);
        ASSERT_EQ(idx_of(f.pending[0]), 1);
        ASSERT_EQ(idx_of(f.pending[1]), 3);

        ASSERT_EQ(take(&f, &cw_limits, &bytes), 2);
        ASSERT_EQ(idx_of(f.out[0]), 1);
        ASSERT_EQ(idx_of(f.out[1]), 3);
        free_out(&f, 2);
        fx_done(&f);
}

TEST(put_back_records_precede_untaken_ones) {
        BatchLimits l = cw_limits;
        Fixture f;
        uint64_t bytes;

        l.max_count = 2;
        fx_init(&f, 4);
        f.pending[0] = mk(0, 100, 4);
        f.pending[1] = mk(1, 100 + 2 * CW_MAX_BATCH_SPAN_MS, 4);
        f.pending[2] = mk(2, 200, 4);
        f.pending[3] = mk(3, 300, 4);
        ASSERT_EQ(take(&f, &l, &bytes), 1);
        ASSERT_EQ(idx_of(f.out[0]), 0);
        free_out(&f, 1);
        ASSERT_EQ(f.n, 3);
        for (size_t i = 0; i < 3; i++)
                ASSERT_EQ(idx_of(f.pending[i]), i + 1);
        fx_done(&f);
}

TEST(out_of_order_input_is_sorted_stably) {
        static const int64_t ts[] = { 50, 10, 50, 30, 10, 40, 10, 50, 20, 30 };
        static const uint32_t want[] = { 1, 4, 6, 8, 3, 9, 5, 0, 2, 7 };
        Fixture f;
        uint64_t bytes;

        fx_init(&f, ELEMENTSOF(ts));
        for (size_t i = 0; i < ELEMENTSOF(ts); i++)
                f.pending[i] = mk(i, ts[i], 4);
        ASSERT_EQ(take(&f, &cw_limits, &bytes), ELEMENTSOF(ts));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ASSERT_EQ(idx_of(f.out[i]), want[i]);
        free_out(&f, ELEMENTSOF(ts));
        fx_done(&f);
}

TEST(descending_input_is_reversed) {
        Fixture f;
        uint64_t bytes;

        fx_init(&f, 1001);
        for (size_t i = 0; i < 1001; i++)
                f.pending[i] = mk(i, 100000 - (int64_t) i, 4);
        ASSERT_EQ(take(&f, &cw_limits, &bytes), 1001);
        for (size_t i = 0; i < 1001; i++)
                ASSERT_EQ(idx_of(f.out[i]), 1000 - i);
        free_out(&f, 1001);
        fx_done(&f);
}

/* Deterministic generator so a failure reproduces. */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {
        rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        return (uint32_t) (rng_state >> 33) % n;
}

static int64_t random_ts(int64_t prev, unsigned shape) {
        switch (shape) {
        case 0: /* in order, sometimes a burst of equal timestamps */
                return prev + rnd(3) * rnd(20000);
        case 1: /* nearly in order, some jitter back */
                return prev + (int64_t) rnd(2000) - 300;
        default: /* anywhere in three days */
                return (int64_t) rnd(3 * 24) * HOUR_MS + rnd(3600000);
        }
}

static size_t random_size(void) {
        return rnd(1000) == 0 ? rnd(CW_MAX_EVENT_BYTES - CW_EVENT_OVERHEAD) : 4 + rnd(300);
}

static void check_batch(Record *const *out, size_t k, uint64_t bytes, const BatchLimits *l, uint8_t *seen) {
        uint64_t sum = 0;

        ASSERT_TRUE(k >= 1 && k <= l->max_count);
        for (size_t i = 0; i < k; i++) {
                sum += record_cost(out[i]);
                ASSERT_EQ(seen[idx_of(out[i])]++, 0);
                if (i == 0)
                        continue;
                ASSERT_TRUE(out[i - 1]->timestamp_ms <= out[i]->timestamp_ms);
                if (out[i - 1]->timestamp_ms == out[i]->timestamp_ms)
                        ASSERT_TRUE(idx_of(out[i - 1]) < idx_of(out[i]));
        }
        ASSERT_EQ(sum, bytes);
        ASSERT_TRUE(sum <= l->max_bytes || k == 1);
        ASSERT_TRUE(out[k - 1]->timestamp_ms - out[0]->timestamp_ms <= l->max_span_ms);
}

static void property_round(unsigned round) {
        size_t total = 1 + rnd(25000);
        unsigned shape = round % 3;
        BatchLimits l = {
                .max_count = 1 + rnd(CW_MAX_BATCH_COUNT),
                .max_bytes = round % 2 ? CW_MAX_BATCH_BYTES : 1000 + rnd(CW_MAX_BATCH_BYTES),
                .max_span_ms = CW_MAX_BATCH_SPAN_MS,
        };
        uint8_t *seen = calloc(total, 1);
        int64_t ts = 1000000;
        Fixture f;
        uint64_t bytes;

        ASSERT_NOT_NULL(seen);
        fx_init(&f, total);
        for (size_t i = 0; i < total; i++) {
                ts = random_ts(ts, shape);
                f.pending[i] = mk(i, ts, random_size());
        }
        while (f.n > 0) {
                size_t before = f.n, k = take(&f, &l, &bytes);

                check_batch(f.out, k, bytes, &l, seen);
                ASSERT_EQ(f.n + k, before);
                /* pending stays in arrival order */
                for (size_t i = 1; i < f.n; i++)
                        ASSERT_TRUE(idx_of(f.pending[i - 1]) < idx_of(f.pending[i]));
                free_out(&f, k);
        }
        for (size_t i = 0; i < total; i++)
                ASSERT_EQ(seen[i], 1);
        free(seen);
        fx_done(&f);
}

TEST(random_inputs_lose_and_duplicate_nothing) {
        rng_state = 20250101;
        for (unsigned round = 0; round < 24; round++)
                property_round(round);
}

TEST(due_by_count_bytes_or_time) {
        BatchLimits l = cw_limits;

        ASSERT_FALSE(batch_due(0, 0, &l, 1000000, 5000));
        ASSERT_FALSE(batch_due(1, 30, &l, 4999, 5000));
        ASSERT_TRUE(batch_due(1, 30, &l, 5000, 5000));
        ASSERT_FALSE(batch_due(9999, 9999 * 30, &l, 0, 5000));
        ASSERT_TRUE(batch_due(10000, 10000 * 30, &l, 0, 5000));
        ASSERT_FALSE(batch_due(2, CW_MAX_BATCH_BYTES - 1, &l, 0, 5000));
        ASSERT_TRUE(batch_due(2, CW_MAX_BATCH_BYTES, &l, 0, 5000));
}

TEST_MAIN()
