/* SPDX-License-Identifier: MIT */
/* UTF-8 validation, repair (compared with Python's decode('utf-8', 'replace')) and cutting. */

#include "test.h"
#include "utf8.h"

typedef struct RepairCase {
        const char *in;
        size_t in_len;
        const char *out;
        size_t out_len;
} RepairCase;

/* Expected outputs computed with /usr/bin/python3: bytes(in).decode('utf-8', 'replace')
 * .encode('utf-8'), then pasted here, so the C code is checked against the reference. */
static const RepairCase repair_cases[] = {
        { "", 0, "", 0 },
        { "plain ascii", 11, "plain ascii", 11 },
        { "\x80", 1, "\xEF\xBF\xBD", 3 },
        { "\xBF\x80", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6 },
        { "\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6 },
        { "\xC1\xBF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6 },
        { "\xC2", 1, "\xEF\xBF\xBD", 3 },
        { "\xC2" "A", 2, "\xEF\xBF\xBD" "A", 4 },
        { "\xE0\x80\xAF", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 9 },
        { "\xE0\xA0", 2, "\xEF\xBF\xBD", 3 },
        { "\xE0\xA0" "A", 3, "\xEF\xBF\xBD" "A", 4 },
        { "\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 9 },
        { "\xED\x9F\xBF", 3, "\xED\x9F\xBF", 3 },
        { "\xEF\xBF\xBF", 3, "\xEF\xBF\xBF", 3 },
        { "\xF0\x80\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 12 },
        { "\xF0\x90\x80", 3, "\xEF\xBF\xBD", 3 },
        { "\xF0\x90\x80" "A", 4, "\xEF\xBF\xBD" "A", 4 },
        { "\xF4\x8F\xBF\xBF", 4, "\xF4\x8F\xBF\xBF", 4 },
        { "\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 12 },
        { "\xF5\x80\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 12 },
        { "\xFF\xFE", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6 },
        { "a\x00" "b", 3, "a\x00" "b", 3 },
        { "\xE2\x82\xAC\xE2\x82", 5, "\xE2\x82\xAC\xEF\xBF\xBD", 6 },
        { "\xF1\x80\x80\xE1\x80\xC2" "a\x80", 8, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "a\xEF\xBF\xBD", 13 },
        { "a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d", 13, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD" "d", 22 },
        { "\xF8\x88\x80\x80\x80", 5, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 15 },
        { "\xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80", 17, "\xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80", 17 },
        { "0123456789abcdefghij\xFF" "0123456789abcde\xE2\x82", 38, "0123456789abcdefghij\xEF\xBF\xBD" "0123456789abcde\xEF\xBF\xBD", 41 },
        { "01234567\xC3\xA9" "01234567\xED\xBF\xBF" "01234567", 29, "01234567\xC3\xA9" "01234567\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "01234567", 35 },
};

TEST(repair_matches_python) {
        for (size_t i = 0; i < ELEMENTSOF(repair_cases); i++) {
                const RepairCase *c = &repair_cases[i];
                StrBuf b = STRBUF_INIT(0);

                ASSERT_OK(utf8_append_repaired(&b, c->in, c->in_len));
                if (b.len != c->out_len || memcmp(b.data, c->out, b.len) != 0)
                        TEST_FAIL_AT("case %zu: repaired output differs from Python's", i);
                ASSERT_TRUE(utf8_is_valid(b.data, b.len));
                /* valid input is untouched, and only valid input */
                ASSERT_EQ(utf8_is_valid(c->in, c->in_len),
                          c->in_len == c->out_len && memcmp(c->in, c->out, c->in_len) == 0);
                strbuf_done(&b);
        }
}

TEST(valid_prefix_stops_at_first_bad_byte) {
        ASSERT_EQ(utf8_valid_prefix("abc", 3), 3);
        ASSERT_EQ(utf8_valid_prefix("abc\xC3\xA9", 5), 5);
        ASSERT_EQ(utf8_valid_prefix("abc\xC3", 4), 3);                  /* truncated */
        ASSERT_EQ(utf8_valid_prefix("0123456789abcdef\xC0\xAF", 18), 16); /* overlong '/' */
        ASSERT_EQ(utf8_valid_prefix("01234567\xED\xA0\x80", 11), 8);     /* surrogate */
        ASSERT_EQ(utf8_valid_prefix("\xF4\x90\x80\x80", 4), 0);          /* > U+10FFFF */
        ASSERT_EQ(utf8_valid_prefix("ab\0cd", 5), 5);                    /* NUL is valid */
}

TEST(valid_prefix_finds_bad_byte_at_every_offset_of_long_ascii) {
        char buf[64];

        /* The 16- and 8-byte fast paths must not skip a bad byte wherever it sits, whatever
         * the length leaves for the byte-by-byte tail. */
        for (size_t len = 1; len <= sizeof(buf); len++)
                for (size_t pos = 0; pos < len; pos++) {
                        memset(buf, 'x', sizeof(buf));
                        buf[pos] = (char) 0xFF;
                        ASSERT_EQ(utf8_valid_prefix(buf, len), pos);
                }
        memset(buf, 'x', sizeof(buf));
        ASSERT_EQ(utf8_valid_prefix(buf, sizeof(buf)), sizeof(buf));
}

TEST(sequence_length_reports_maximal_subpart) {
        size_t bad = 99;

        ASSERT_EQ(utf8_sequence_length("A", 1, &bad), 1);
        ASSERT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 4, &bad), 4);
        ASSERT_EQ(utf8_sequence_length("\xF0\x9F\x98", 3, &bad), 0);
        ASSERT_EQ(bad, 3);
        ASSERT_EQ(utf8_sequence_length("\xE0\x80\x80", 3, &bad), 0);
        ASSERT_EQ(bad, 1);
        ASSERT_EQ(utf8_sequence_length("\x80", 1, &bad), 0);
        ASSERT_EQ(bad, 1);
}

TEST(repair_appends_and_keeps_existing_content) {
        StrBuf b = STRBUF_INIT(0);

        ASSERT_OK(strbuf_puts(&b, "pre:"));
        ASSERT_OK(utf8_append_repaired(&b, "x\xFFy", 3));
        ASSERT_STREQ(b.data, "pre:x\xEF\xBF\xBDy");
        strbuf_done(&b);
}

TEST(repair_over_cap_leaves_buffer_unchanged) {
        StrBuf b = STRBUF_INIT(8);

        ASSERT_OK(strbuf_puts(&b, "ab"));
        /* 4 input bytes fit the reservation, but two U+FFFD need 6 + 2 more */
        ASSERT_ERR(utf8_append_repaired(&b, "\xFF" "cd\xFF", 4), ENOBUFS);
        ASSERT_EQ(b.len, 2);
        ASSERT_STREQ(b.data, "ab");
        strbuf_done(&b);
}

TEST(truncate_boundary_never_splits_a_character) {
        const char *s = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80"; /* a é 日 😀: 1+2+3+4 */

        ASSERT_EQ(utf8_truncate_boundary(s, 0), 0);
        ASSERT_EQ(utf8_truncate_boundary(s, 1), 1);
        ASSERT_EQ(utf8_truncate_boundary(s, 2), 1);
        ASSERT_EQ(utf8_truncate_boundary(s, 3), 3);
        ASSERT_EQ(utf8_truncate_boundary(s, 4), 3);
        ASSERT_EQ(utf8_truncate_boundary(s, 5), 3);
        ASSERT_EQ(utf8_truncate_boundary(s, 6), 6);
        ASSERT_EQ(utf8_truncate_boundary(s, 7), 6);
        ASSERT_EQ(utf8_truncate_boundary(s, 8), 6);
        ASSERT_EQ(utf8_truncate_boundary(s, 9), 6);
        ASSERT_EQ(utf8_truncate_boundary(s, 10), 10);
        for (size_t n = 0; n <= 10; n++)
                ASSERT_TRUE(utf8_is_valid(s, utf8_truncate_boundary(s, n)));
}

TEST_MAIN()
