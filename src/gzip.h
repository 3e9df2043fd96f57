/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * gzip (RFC 1952) compression of request bodies, sent with "Content-Encoding: gzip".
 * One shot, in memory; no streaming, no decompression (CloudWatch answers are tiny and
 * uncompressed).
 */

#include "shared/strbuf.h"

/* Why libdeflate and not zlib: every body is whole in memory before it is compressed, and
 * libdeflate's whole-buffer compressor is faster and smaller than zlib's streaming one. On
 * 16 MB of PutLogEvents JSON (journal-style events from bench/gen-export), one core:
 *   zlib 1.2.13 level 1:  153 MB/s, output 18.1% of input
 *   libdeflate 1.14 level 1: 247-264 MB/s, 16.0%
 *   libdeflate level 6:   95 MB/s, 12.9%;  zlib level 6: 61 MB/s, 14.0%
 * Level 1 is the default: level 6 saves ~30 KiB per MiB sent but costs 2.5x the CPU on the
 * payload thread, which has to keep up with the event loop's reading. */
#define GZIP_LEVEL_DEFAULT 1

/* Compresses request bodies into the gzip format, reusing one compressor (allocated for its
 * level) from body to body. level: 0-9, or -1 for GZIP_LEVEL_DEFAULT (gzip_stream_new()
 * returns -EINVAL for others). Not thread-safe: one user at a time.
 *
 * gzip_stream_compress() appends the gzip encoding of in[0..n) to out; every call makes a
 * whole gzip member, the same bytes a fresh compressor of that level makes. Room already
 * allocated in out is used if the output fits in it; otherwise the worst case is reserved
 * and the body compressed again. Returns 0, -ENOBUFS if out's cap would be exceeded (out is
 * then left as it was), -ENOMEM. */
typedef struct GzipStream GzipStream;
int gzip_stream_new(int level, GzipStream **ret);
GzipStream *gzip_stream_free(GzipStream *g);
DEFINE_TRIVIAL_CLEANUP_FUNC(GzipStream *, gzip_stream_free);
int gzip_stream_compress(GzipStream *g, const void *in, size_t n, StrBuf *out);
