/* SPDX-License-Identifier: MIT */
/*
 * Request bodies for the CloudWatch Logs JSON 1.1 operations cwlogd calls, written by hand:
 * the body of a full batch is a megabyte of mostly-ASCII text, and building a jansson tree
 * for it would cost an allocation per event and a second copy. Here the body buffer is
 * reserved once from an estimate, and strings are escaped 8 bytes at a time.
 *
 * Deliberately not here: signing, compression, HTTP, response handling
 * (cloudwatch-classify.c).
 * Invariants: every body is valid JSON and valid UTF-8, even if a string handed in is not
 * (invalid sequences become U+FFFD, so one bad byte can never make the whole batch fail);
 * timestamps are written as JSON integers.
 */

#include "cloudwatch.h"
#include "utf8.h"

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)

/* Whether any of the 8 bytes needs a closer look: < 0x20, '"', '\\' or >= 0x80. Each test
 * is exact about "is there such a byte" (Bit Twiddling Hacks' haszero/hasless). */
static inline bool special8(uint64_t w) {
        uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

        return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | w) & HIGH;
}

static int append_escape(StrBuf *out, uint8_t c) {
        static const char hex[] = "0123456789abcdef";
        char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

        switch (c) {
        case '"':
                return strbuf_append(out, "\\\"", 2);
        case '\\':
                return strbuf_append(out, "\\\\", 2);
        case '\n':
                return strbuf_append(out, "\\n", 2);
        case '\r':
                return strbuf_append(out, "\\r", 2);
        case '\t':
                return strbuf_append(out, "\\t", 2);
        case '\b':
                return strbuf_append(out, "\\b", 2);
        case '\f':
                return strbuf_append(out, "\\f", 2);
        default:
                return strbuf_append(out, e, sizeof(e));
        }
}

/* Escapes s[0..n) into out without quotes; returns < 0 on failure (out then partial). */
static int escape_into(StrBuf *out, const char *s, size_t n) {
        size_t i = 0, plain = 0;
        int r;

        while (i < n) {
                uint8_t c = (uint8_t) s[i];
                size_t seq, bad = 1;

                if (n - i >= 8) {
                        uint64_t w;

                        memcpy(&w, s + i, sizeof(w));
                        if (!special8(w)) {
                                i += 8;
                                continue;
                        }
                }
                if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
                        i++;
                        continue;
                }
                seq = c >= 0x80 ? utf8_sequence_length(s + i, n - i, &bad) : 0;
                if (seq > 0) {
                        i += seq;
                        continue;
                }

                r = strbuf_append(out, s + plain, i - plain);
                if (r < 0)
                        return r;
                if (c >= 0x80)
                        r = strbuf_append(out, UTF8_REPLACEMENT, STRLEN(UTF8_REPLACEMENT));
                else
                        r = append_escape(out, c);
                if (r < 0)
                        return r;
                i += bad;
                plain = i;
        }
        return strbuf_append(out, s + plain, n - plain);
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
static size_t estimate(const char *group, const char *stream, Record *const *records, size_t n,
                       const char *token) {
        size_t total = 128 + strlen(group) + strlen(stream) + (token ? strlen(token) + 20 : 0);

        for (size_t i = 0; i < n; i++)
                total += records[i]->size + STRLEN("{\"timestamp\":-9223372036854775808,\"message\":\"\"},");
        return total;
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
