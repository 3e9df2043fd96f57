/* SPDX-License-Identifier: MIT */
/*
 * Request bodies for the CloudWatch Logs JSON 1.1 operations cwlogd calls, written by hand:
 * the body of a full batch is a megabyte of mostly-ASCII text, and building a jansson tree
 * for it would cost an allocation per event and a second copy. Here the body buffer is
 * reserved once from an estimate, and strings are scanned 16 bytes at a time, with runs of
 * plain text copied whole.
 *
 * Deliberately not here: signing, compression, HTTP, response handling
 * (cloudwatch-classify.c).
 * Invariants: every body is valid JSON and valid UTF-8, even if a string handed in is not
 * (invalid sequences become U+FFFD, so one bad byte can never make the whole batch fail);
 * timestamps are written as JSON integers.
 */

#include <endian.h>

#include "cloudwatch.h"
#include "utf8.h"

/* 16 bytes as one vector (GCC's generic vectors: SSE2 on x86-64, NEON on arm64, plain
 * integer code elsewhere). Signed on purpose: bytes >= 0x80 are negative. */
typedef int8_t Bytes16 __attribute__((vector_size(16)));

static inline bool special_byte(uint8_t c) {
        return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/* Index of the first byte of s[0..n) that JSON or UTF-8 needs a closer look at (< 0x20, '"',
 * '\\' or >= 0x80), n if there is none. Log text is mostly plain: 16 bytes per step. */
static size_t next_special(const char *s, size_t n) {
        size_t i = 0;

        for (; n - i >= 16; i += 16) {
                Bytes16 v, m;
                uint64_t half[2];

                memcpy(&v, s + i, sizeof(v));
                m = (v < 0x20) | (v == '"') | (v == '\\'); /* each byte 0 or 0xff */
                memcpy(half, &m, sizeof(half));
                /* le64toh: the lowest bits are the first bytes in memory, on either byte order */
                if (half[0])
                        return i + (size_t) __builtin_ctzll(le64toh(half[0])) / 8;
                if (half[1])
                        return i + 8 + (size_t) __builtin_ctzll(le64toh(half[1])) / 8;
        }
        for (; i < n; i++)
                if (special_byte((uint8_t) s[i]))
                        return i;
        return n;
}

/* Writes the JSON escape of c (a control character, '"' or '\\') at p; returns its end. */
static char *put_escape(char *p, uint8_t c) {
        static const char hex[] = "0123456789abcdef";
        char short_form;

        switch (c) {
        case '"':
        case '\\':
                short_form = (char) c;
                break;
        case '\n':
                short_form = 'n';
                break;
        case '\r':
                short_form = 'r';
                break;
        case '\t':
                short_form = 't';
                break;
        case '\b':
                short_form = 'b';
                break;
        case '\f':
                short_form = 'f';
                break;
        default:
                return mempcpy(p, (const char[]) { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] }, 6);
        }
        *p++ = '\\';
        *p++ = short_form;
        return p;
}

/* Escapes s[0..n) into out without quotes; returns < 0 on failure (out then partial).
 * Runs of plain text are copied whole. Room for the rest of the input is reserved at every
 * step, so only escapes and replacements (which write more than they read) reserve again. */
static int escape_into(StrBuf *out, const char *s, size_t n) {
        size_t i = 0;
        int r;

        r = strbuf_reserve(out, n);
        if (r < 0)
                return r;
        while (i < n) {
                size_t j = i + next_special(s + i, n - i), seq, bad = 1;
                uint8_t c;
                char *p;

                memcpy(out->data + out->len, s + i, j - i);
                out->len += j - i;
                if (j == n)
                        break;

                c = (uint8_t) s[j];
                seq = c >= 0x80 ? utf8_sequence_length(s + j, n - j, &bad) : 0;
                if (seq > 0) {
                        memcpy(out->data + out->len, s + j, seq);
                        out->len += seq;
                        i = j + seq;
                        continue;
                }
                /* An escape (<= 6 bytes for 1) or U+FFFD (3 bytes for >= 1): the rest of the
                 * input still needs its room after it. */
                r = strbuf_reserve(out, 6 + (n - j - bad));
                if (r < 0)
                        goto finish;
                p = out->data + out->len;
                p = c >= 0x80 ? mempcpy(p, UTF8_REPLACEMENT, STRLEN(UTF8_REPLACEMENT)) : put_escape(p, c);
                out->len = (size_t) (p - out->data);
                i = j + bad;
        }
finish:
        out->data[out->len] = 0;
        return r;
}

int json_append_string(StrBuf *out, const char *s, size_t n) {
        size_t saved = out->len;
        int r;

        r = strbuf_reserve(out, n + 2);
        if (r >= 0)
                r = strbuf_putc(out, '"');
        if (r >= 0)
                r = escape_into(out, s, n);
        if (r >= 0)
                r = strbuf_putc(out, '"');
        if (r < 0) {
                out->len = saved;
                if (out->data)
                        out->data[saved] = 0;
        }
        return r;
}

/* Writes v in decimal at the end of buf[0..24); returns where it starts. */
static size_t format_int(int64_t v, char buf[static 24]) {
        size_t i = 24;
        uint64_t u = v < 0 ? -(uint64_t) v : (uint64_t) v;

        do {
                buf[--i] = (char) ('0' + u % 10);
                u /= 10;
        } while (u > 0);
        if (v < 0)
                buf[--i] = '-';
        return i;
}

/* {"timestamp":T,"message":"M"} with a leading comma unless first. This runs for every
 * event shipped, so the fixed parts are written straight into room reserved once. */
static int append_event(StrBuf *out, const Record *rec, bool first) {
        static const char head[] = ",{\"timestamp\":", mid[] = ",\"message\":\"";
        char num[24];
        size_t start = format_int(rec->timestamp_ms, num), head_len = STRLEN(head) - first;
        char *p;
        int r;

        r = strbuf_reserve(out, head_len + (24 - start) + STRLEN(mid) + rec->size + STRLEN("\"}"));
        if (r < 0)
                return r;
        p = out->data + out->len;
        p = mempcpy(p, head + first, head_len);
        p = mempcpy(p, num + start, 24 - start);
        p = mempcpy(p, mid, STRLEN(mid));
        out->len = (size_t) (p - out->data);
        r = escape_into(out, rec->message, rec->size);
        if (r < 0)
                return r;
        return strbuf_append(out, "\"}", 2);
}

/* ,"key": followed by a string */
static int append_member(StrBuf *out, const char *lead, const char *value) {
        int r;

        r = strbuf_puts(out, lead);
        if (r < 0)
                return r;
        return json_append_string(out, value, strlen(value));
}

static int fail(StrBuf *out, int r) {
        strbuf_reset(out);
        return r;
}

/* Unescaped size plus per-event syntax; escapes are rare enough to grow into. */
size_t cw_put_log_events_estimate(const char *group, const char *stream, const char *token, size_t n,
                                  uint64_t message_bytes) {
        return 128 + strlen(group) + strlen(stream) + (token ? strlen(token) + 20 : 0) + (size_t) message_bytes +
               n * STRLEN("{\"timestamp\":-9223372036854775808,\"message\":\"\"},");
}

static size_t estimate(const char *group, const char *stream, Record *const *records, size_t n,
                       const char *token) {
        uint64_t message_bytes = 0;

        for (size_t i = 0; i < n; i++)
                message_bytes += records[i]->size;
        return cw_put_log_events_estimate(group, stream, token, n, message_bytes);
}

int cw_build_put_log_events(StrBuf *out, const char *group, const char *stream, Record *const *records,
                            size_t n, const char *sequence_token) {
        int r;

        strbuf_reset(out);
        r = strbuf_reserve(out, estimate(group, stream, records, n, sequence_token));
        if (r < 0)
                return r;

        r = append_member(out, "{\"logGroupName\":", group);
        if (r >= 0)
                r = append_member(out, ",\"logStreamName\":", stream);
        if (r >= 0 && sequence_token)
                r = append_member(out, ",\"sequenceToken\":", sequence_token);
        if (r >= 0)
                r = strbuf_puts(out, ",\"logEvents\":[");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append_event(out, records[i], i == 0);
        if (r >= 0)
                r = strbuf_puts(out, "]}");
        return r < 0 ? fail(out, r) : 0;
}

int cw_build_create_log_group(StrBuf *out, const char *group) {
        int r;

        strbuf_reset(out);
        r = append_member(out, "{\"logGroupName\":", group);
        if (r >= 0)
                r = strbuf_putc(out, '}');
        return r < 0 ? fail(out, r) : 0;
}

int cw_build_create_log_stream(StrBuf *out, const char *group, const char *stream) {
        int r;

        strbuf_reset(out);
        r = append_member(out, "{\"logGroupName\":", group);
        if (r >= 0)
                r = append_member(out, ",\"logStreamName\":", stream);
        if (r >= 0)
                r = strbuf_putc(out, '}');
        return r < 0 ? fail(out, r) : 0;
}

int cw_build_put_retention_policy(StrBuf *out, const char *group, unsigned days) {
        int r;

        strbuf_reset(out);
        r = append_member(out, "{\"logGroupName\":", group);
        if (r >= 0)
                r = strbuf_puts(out, ",\"retentionInDays\":");
        if (r >= 0)
                r = strbuf_printf(out, "%u}", days);
        return r < 0 ? fail(out, r) : 0;
}
