/* SPDX-License-Identifier: MIT */
/* Source encodings to UTF-8; expected bytes were taken from Python's
 * bytes.decode(codec, 'replace').encode('utf-8'). */

#include "encoding.h"
#include "test.h"

#define FFFD "\xef\xbf\xbd"

typedef struct Case {
        const char *codec;
        const char *in;
        size_t n;
        const char *out;
        size_t out_n;
} Case;

#define C(codec, in, out) { codec, in, sizeof(in) - 1, out, sizeof(out) - 1 }

static const Case cases[] = {
        C("utf_8", "plain \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", "plain \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80"),
        C("utf_8", "\xe2\x82" "A\xff\xc0\xaf" "B\xed\xa0\x80", FFFD "A" FFFD FFFD FFFD "B" FFFD FFFD FFFD),
        C("utf_8", "nul\0byte", "nul\0byte"),
        C("utf_8", "\xef\xbb\xbfhi", "\xef\xbb\xbfhi"),
        C("latin_1", "caf\xe9", "caf\xc3\xa9"),
        C("cp1252", "\x80\x81\x9f", "\xe2\x82\xac" FFFD "\xc5\xb8"),
        C("ascii", "a\xff" "b", "a" FFFD "b"),
        C("shift_jis", "\x82\xa0 a\\b~", "\xe3\x81\x82 a\\b~"),
        C("shift_jis", "\x81 A", FFFD " A"),
        C("euc_jp", "\xa4\xa2\xff\xa4", "\xe3\x81\x82" FFFD FFFD),
        C("gb2312", "\xb0\xa1\xb0", "\xe5\x95\x8a" FFFD),
        C("gb18030", "\x81\x30\x81\x30", "\xc2\x80"),
        C("big5", "\xa4\x40", "\xe4\xb8\x80"),
        C("koi8_r", "\xc1\xc2", "\xd0\xb0\xd0\xb1"),
        C("cp037", "\xc1\x25\x81", "A\na"),
        C("iso2022_jp", "\x1b$B\x24\x22\x1b(Bx", "\xe3\x81\x82x"),
        C("utf_7", "+AGEAYg-c", "abc"),
        C("utf_16", "\xff\xfe" "a\0b\0", "ab"),
        C("utf_16", "\xfe\xff\0a\0", "a" FFFD),
        C("utf_16", "a\0b\0", "ab"),
        C("utf_16_le", "\xff\xfe" "a\0", "\xef\xbb\xbf" "a"),
        C("utf_16_le", "\0\xd8" "a\0", FFFD "a"),
        C("utf_16_be", "\0a\xd8\0", "a" FFFD),
        C("utf_32", "\0\0\xfe\xff\0\0\0a", "a"),
        C("utf_32", "a\0\0\0", "a"),
        C("utf_8_sig", "\xef\xbb\xbfhi", "hi"),
};

/* Converts in two pieces split at `split`, carrying the unconsumed part like a reader would. */
static void convert_split(const Case *c, size_t split, StrBuf *out) {
        _cleanup_(encoding_freep) Encoding *e = NULL;
        char buf[64];
        size_t skip = 0, consumed = 0, have;
        int r;

        ASSERT_OK(encoding_new(c->codec, &e));
        r = encoding_start(e, c->in, c->n);
        ASSERT_OK(r);
        skip = (size_t) r;
        if (split < skip)
                split = skip;
        memcpy(buf, c->in + skip, split - skip);
        have = split - skip;
        ASSERT_OK(encoding_convert(e, buf, have, false, out, &consumed));
        ASSERT_TRUE(consumed <= have);
        memmove(buf, buf + consumed, have - consumed);
        have -= consumed;
        memcpy(buf + have, c->in + split, c->n - split);
        have += c->n - split;
        ASSERT_OK(encoding_convert(e, buf, have, true, out, &consumed));
        ASSERT_EQ(consumed, have);
}

TEST(python_equivalence_at_every_split) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                for (size_t split = 0; split <= cases[i].n; split++) {
                        StrBuf out = STRBUF_INIT(0);
                        size_t want = cases[i].out_n;

                        convert_split(&cases[i], split, &out);
                        if (out.len != want || memcmp(out.data, cases[i].out, want) != 0) {
                                fprintf(stderr, "case %zu (%s) split %zu: got '%s'\n", i, cases[i].codec, split,
                                        out.data);
                                strbuf_done(&out);
                                ASSERT_TRUE(false);
                        }
                        strbuf_done(&out);
                }
}

TEST(incomplete_tail_waits) {
        _cleanup_(encoding_freep) Encoding *e = NULL;
        StrBuf out = STRBUF_INIT(0);
        size_t consumed;

        ASSERT_OK(encoding_new("utf-8", &e));
        ASSERT_OK(encoding_convert(e, "ab\xe2\x82", 4, false, &out, &consumed));
        ASSERT_EQ(consumed, 2);
        ASSERT_STREQ(out.data, "ab");
        ASSERT_OK(encoding_convert(e, "\xe2\x82\xac", 3, false, &out, &consumed));
        ASSERT_EQ(consumed, 3);
        ASSERT_STREQ(out.data, "ab\xe2\x82\xac");
        strbuf_done(&out);
}

TEST(junk_never_fails) {
        static const char *names[] = { "utf_8", "ascii", "shift_jis", "euc_jp", "utf_16", "utf_32", "gb18030",
                                       "iso2022_jp", "utf_7", "cp037", "big5hkscs" };
        char junk[1024];
        uint32_t x = 12345;

        for (size_t i = 0; i < sizeof junk; i++) {
                x = x * 1103515245 + 12345;
                junk[i] = (char) (x >> 16);
        }
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_(encoding_freep) Encoding *e = NULL;
                StrBuf out = STRBUF_INIT(0);
                size_t consumed;

                ASSERT_OK(encoding_new(names[i], &e));
                (void) encoding_start(e, junk, sizeof junk);
                ASSERT_OK(encoding_convert(e, junk, sizeof junk, true, &out, &consumed));
                ASSERT_EQ(consumed, sizeof junk);
                ASSERT_TRUE(out.len > 0);
                strbuf_done(&out);
        }
}

TEST(names_and_aliases) {
        static const struct {
                const char *alias, *name;
        } names[] = {
                { "UTF-8", "utf_8" }, { "utf8", "utf_8" }, { "Latin-1", "latin_1" },
                { "ISO-8859-1", "latin_1" }, { "iso8859_15", "iso8859_15" }, { "SJIS", "shift_jis" },
                { "utf-16", "utf_16" }, { "UTF-16LE", "utf_16_le" }, { "windows-1252", "cp1252" },
                { "us-ascii", "ascii" }, { "EUC-JP", "euc_jp" }, { "euc_kr", "euc_kr" },
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_(encoding_freep) Encoding *e = NULL;

                ASSERT_OK(encoding_new(names[i].alias, &e));
                ASSERT_STREQ(encoding_name(e), names[i].name);
                ASSERT_TRUE(encoding_is_supported(names[i].alias));
        }
        Encoding *e = NULL;
        ASSERT_ERR(encoding_new("klingon", &e), EOPNOTSUPP);
        ASSERT_ERR(encoding_new("mac_greek", &e), EOPNOTSUPP);
        ASSERT_ERR(encoding_new("", &e), EOPNOTSUPP);
        ASSERT_NULL(e);
        ASSERT_FALSE(encoding_is_supported("hz"));
}

TEST(newlines_and_bom) {
        _cleanup_(encoding_freep) Encoding *u16 = NULL, *be = NULL, *ebcdic = NULL, *u8 = NULL, *sig = NULL;
        const char *nl;

        ASSERT_OK(encoding_new("utf_16", &u16));
        ASSERT_ERR(encoding_start(u16, "\xff", 1), EAGAIN);
        ASSERT_EQ(encoding_start(u16, "a\0", 2), 0);
        ASSERT_EQ(encoding_newline(u16, &nl), 2);
        ASSERT_EQ(memcmp(nl, "\n\0", 2), 0);

        ASSERT_OK(encoding_new("utf_16", &be));
        ASSERT_EQ(encoding_start(be, "\xfe\xff\0a", 4), 2);
        ASSERT_EQ(encoding_newline(be, &nl), 2);
        ASSERT_EQ(memcmp(nl, "\0\n", 2), 0);

        ASSERT_OK(encoding_new("cp500", &ebcdic));
        ASSERT_EQ(encoding_newline(ebcdic, &nl), 1);
        ASSERT_EQ(nl[0], 0x25);

        ASSERT_OK(encoding_new("utf_8", &u8));
        ASSERT_EQ(encoding_start(u8, "\xef\xbb\xbf", 3), 0);
        ASSERT_EQ(encoding_newline(u8, &nl), 1);
        ASSERT_EQ(nl[0], '\n');

        ASSERT_OK(encoding_new("utf_8_sig", &sig));
        ASSERT_ERR(encoding_start(sig, "\xef\xbb", 2), EAGAIN);
        ASSERT_EQ(encoding_start(sig, "\xef\xbb\xbfx", 4), 3);
        ASSERT_EQ(encoding_start(sig, "xyz", 3), 0);
}

TEST(output_cap_is_reported) {
        _cleanup_(encoding_freep) Encoding *e = NULL;
        StrBuf out = STRBUF_INIT(4);
        size_t consumed;

        ASSERT_OK(encoding_new("latin_1", &e));
        ASSERT_ERR(encoding_convert(e, "abcdefgh", 8, true, &out, &consumed), ENOBUFS);
        strbuf_done(&out);
}

TEST_MAIN()
