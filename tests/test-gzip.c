/* SPDX-License-Identifier: MIT */
/* gzip_compress(): what a gzip reader (zlib's inflate with the gzip wrapper) gets back. */

#include <zlib.h>

#include "gzip.h"
#include "test.h"

/* Inflates a gzip stream; returns the decompressed length or -1. */
static long gunzip(const void *in, size_t n, char *out, size_t out_size) {
        z_stream z = {};
        long len;
        int r;

        if (inflateInit2(&z, 15 + 16) != Z_OK)
                return -1;
        z.next_in = (Bytef *) in;
        z.avail_in = (uInt) n;
        z.next_out = (Bytef *) out;
        z.avail_out = (uInt) out_size;
        r = inflate(&z, Z_FINISH);
        len = r == Z_STREAM_END && z.avail_in == 0 ? (long) z.total_out : -1;
        (void) inflateEnd(&z);
        return len;
}

static char *make_log_json(size_t *ret_len) {
        StrBuf b = STRBUF_INIT(0);

        (void) strbuf_puts(&b, "{\"logEvents\":[");
        for (unsigned i = 0; b.len < 256 * 1024; i++)
                (void) strbuf_printf(&b, "%s{\"timestamp\":%u,\"message\":\"sshd[%u]: Accepted key %u\"}",
                                     i ? "," : "", 1700000000U + i, 1000U + i % 7, i * 7919U);
        (void) strbuf_puts(&b, "]}");
        return strbuf_steal(&b, ret_len);
}

TEST(round_trip_all_levels) {
        size_t n;
        char *in = make_log_json(&n), *back = malloc(n + 1);

        for (int level = -1; level <= 9; level++) {
                StrBuf out = STRBUF_INIT(0);

                ASSERT_OK(gzip_compress(in, n, level, &out));
                /* gzip magic, deflate method */
                ASSERT_EQ((unsigned char) out.data[0], 0x1f);
                ASSERT_EQ((unsigned char) out.data[1], 0x8b);
                ASSERT_EQ(out.data[2], 8);
                if (level != 0)
                        ASSERT_TRUE(out.len < n / 4);
                ASSERT_EQ(gunzip(out.data, out.len, back, n + 1), (long) n);
                ASSERT_TRUE(memcmp(back, in, n) == 0);
                strbuf_done(&out);
        }
        free(back);
        free(in);
}

TEST(empty_input_and_append) {
        StrBuf out = STRBUF_INIT(0);
        char back[16];

        ASSERT_OK(strbuf_puts(&out, "xy"));
        ASSERT_OK(gzip_compress("", 0, GZIP_LEVEL_DEFAULT, &out));
        ASSERT_TRUE(out.len > 2);
        ASSERT_TRUE(memcmp(out.data, "xy", 2) == 0); /* appended, not overwritten */
        ASSERT_EQ(gunzip(out.data + 2, out.len - 2, back, sizeof back), 0);
        strbuf_done(&out);
}

TEST(cap_and_bad_level) {
        StrBuf out = STRBUF_INIT(64);
        size_t n;
        char *in = make_log_json(&n);

        ASSERT_OK(strbuf_puts(&out, "keep"));
        ASSERT_ERR(gzip_compress(in, n, 6, &out), ENOBUFS);
        ASSERT_STREQ(out.data, "keep"); /* unchanged on failure */
        ASSERT_EQ(out.len, 4);
        ASSERT_ERR(gzip_compress(in, n, 10, &out), EINVAL);
        strbuf_done(&out);
        free(in);
}

TEST(fits_a_tight_cap) {
        /* Output smaller than deflateBound() must still fit a cap just above its size. */
        StrBuf big = STRBUF_INIT(0), tight;
        size_t n;
        char *in = make_log_json(&n);

        ASSERT_OK(gzip_compress(in, n, 6, &big));
        strbuf_init(&tight, big.len);
        ASSERT_OK(gzip_compress(in, n, 6, &tight));
        ASSERT_EQ(tight.len, big.len);
        ASSERT_TRUE(memcmp(tight.data, big.data, big.len) == 0);
        strbuf_done(&tight);
        strbuf_done(&big);
        free(in);
}

TEST_MAIN()
