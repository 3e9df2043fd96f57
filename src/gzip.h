/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * gzip (RFC 1952) compression of request bodies, sent with "Content-Encoding: gzip".
 * One shot, in memory; no streaming, no decompression (CloudWatch answers are tiny and
 * uncompressed).
 */

#include "shared/strbuf.h"

/* Default level. Measured on ~1 MiB of PutLogEvents JSON (6,724 journal-style events:
 * sshd, nginx access lines, JSON app logs, audit lines), zlib 1.2.13, one shared core:
 *   level 1: 14.3% of input,  6.3 ms (158 MiB/s)
 *   level 3: 13.1%,           6.8 ms
 *   level 6: 11.4%,          15.8 ms ( 63 MiB/s)
 *   level 9: 10.9%,          29.0 ms
 * Level 6 saves ~30 KiB per MiB sent but costs 2.5x the CPU on the payload thread, which has
 * to keep up with the event loop's reading; the bandwidth we save is already 86%. */
#define GZIP_LEVEL_DEFAULT 1

/* Compresses request bodies into the gzip format, reusing one compressor's state (~300 KiB)
 * from body to body instead of allocating and initialising it every time. level: 0-9, or -1
 * for GZIP_LEVEL_DEFAULT (gzip_stream_new() returns -EINVAL for others). Not thread-safe:
 * one user at a time.
 *
 * gzip_stream_compress() appends the gzip encoding of in[0..n) to out. Room already
 * allocated in out is used first; the worst case (deflateBound) is reserved only when the
 * output needs it. Returns 0, -ENOBUFS if out's cap would be exceeded (out is then left as it
 * was), -EFBIG for input over 4 GiB, -ENOMEM. */
typedef struct GzipStream GzipStream;
int gzip_stream_new(int level, GzipStream **ret);
GzipStream *gzip_stream_free(GzipStream *g);
DEFINE_TRIVIAL_CLEANUP_FUNC(GzipStream *, gzip_stream_free);
int gzip_stream_compress(GzipStream *g, const void *in, size_t n, StrBuf *out);
