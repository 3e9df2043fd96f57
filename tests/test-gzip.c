/* SPDX-License-Identifier: MIT */
/* GzipStream: what a gzip reader (zlib's inflate with the gzip wrapper) gets back. */

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

/* One body through a fresh stream: what a one-off compressor makes. */
static int compress_once(const void *in, size_t n, int level, StrBuf *out) {
        _cleanup_(gzip_stream_freep) GzipStream *g = NULL;
        int r;

        r = gzip_stream_new(level, &g);
        if (r < 0)
                return r;
        return gzip_stream_compress(g, in, n, out);
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

                ASSERT_OK(compress_once(in, n, level, &out));
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
        ASSERT_OK(compress_once("", 0, GZIP_LEVEL_DEFAULT, &out));
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
        ASSERT_ERR(compress_once(in, n, 6, &out), ENOBUFS);
        ASSERT_STREQ(out.data, "keep"); /* unchanged on failure */
        ASSERT_EQ(out.len, 4);
        ASSERT_ERR(compress_once(in, n, 10, &out), EINVAL);
        strbuf_done(&out);
        free(in);
}

TEST(fits_a_tight_cap) {
        /* Output smaller than the compressor's worst case must still fit a cap of exactly its
         * size (libdeflate itself wants a few bytes to spare), and not one byte less. */
        StrBuf big = STRBUF_INIT(0), tight;
        size_t n;
        char *in = make_log_json(&n);

        ASSERT_OK(compress_once(in, n, 6, &big));
        strbuf_init(&tight, big.len);
        ASSERT_OK(compress_once(in, n, 6, &tight));
        ASSERT_EQ(tight.len, big.len);
        ASSERT_TRUE(memcmp(tight.data, big.data, big.len) == 0);
        strbuf_done(&tight);
        strbuf_init(&tight, big.len - 1);
        ASSERT_ERR(compress_once(in, n, 6, &tight), ENOBUFS);
        ASSERT_EQ(tight.len, 0);
        strbuf_done(&tight);
        strbuf_done(&big);
        free(in);
}

TEST(one_stream_many_bodies) {
        /* A reused stream starts every body afresh: each one is a whole gzip member on its
         * own, byte for byte what a fresh compressor makes, also after a failed body. */
        _cleanup_(gzip_stream_freep) GzipStream *g = NULL;
        size_t n;
        char *in = make_log_json(&n), *back = malloc(n + 1);

        ASSERT_OK(gzip_stream_new(GZIP_LEVEL_DEFAULT, &g));
        for (size_t k = 0; k < 4; k++) {
                size_t len = n >> k;
                StrBuf out = STRBUF_INIT(0), fresh = STRBUF_INIT(0), tiny = STRBUF_INIT(16);

                if (k == 2)
                        ASSERT_ERR(gzip_stream_compress(g, in, len, &tiny), ENOBUFS);
                ASSERT_OK(gzip_stream_compress(g, in, len, &out));
                ASSERT_OK(compress_once(in, len, GZIP_LEVEL_DEFAULT, &fresh));
                ASSERT_EQ(out.len, fresh.len);
                ASSERT_TRUE(memcmp(out.data, fresh.data, out.len) == 0);
                ASSERT_EQ(gunzip(out.data, out.len, back, n + 1), (long) len);
                ASSERT_TRUE(memcmp(back, in, len) == 0);
                strbuf_done(&out);
                strbuf_done(&fresh);
                strbuf_done(&tiny);
        }
        ASSERT_ERR(gzip_stream_new(10, &g), EINVAL);
        free(back);
        free(in);
}

TEST(room_made_beforehand_is_used) {
        /* The payload worker's case: room for a quarter of a JSON body, well below the worst
         * case, made before compressing. The output fits and the buffer is not grown. */
        StrBuf out = STRBUF_INIT(0);
        size_t n, allocated;
        char *in = make_log_json(&n), *back = malloc(n + 1), *data;

        ASSERT_OK(strbuf_reserve(&out, n / 4));
        data = out.data;
        allocated = out.allocated;
        ASSERT_OK(compress_once(in, n, GZIP_LEVEL_DEFAULT, &out));
        ASSERT_TRUE(out.data == data);
        ASSERT_EQ(out.allocated, allocated);
        ASSERT_EQ(gunzip(out.data, out.len, back, n + 1), (long) n);
        ASSERT_TRUE(memcmp(back, in, n) == 0);
        strbuf_done(&out);
        free(back);
        free(in);
}

TEST(small_room_made_beforehand_grows_when_needed) {
        /* Incompressible input in a buffer reserved for a fifth of it: the output outgrows
         * the room made beforehand, the buffer is grown, and the result is still exact. */
        _cleanup_(gzip_stream_freep) GzipStream *g = NULL;
        size_t n = 300000;
        unsigned char *in = malloc(n);
        char *back = malloc(n + 1);
        uint64_t x = 88172645463325252ULL;

        for (size_t i = 0; i < n; i++) { /* xorshift: no redundancy for deflate to find */
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                in[i] = (unsigned char) x;
        }
        ASSERT_OK(gzip_stream_new(1, &g));
        for (size_t guess = n / 5; guess <= n * 2; guess += n * 2 - n / 5) {
                StrBuf out = STRBUF_INIT(0);

                ASSERT_OK(strbuf_puts(&out, "pre"));
                ASSERT_OK(strbuf_reserve(&out, guess));
                ASSERT_OK(gzip_stream_compress(g, in, n, &out));
                ASSERT_TRUE(out.len > n);
                ASSERT_TRUE(memcmp(out.data, "pre", 3) == 0);
                ASSERT_EQ(gunzip(out.data + 3, out.len - 3, back, n + 1), (long) n);
                ASSERT_TRUE(memcmp(back, in, n) == 0);
                strbuf_done(&out);
        }
        free(back);
        free(in);
}

TEST_MAIN()
