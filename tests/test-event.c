/* SPDX-License-Identifier: MIT */
/* event_prepare(): repair, truncation at the event limit, empty messages, time window. */

#include "event.h"
#include "cw-limits.h"
#include "test.h"
#include "utf8.h"

#define NOW INT64_C(1700000000000) /* 2023-11-14, ms */

static int prep(const char *msg, size_t n, int64_t ts, uint64_t max, StrBuf *out) {
        return event_prepare(msg, n, ts, NOW, max, out);
}

static bool ends_with_suffix(const StrBuf *b) {
        return b->len >= STRLEN(CW_TRUNCATED_SUFFIX) &&
               memcmp(b->data + b->len - STRLEN(CW_TRUNCATED_SUFFIX), CW_TRUNCATED_SUFFIX,
                      STRLEN(CW_TRUNCATED_SUFFIX)) == 0;
}

TEST(plain_message_is_kept_as_given) {
        StrBuf b = STRBUF_INIT(0);

        ASSERT_EQ(prep("hello world\n", 12, NOW, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_EQ(b.len, 12);
        ASSERT_STREQ(b.data, "hello world\n"); /* the sources strip terminators, not us */
        ASSERT_EQ(prep("  x  ", 5, NOW, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_STREQ(b.data, "  x  ");
        strbuf_done(&b);
}

TEST(invalid_utf8_is_repaired) {
        StrBuf b = STRBUF_INIT(0);

        ASSERT_EQ(prep("caf\xE9 \xC3\xA9", 7, NOW, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_STREQ(b.data, "caf\xEF\xBF\xBD \xC3\xA9");
        strbuf_done(&b);
}

TEST(empty_and_whitespace_only_are_refused) {
        static const char *const blank[] = { "", " ", "\t", "\n", "\r", "\v", "\f", " \t\r\n\v\f  " };
        StrBuf b = STRBUF_INIT(0);

        for (size_t i = 0; i < ELEMENTSOF(blank); i++)
                ASSERT_EQ(prep(blank[i], strlen(blank[i]), NOW, CW_MAX_EVENT_BYTES, &b), EVENT_EMPTY);
        /* not whitespace: NUL, a non-breaking space, an invalid byte */
        ASSERT_EQ(prep(" \0 ", 3, NOW, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_EQ(prep("\xC2\xA0", 2, NOW, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_EQ(prep(" \xFF ", 3, NOW, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_STREQ(b.data, " \xEF\xBF\xBD ");
        strbuf_done(&b);
}

TEST(time_window_edges) {
        StrBuf b = STRBUF_INIT(0);

        ASSERT_EQ(prep("m", 1, NOW - CW_MAX_AGE_MS, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_EQ(prep("m", 1, NOW - CW_MAX_AGE_MS - 1, CW_MAX_EVENT_BYTES, &b), EVENT_TOO_OLD);
        ASSERT_EQ(prep("m", 1, NOW + CW_MAX_FUTURE_MS, CW_MAX_EVENT_BYTES, &b), EVENT_OK);
        ASSERT_EQ(prep("m", 1, NOW + CW_MAX_FUTURE_MS + 1, CW_MAX_EVENT_BYTES, &b), EVENT_TOO_NEW);
        ASSERT_EQ(prep("m", 1, 0, CW_MAX_EVENT_BYTES, &b), EVENT_TOO_OLD);
        ASSERT_EQ(prep("m", 1, INT64_MIN, CW_MAX_EVENT_BYTES, &b), EVENT_TOO_OLD);
        ASSERT_EQ(prep("m", 1, INT64_MAX, CW_MAX_EVENT_BYTES, &b), EVENT_TOO_NEW);
        /* the window is checked before the message: an old blank event is "too old" */
        ASSERT_EQ(prep("", 0, NOW - CW_MAX_AGE_MS - 1, CW_MAX_EVENT_BYTES, &b), EVENT_TOO_OLD);
        strbuf_done(&b);
}

static void check_size(uint64_t max) {
        size_t limit = max - CW_EVENT_OVERHEAD;
        char *m = malloc(limit + 2);
        StrBuf b = STRBUF_INIT(0);

        ASSERT_NOT_NULL(m);
        memset(m, 'a', limit + 1);
        /* exactly at the limit: kept whole */
        ASSERT_EQ(prep(m, limit, NOW, max, &b), EVENT_OK);
        ASSERT_EQ(b.len + CW_EVENT_OVERHEAD, max);
        /* one byte more: cut, suffix appended, still exactly at the limit */
        ASSERT_EQ(prep(m, limit + 1, NOW, max, &b), EVENT_TRUNCATED);
        ASSERT_EQ(b.len + CW_EVENT_OVERHEAD, max);
        ASSERT_TRUE(ends_with_suffix(&b));
        ASSERT_TRUE(memcmp(b.data, m, limit - STRLEN(CW_TRUNCATED_SUFFIX)) == 0);
        free(m);
        strbuf_done(&b);
}

TEST(size_limit_default_and_old) {
        check_size(CW_MAX_EVENT_BYTES);
        check_size(CW_OLD_MAX_EVENT_BYTES);
        check_size(100);
}

TEST(truncation_cuts_on_character_boundary) {
        StrBuf b = STRBUF_INIT(0);
        char m[300];

        /* 150 x U+00E9; limit 74 - 11 = 63 bytes leaves 31 whole characters (62 bytes) */
        for (size_t i = 0; i < 150; i++)
                memcpy(m + 2 * i, "\xC3\xA9", 2);
        ASSERT_EQ(prep(m, sizeof(m), NOW, 100, &b), EVENT_TRUNCATED);
        ASSERT_EQ(b.len, 62 + STRLEN(CW_TRUNCATED_SUFFIX));
        ASSERT_TRUE(utf8_is_valid(b.data, b.len));
        ASSERT_TRUE(ends_with_suffix(&b));
        ASSERT_TRUE(memcmp(b.data, m, 62) == 0);
        strbuf_done(&b);
}

TEST(repair_growth_can_push_over_the_limit) {
        StrBuf b = STRBUF_INIT(0);
        char m[74];

        /* 74 bytes fit a 100-byte event, but 10 invalid bytes grow by 20 */
        memset(m, 'z', sizeof(m));
        memset(m, 0xFF, 10);
        ASSERT_EQ(prep(m, sizeof(m), NOW, 100, &b), EVENT_TRUNCATED);
        ASSERT_TRUE(b.len + CW_EVENT_OVERHEAD <= 100);
        ASSERT_TRUE(utf8_is_valid(b.data, b.len));
        ASSERT_TRUE(ends_with_suffix(&b));
        /* 10 x U+FFFD = 30 bytes, then 'z' up to 63 bytes */
        ASSERT_EQ(b.len, 63 + STRLEN(CW_TRUNCATED_SUFFIX));
        strbuf_done(&b);
}

TEST(huge_input_is_cut_without_repairing_all_of_it) {
        size_t n = 3 * CW_MAX_EVENT_BYTES;
        char *m = malloc(n);
        StrBuf b = STRBUF_INIT(0);

        ASSERT_NOT_NULL(m);
        memset(m, 'q', n);
        m[n - 1] = (char) 0xFF;
        ASSERT_EQ(prep(m, n, NOW, CW_MAX_EVENT_BYTES, &b), EVENT_TRUNCATED);
        ASSERT_EQ(b.len + CW_EVENT_OVERHEAD, CW_MAX_EVENT_BYTES);
        ASSERT_TRUE(ends_with_suffix(&b));
        free(m);
        strbuf_done(&b);
}

TEST(tiny_max_event_size_is_raised_to_minimum) {
        StrBuf b = STRBUF_INIT(0);
        char m[200];

        memset(m, 'k', sizeof(m));
        ASSERT_EQ(prep(m, sizeof(m), NOW, 0, &b), EVENT_TRUNCATED);
        ASSERT_EQ(b.len + CW_EVENT_OVERHEAD, EVENT_SIZE_MIN);
        strbuf_done(&b);
}

TEST(full_buffer_is_an_error_not_a_verdict) {
        StrBuf b = STRBUF_INIT(4);

        ASSERT_ERR(prep("too long for four", 17, NOW, CW_MAX_EVENT_BYTES, &b), ENOBUFS);
        strbuf_done(&b);
}

TEST(verdict_names) {
        ASSERT_STREQ(event_verdict_to_string(EVENT_OK), "ok");
        ASSERT_STREQ(event_verdict_to_string(EVENT_TRUNCATED), "truncated");
        ASSERT_STREQ(event_verdict_to_string(EVENT_EMPTY), "empty");
        ASSERT_STREQ(event_verdict_to_string(EVENT_TOO_OLD), "too-old");
        ASSERT_STREQ(event_verdict_to_string(EVENT_TOO_NEW), "too-new");
        ASSERT_NULL(event_verdict_to_string((EventVerdict) 99));
}

TEST_MAIN()
