/* SPDX-License-Identifier: MIT */
/*
 * Line splitting on raw bytes (see file-lines.h). The buffer always starts at a line start
 * (or inside a line being skipped), so newline search steps by the code unit from there.
 */

#include "file-lines.h"
#include "cw-limits.h"

struct LineReader {
        Encoding *enc; /* not owned */
        const char *nl;
        size_t unit;
        char *buf;
        size_t len, size;
        uint64_t base;   /* file offset of buf[0] */
        bool skipping;   /* inside a cut line: drop through its newline */
        StrBuf text;
};

int line_reader_new(Encoding *enc, LineReader **ret) {
        LineReader *r = calloc(1, sizeof(LineReader));

        if (!r)
                return -ENOMEM;
        r->enc = enc;
        r->unit = encoding_newline(enc, &r->nl);
        r->size = r->unit * FILE_LINE_MAX;
        r->buf = malloc(r->size);
        if (!r->buf) {
                free(r);
                return -ENOMEM;
        }
        strbuf_init(&r->text, 0);
        *ret = r;
        return 0;
}

LineReader *line_reader_free(LineReader *r) {
        if (!r)
                return NULL;
        strbuf_done(&r->text);
        free(r->buf);
        return mfree(r);
}

void line_reader_reset(LineReader *r, uint64_t offset) {
        r->unit = encoding_newline(r->enc, &r->nl); /* the byte order may have been decided since */
        r->len = 0;
        r->base = offset;
        r->skipping = false;
}

ssize_t line_reader_fill(LineReader *r, int fd, size_t max) {
        size_t room = MIN(r->size - r->len, max);
        ssize_t n;

        if (room == 0)
                return -ENOBUFS;
        do
                n = read(fd, r->buf + r->len, room);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        r->len += (size_t) n;
        return n;
}

int line_reader_push(LineReader *r, const char *p, size_t n) {
        if (n > r->size - r->len)
                return -ENOBUFS;
        memcpy(r->buf + r->len, p, n);
        r->len += n;
        return 0;
}

/* Position of the first aligned newline in buf[0..len), or len. */
static size_t find_newline(const LineReader *r) {
        if (r->unit == 1) {
                const char *p = memchr(r->buf, r->nl[0], r->len);
                return p ? (size_t) (p - r->buf) : r->len;
        }
        for (size_t i = 0; i + r->unit <= r->len; i += r->unit)
                if (memcmp(r->buf + i, r->nl, r->unit) == 0)
                        return i;
        return r->len;
}

static void consume(LineReader *r, size_t n) {
        memmove(r->buf, r->buf + n, r->len - n);
        r->len -= n;
        r->base += n;
}

static int convert(LineReader *r, size_t n) {
        size_t consumed;
        int k;

        strbuf_reset(&r->text);
        k = encoding_convert(r->enc, r->buf, n, true, &r->text, &consumed);
        if (k < 0)
                return k;
        if (r->text.len > 0 && r->text.data[r->text.len - 1] == '\r')
                r->text.data[--r->text.len] = 0;
        /* an empty line still has a (NUL terminated) text */
        return r->text.data ? 0 : strbuf_append(&r->text, "", 0);
}

int line_reader_next(LineReader *r, bool force, Line *ret) {
        size_t i, n, take;
        int k;

        while (r->skipping && r->len > 0) {
                i = find_newline(r);
                consume(r, i < r->len ? i + r->unit : r->len - r->len % r->unit);
                if (i < r->len)
                        r->skipping = false;
                else
                        return 0;
        }
        if (r->len == 0)
                return 0;
        i = find_newline(r);
        bool complete = i < r->len, full = r->len == r->size;
        if (!complete && !full && !force)
                return 0;
        take = complete ? i : r->len - r->len % r->unit;
        n = complete ? i + r->unit : take;
        if (n == 0)
                return 0;
        k = convert(r, take);
        if (k < 0)
                return k;
        *ret = (Line) {
                .text = r->text.data, .size = r->text.len,
                .start = r->base, .end = r->base + n,
                .cut = !complete && full, .partial = !complete && !full,
        };
        consume(r, n);
        r->skipping = ret->cut;
        return 1;
}

uint64_t line_reader_offset(const LineReader *r) {
        return r->base;
}

uint64_t line_reader_read_offset(const LineReader *r) {
        return r->base + r->len;
}

size_t line_reader_buffered(const LineReader *r) {
        return r->len;
}
