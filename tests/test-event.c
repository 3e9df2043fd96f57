/* SPDX-License-Identifier: MIT */
/* event_prepare(): repair, truncation at the event limit, empty messages, time window. */

#include "event.h"
#include "cw-limits.h"
#include "test.h"
#include "utf8.h"

#define NOW INT64_C(1700000000000) /* 2023-11-14, ms */

/* The text to ship, copied into out whether event_prepare() handed back msg itself or its
 * own repaired copy. */
static int prep(const char *msg, size_t n, int64_t ts, uint64_t max, StrBuf *out) {
        StrBuf scratch = STRBUF_INIT(0);
        const char *text;
        size_t len;
        int r;

        r = event_prepare(msg, n, ts, NOW, max, &scratch, &text, &len);
        strbuf_reset(out);
        if (r == EVENT_OK || r == EVENT_TRUNCATED)
                ASSERT_OK(strbuf_append(out, text, len));
        strbuf_done(&scratch);
        return r;
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

TEST(valid_message_is_handed_back_without_a_copy) {
        static const char msg[] = "caf\xC3\xA9 ok";
        StrBuf scratch = STRBUF_INIT(0);
        const char *text;
        size_t len;

        ASSERT_EQ(event_prepare(msg, sizeof(msg) - 1, NOW, NOW, CW_MAX_EVENT_BYTES, &scratch, &text, &len), EVENT_OK);
        ASSERT_TRUE(text == msg);
        ASSERT_EQ(len, sizeof(msg) - 1);
        ASSERT_EQ(scratch.len, 0);
        /* one bad byte: the repaired copy lives in scratch */
        ASSERT_EQ(event_prepare("caf\xE9", 4, NOW, NOW, CW_MAX_EVENT_BYTES, &scratch, &text, &len), EVENT_OK);
        ASSERT_TRUE(text == scratch.data);
        ASSERT_EQ(len, 6);
        ASSERT_STREQ(text, "caf\xEF\xBF\xBD");
        /* exactly at the limit: still the caller's bytes; one more: cut in scratch */
        char big[EVENT_SIZE_MIN];
        memset(big, 'x', sizeof(big));
        ASSERT_EQ(event_prepare(big, EVENT_SIZE_MIN - CW_EVENT_OVERHEAD, NOW, NOW, EVENT_SIZE_MIN, &scratch,
                                &text, &len), EVENT_OK);
        ASSERT_TRUE(text == big);
        ASSERT_EQ(event_prepare(big, EVENT_SIZE_MIN - CW_EVENT_OVERHEAD + 1, NOW, NOW, EVENT_SIZE_MIN, &scratch,
                                &text, &len), EVENT_TRUNCATED);
        ASSERT_TRUE(text == scratch.data);
        ASSERT_EQ(len, EVENT_SIZE_MIN - CW_EVENT_OVERHEAD);
        strbuf_done(&scratch);
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
        StrBuf scratch = STRBUF_INIT(4);
        const char *text;
        size_t len;

        /* Only a message that has to change is copied; this one does not fit the copy. */
        ASSERT_ERR(event_prepare("too long \xFF four", 17, NOW, NOW, CW_MAX_EVENT_BYTES, &scratch, &text, &len),
                   ENOBUFS);
        ASSERT_EQ(event_prepare("too long for four", 17, NOW, NOW, CW_MAX_EVENT_BYTES, &scratch, &text, &len),
                  EVENT_OK);
        strbuf_done(&scratch);
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
