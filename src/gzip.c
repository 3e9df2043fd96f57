/* SPDX-License-Identifier: MIT */
/*
 * GzipStream: libdeflate's whole-buffer gzip compressor, allocated once and reused from body
 * to body, writing straight into the caller's StrBuf. Does not decompress and does not
 * stream: a PutLogEvents body is at most ~1 MiB and is whole in memory before it is
 * compressed, which is the case libdeflate is made for (see gzip.h for why not zlib).
 * Room already allocated in out is tried first; if the output does not fit there, the buffer
 * is grown to libdeflate's worst case (or to what is left under out's cap, if less) and the
 * body is compressed again.
 * Invariant: on failure out is unchanged.
 */

#include <libdeflate.h>

#include "gzip.h"

struct GzipStream {
        struct libdeflate_compressor *compressor;
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
        g->compressor = libdeflate_alloc_compressor(level);
        if (!g->compressor) {
                free(g);
                return -ENOMEM;
        }
        *ret = g;
        return 0;
}

GzipStream *gzip_stream_free(GzipStream *g) {
        if (!g)
                return NULL;
        libdeflate_free_compressor(g->compressor);
        free(g);
        return NULL;
}

/* libdeflate gives up unless it has a few bytes to spare past its output, so a cap that
 * leaves less than the worst case is met by compressing into a scratch buffer of the worst
 * case and copying what fits. */
static size_t compress_tight(GzipStream *g, const void *in, size_t n, size_t bound, char *dst, size_t room) {
        _cleanup_free_ char *scratch = malloc(bound);
        size_t written;

        if (!scratch)
                return SIZE_MAX;
        written = libdeflate_gzip_compress(g->compressor, in, n, scratch, bound);
        if (written == 0 || written > room)
                return 0;
        memcpy(dst, scratch, written);
        return written;
}

int gzip_stream_compress(GzipStream *g, const void *in, size_t n, StrBuf *out) {
        size_t old_len = out->len, cap = out->cap ?: SIZE_MAX - 1, bound, room, made, written = 0;
        int r;

        bound = libdeflate_gzip_compress_bound(g->compressor, n);
        room = MIN(bound, cap - MIN(cap, old_len));
        if (room == 0)
                return -ENOBUFS;

        /* Room the caller made beforehand is tried first: a good guess saves growing the
         * buffer here, on whatever thread compresses. Only if it is too small is the body
         * compressed again into the worst case. */
        made = out->allocated > old_len + 1 ? out->allocated - old_len - 1 : 0;
        if (made > 0 && made < room)
                written = libdeflate_gzip_compress(g->compressor, in, n, out->data + old_len, made);
        if (written == 0) {
                r = strbuf_reserve(out, room);
                if (r < 0) {
                        if (out->data)
                                out->data[old_len] = 0;
                        return r;
                }
                if (room == bound)
                        written = libdeflate_gzip_compress(g->compressor, in, n, out->data + old_len, room);
                else
                        written = compress_tight(g, in, n, bound, out->data + old_len, room);
        }
        if (written == SIZE_MAX || written == 0) {
                out->data[old_len] = 0;
                /* Within the bound nothing but the cap can leave too little room. */
                return written == 0 ? -ENOBUFS : -ENOMEM;
        }
        out->len = old_len + written;
        out->data[out->len] = 0;
        return 0;
}
