/* SPDX-License-Identifier: MIT */
/*
 * GzipStream: zlib deflate with the gzip wrapper (windowBits 15 + 16), one z_stream reused
 * (deflateReset) from body to body, written straight into the caller's StrBuf. Does not
 * decompress and does not stream: a PutLogEvents body is at most ~1 MiB, so deflate(Z_FINISH)
 * runs once into the room the caller already made, and once more only if that was too small
 * and the buffer had to grow to deflateBound() (or what is left under out's cap, if less).
 * Invariant: on failure out is unchanged.
 */

#include <limits.h>
#include <zlib.h>

#include "gzip.h"

struct GzipStream {
        z_stream z;
        bool used; /* deflateReset() before the next body */
};

int gzip_stream_new(int level, GzipStream **ret) {
        GzipStream *g;

        if (level < 0)
                level = GZIP_LEVEL_DEFAULT;
        if (level > 9)
                return -EINVAL;
        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        if (deflateInit2(&g->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
                free(g);
                return -ENOMEM;
        }
        *ret = g;
        return 0;
}

GzipStream *gzip_stream_free(GzipStream *g) {
        if (!g)
                return NULL;
        (void) deflateEnd(&g->z);
        free(g);
        return NULL;
}

int gzip_stream_compress(GzipStream *g, const void *in, size_t n, StrBuf *out) {
        z_stream *z = &g->z;
        size_t old_len = out->len, room, bound, cap = out->cap ?: SIZE_MAX - 1;
        int r, zr;

        if (n > UINT_MAX) /* zlib's avail_in is a uInt */
                return -EFBIG;
        if (g->used && deflateReset(z) != Z_OK)
                return -EIO;
        g->used = true;

        /* deflateBound() is a worst case; if the cap leaves less, try with what is left. */
        bound = MIN((size_t) deflateBound(z, (uLong) n), cap - MIN(cap, old_len));
        bound = MIN(bound, (size_t) UINT_MAX);
        if (bound == 0)
                return -ENOBUFS;
        /* Room the caller made beforehand is used first (a good guess saves reserving the
         * worst case); the rest of the bound is reserved only if the output needs it. */
        room = MIN(out->allocated > old_len + 1 ? out->allocated - old_len - 1 : 0, bound);
        if (room < MIN(bound, (size_t) 4096)) {
                r = strbuf_reserve(out, bound);
                if (r < 0)
                        return r;
                room = bound;
        }

        z->next_in = (Bytef *) in;
        z->avail_in = (uInt) n;
        z->next_out = (Bytef *) out->data + old_len;
        z->avail_out = (uInt) room;
        zr = deflate(z, Z_FINISH);
        if ((zr == Z_OK || zr == Z_BUF_ERROR) && room < bound) {
                r = strbuf_reserve(out, bound); /* may move the buffer */
                if (r < 0) {
                        out->data[old_len] = 0;
                        return r;
                }
                z->next_out = (Bytef *) out->data + old_len + z->total_out;
                z->avail_out = (uInt) (bound - z->total_out);
                zr = deflate(z, Z_FINISH);
        }
        if (zr != Z_STREAM_END) {
                out->data[old_len] = 0;
                /* Out of room means the cap was too small; nothing else can go wrong here. */
                return zr == Z_OK || zr == Z_BUF_ERROR ? -ENOBUFS : -EIO;
        }

        out->len = old_len + z->total_out;
        out->data[out->len] = 0;
        return 0;
}
