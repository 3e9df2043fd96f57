/* SPDX-License-Identifier: MIT */
/* Line splitting with offsets, per encoding. */

#include "file-lines.h"
#include "cw-limits.h"
#include "test.h"

static Encoding *enc;
static LineReader *reader;

static void setup(const char *codec) {
        reader = line_reader_free(reader);
        enc = encoding_free(enc);
        ASSERT_OK(encoding_new(codec, &enc));
        ASSERT_OK(line_reader_new(enc, &reader));
}

TEST(lines_with_offsets_and_crlf) {
        Line l;

        setup("utf_8");
        ASSERT_OK(line_reader_push(reader, "one\r\n\ntwo\nthr", 14));
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_STREQ(l.text, "one");
        ASSERT_EQ(l.start, 0);
        ASSERT_EQ(l.end, 5);
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_STREQ(l.text, "");
        ASSERT_EQ(l.size, 0);
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_STREQ(l.text, "two");
        ASSERT_EQ(l.end, 10);
        /* a partial line waits */
        ASSERT_EQ(line_reader_next(reader, false, &l), 0);
        ASSERT_EQ(line_reader_offset(reader), 10);
        ASSERT_EQ(line_reader_read_offset(reader), 14);
        /* until forced */
        ASSERT_EQ(line_reader_next(reader, true, &l), 1);
        ASSERT_STREQ(l.text, "thr");
        ASSERT_TRUE(l.partial);
        ASSERT_EQ(l.end, 14);
        ASSERT_EQ(line_reader_next(reader, true, &l), 0);
}

TEST(utf16_splits_on_aligned_units) {
        /* U+0A41 is "\x41\x0a" in UTF-16LE: its 0x0A byte is not a newline */
        static const char in[] = "a\0\x41\x0a\n\0b\0\n\0";
        Line l;

        setup("utf_16");
        ASSERT_EQ(encoding_start(enc, in, sizeof in - 1), 0);
        line_reader_reset(reader, 0);
        ASSERT_OK(line_reader_push(reader, in, sizeof in - 1));
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_STREQ(l.text, "a\xe0\xa9\x81");
        ASSERT_EQ(l.end, 6);
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_STREQ(l.text, "b");
        ASSERT_EQ(l.start, 6);
        ASSERT_EQ(l.end, 10);
}

TEST(latin1_converted) {
        Line l;

        setup("latin_1");
        ASSERT_OK(line_reader_push(reader, "caf\xe9\n", 5));
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_STREQ(l.text, "caf\xc3\xa9");
}

TEST(overlong_line_is_cut_and_rest_skipped) {
        size_t n = FILE_LINE_MAX;
        char *big = malloc(n);
        Line l;

        ASSERT_NOT_NULL(big);
        setup("utf_8");
        memset(big, 'x', n);
        ASSERT_OK(line_reader_push(reader, big, n));
        ASSERT_ERR(line_reader_push(reader, "y", 1), ENOBUFS);
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_TRUE(l.cut);
        ASSERT_EQ(l.size, n);
        /* the rest of the long line is dropped, the next line comes through */
        ASSERT_OK(line_reader_push(reader, "xxxx\nnext\n", 10));
        ASSERT_EQ(line_reader_next(reader, false, &l), 1);
        ASSERT_STREQ(l.text, "next");
        ASSERT_EQ(l.start, n + 5);
        free(big);
}

TEST(cleanup) {
        reader = line_reader_free(reader);
        enc = encoding_free(enc);
}

TEST_MAIN()
