/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Splits a file's bytes into lines with their file offsets, and converts each line to UTF-8.
 * Lines end at the encoding's newline (aligned to its code unit); a trailing '\r' is dropped
 * (CRLF files). A line longer than FILE_LINE_MAX characters' worth of bytes is cut: its head
 * is returned flagged `cut`, the rest is skipped up to the newline (still counted in offsets).
 * The buffer is bounded, so memory stays bounded whatever the file holds.
 */

#include "encoding.h"

typedef struct LineReader LineReader;

typedef struct Line {
        const char *text; /* UTF-8, NUL terminated, valid until the next call */
        size_t size;
        uint64_t start, end; /* file offsets: first byte, and after the newline */
        bool cut;            /* longer than the cap; the rest of the line is dropped */
        bool partial;        /* no newline yet (returned only when forced) */
} Line;

int line_reader_new(Encoding *enc, LineReader **ret);
LineReader *line_reader_free(LineReader *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(LineReader *, line_reader_free);

/* Drops buffered bytes; the next byte read is at offset. */
void line_reader_reset(LineReader *r, uint64_t offset);
/* read()s at most max bytes into the buffer; returns the number read (0 at EOF), or -errno.
 * Returns -ENOBUFS (nothing read) when the buffer is full: call line_reader_next() first. */
ssize_t line_reader_fill(LineReader *r, int fd, size_t max);
/* Appends bytes directly (tests). */
int line_reader_push(LineReader *r, const char *p, size_t n);
/* 1 and *ret for the next complete line; 0 when none is complete. force: return an incomplete
 * last line too (buffer_duration passed, or the file is finished). */
int line_reader_next(LineReader *r, bool force, Line *ret);

/* Offset of the first byte not yet returned as (part of) a line. */
uint64_t line_reader_offset(const LineReader *r);
/* Offset of the next byte to read from the file. */
uint64_t line_reader_read_offset(const LineReader *r);
size_t line_reader_buffered(const LineReader *r);
