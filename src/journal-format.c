/* SPDX-License-Identifier: MIT */
/*
 * journal_format `message` and `short`, and the dispatcher (JSON is journal-format-json.c).
 *
 * `short` is written to equal what `journalctl -o short --all` (systemd 252, no colours, not
 * a terminal) prints for the entry, minus the final newline:
 *
 *   TIME[ HOSTNAME] IDENT[[PID]]: MESSAGE
 *
 * TIME is "%b %d %H:%M:%S" of _SOURCE_REALTIME_TIMESTAMP when it is a valid timestamp, else
 * of the entry's realtime, in the process's local time zone (TZ / /etc/localtime, like
 * journalctl without --utc). IDENT is SYSLOG_IDENTIFIER, else _COMM, else "unknown"; PID is
 * _PID, else SYSLOG_PID. A field given twice counts with its last value, as in journalctl.
 * A multi-line MESSAGE prints each further line indented to the column after ": " (a final
 * newline does not make an empty line). Journalctl's quirk is kept: after "unknown" the
 * indent does not count those 8 characters. `--all` means values are printed as they are,
 * however long, unprintable or not UTF-8.
 *
 * Deliberate differences from journalctl (each asserted in tests/test-journal-format.c):
 *  - NUL bytes: journalctl prints values with printf("%.*s"), which stops at a NUL, so it
 *    drops the rest of a line after a NUL in MESSAGE (and the rest of a hostname etc.).
 *    We keep every byte; the sink escapes NUL later.
 *  - Month names are always the C locale's ("Jan"); journalctl localises them under LANG.
 *  - _SOURCE_REALTIME_TIMESTAMP must be plain decimal; journalctl also accepts "0x…" hex and
 *    leading-zero octal (strtoull base 0). Other forms fall back to the entry's realtime.
 *  - `message` takes the first MESSAGE of an entry (as `journalctl -o cat`), `short` the
 *    last (as `journalctl -o short`); entries with two MESSAGE fields are malformed anyway.
 *
 * Not here: colours, catalog text, hyperlinks, ellipsis, other journalctl modes.
 * Invariant: values read from sd-journal are copied before the next enumerate call (the
 * library may reuse its decompression buffer and unmap windows); the copies live at the
 * start of `out` and are replaced by the rendered line.
 */

#include <time.h>

#include "cw-limits.h"
#include "journal-format-internal.h"
#include "utf8.h"

size_t journal_format_u64(uint64_t v, char *buf) {
        char tmp[20];
        size_t n = 0;

        do {
                tmp[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v > 0);
        for (size_t i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        return n;
}

size_t journal_printable_char_length(const char *s, size_t n) {
        const uint8_t *u = (const uint8_t *) s;
        size_t l = utf8_sequence_length(s, n, NULL);
        uint32_t cp;

        switch (l) {
        case 2:
                cp = (uint32_t) (u[0] & 0x1F) << 6 | (u[1] & 0x3F);
                return cp <= 0x9F ? 0 : 2; /* C1 controls */
        case 3:
                cp = (uint32_t) (u[0] & 0x0F) << 12 | (uint32_t) (u[1] & 0x3F) << 6 | (u[2] & 0x3F);
                break;
        case 4:
                cp = (uint32_t) (u[0] & 0x07) << 18 | (uint32_t) (u[1] & 0x3F) << 12 |
                     (uint32_t) (u[2] & 0x3F) << 6 | (u[3] & 0x3F);
                break;
        default:
                return 0;
        }
        if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
                return 0; /* noncharacters: systemd's unichar_is_valid() refuses them */
        return l;
}

bool journal_value_is_printable(const char *value, size_t n) {
        size_t i = 0;

        while (i < n) {
                uint8_t c = (uint8_t) value[i];
                size_t l;

                if (c < 0x80) {
                        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
                                return false;
                        i++;
                        continue;
                }
                l = journal_printable_char_length(value + i, n - i);
                if (l == 0)
                        return false;
                i += l;
        }
        return true;
}

/* Plain decimal in (0, JOURNAL_REALTIME_MAX), read up to a NUL like journalctl's copy. */
static bool parse_source_realtime(const char *v, size_t n, uint64_t *ret) {
        uint64_t x = 0;
        size_t i;

        for (i = 0; i < n && v[i] != 0; i++) {
                if (v[i] < '0' || v[i] > '9' || x > (JOURNAL_REALTIME_MAX / 10))
                        return false;
                x = x * 10 + (uint64_t) (v[i] - '0');
        }
        if (i == 0 || x == 0 || x >= JOURNAL_REALTIME_MAX)
                return false;
        *ret = x;
        return true;
}

int journal_entry_realtime(sd_journal *j, uint64_t *ret) {
        static const char name[] = "_SOURCE_REALTIME_TIMESTAMP=";
        const void *d;
        size_t l;
        int r;

        r = sd_journal_get_data(j, "_SOURCE_REALTIME_TIMESTAMP", &d, &l);
        if (r >= 0 && l >= STRLEN(name) &&
            parse_source_realtime((const char *) d + STRLEN(name), l - STRLEN(name), ret))
                return 0;
        if (r < 0 && r != -ENOENT)
                return r;
        return sd_journal_get_realtime_usec(j, ret);
}

/* "Nov 14 22:13:20" (15 bytes) in local time. The last second is cached per thread: entries
 * come in bursts within one second, and localtime_r() is the costliest step of a line. Like
 * glibc's localtime_r() itself, the cache does not notice TZ changing at run time. */
static void format_syslog_time(uint64_t realtime, char buf[static 16]) {
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        static _Thread_local time_t cached_sec = -1;
        static _Thread_local char cached[16];
        time_t t = (time_t) (realtime / USEC_PER_SEC);
        struct tm tm;

        if (t != cached_sec) {
                if (!localtime_r(&t, &tm))
                        tm = (struct tm) { .tm_mday = 1 };
                memcpy(cached, months + 3 * CLAMP(tm.tm_mon, 0, 11), 3);
                cached[3] = ' ';
                cached[4] = (char) ('0' + tm.tm_mday / 10);
                cached[5] = (char) ('0' + tm.tm_mday % 10);
                cached[6] = ' ';
                cached[7] = (char) ('0' + tm.tm_hour / 10);
                cached[8] = (char) ('0' + tm.tm_hour % 10);
                cached[9] = ':';
                cached[10] = (char) ('0' + tm.tm_min / 10);
                cached[11] = (char) ('0' + tm.tm_min % 10);
                cached[12] = ':';
                cached[13] = (char) ('0' + tm.tm_sec / 10);
                cached[14] = (char) ('0' + tm.tm_sec % 10);
                cached[15] = 0;
                cached_sec = t;
        }
        memcpy(buf, cached, 16);
}

typedef enum ShortField {
        SHORT_PID,
        SHORT_COMM,
        SHORT_MESSAGE,
        SHORT_HOSTNAME,
        SHORT_SYSLOG_PID,
        SHORT_IDENTIFIER,
        SHORT_SOURCE_REALTIME,
        _SHORT_FIELD_MAX,
} ShortField;

static const struct {
        const char *prefix;
        size_t len;
} short_fields[_SHORT_FIELD_MAX] = {
#define P(x) { x, STRLEN(x) }
        [SHORT_PID] = P("_PID="),
        [SHORT_COMM] = P("_COMM="),
        [SHORT_MESSAGE] = P("MESSAGE="),
        [SHORT_HOSTNAME] = P("_HOSTNAME="),
        [SHORT_SYSLOG_PID] = P("SYSLOG_PID="),
        [SHORT_IDENTIFIER] = P("SYSLOG_IDENTIFIER="),
        [SHORT_SOURCE_REALTIME] = P("_SOURCE_REALTIME_TIMESTAMP="),
#undef P
};

/* Where each wanted value was copied to in out (have == false: absent). */
typedef struct ShortValues {
        bool have[_SHORT_FIELD_MAX];
        size_t off[_SHORT_FIELD_MAX], len[_SHORT_FIELD_MAX];
} ShortValues;

static int short_collect(sd_journal *j, StrBuf *out, ShortValues *v) {
        const void *d;
        size_t l;
        int r;

        sd_journal_restart_data(j);
        while ((r = sd_journal_enumerate_data(j, &d, &l)) > 0) {
                const char *s = d;

                for (ShortField f = 0; f < _SHORT_FIELD_MAX; f++) {
                        size_t pl = short_fields[f].len;

                        if (l < pl || s[0] != short_fields[f].prefix[0] || memcmp(s, short_fields[f].prefix, pl) != 0)
                                continue;
                        /* A repeated field is copied again: the last one wins, as in journalctl. */
                        v->have[f] = true;
                        v->off[f] = out->len;
                        v->len[f] = l - pl;
                        r = strbuf_append(out, s + pl, l - pl);
                        if (r < 0)
                                return r;
                        break;
                }
        }
        return r;
}

static char *put(char *p, const char *s, size_t n) {
        memcpy(p, s, n);
        return p + n;
}

static int short_render(sd_journal *j, StrBuf *out, const ShortValues *v) {
        size_t start = out->len, indent, total, mlen, newlines = 0, prefix;
        ShortField ident = v->have[SHORT_IDENTIFIER] ? SHORT_IDENTIFIER : SHORT_COMM;
        ShortField pid = v->have[SHORT_PID] ? SHORT_PID : SHORT_SYSLOG_PID;
        uint64_t realtime;
        char ts[16], *p;
        const char *m;
        int r;

        if (!v->have[SHORT_SOURCE_REALTIME] ||
            !parse_source_realtime(out->data + v->off[SHORT_SOURCE_REALTIME], v->len[SHORT_SOURCE_REALTIME],
                                   &realtime)) {
                r = sd_journal_get_realtime_usec(j, &realtime);
                if (r < 0)
                        return r;
        }
        format_syslog_time(realtime, ts);

        /* prefix: what journalctl counts for the indent; "unknown" is printed but not counted. */
        prefix = 15;
        if (v->have[SHORT_HOSTNAME])
                prefix += 1 + v->len[SHORT_HOSTNAME];
        if (v->have[ident])
                prefix += 1 + v->len[ident];
        if (v->have[pid])
                prefix += 2 + v->len[pid];
        indent = prefix + 2;

        mlen = v->len[SHORT_MESSAGE];
        m = out->data + v->off[SHORT_MESSAGE];
        if (mlen > 0 && m[mlen - 1] == '\n')
                mlen--;
        for (const char *q = m; (q = memchr(q, '\n', mlen - (size_t) (q - m))); q++)
                newlines++;

        total = indent + (v->have[ident] ? 0 : STRLEN(" unknown")) + mlen + newlines * indent;
        r = strbuf_reserve(out, total);
        if (r < 0)
                return r;

        /* The line is built after the copies, then moved to the front of out. */
        p = out->data + start;
        p = put(p, ts, 15);
        if (v->have[SHORT_HOSTNAME]) {
                *p++ = ' ';
                p = put(p, out->data + v->off[SHORT_HOSTNAME], v->len[SHORT_HOSTNAME]);
        }
        if (v->have[ident]) {
                *p++ = ' ';
                p = put(p, out->data + v->off[ident], v->len[ident]);
        } else
                p = put(p, " unknown", STRLEN(" unknown"));
        if (v->have[pid]) {
                *p++ = '[';
                p = put(p, out->data + v->off[pid], v->len[pid]);
                *p++ = ']';
        }
        p = put(p, ": ", 2);

        m = out->data + v->off[SHORT_MESSAGE];
        for (size_t i = 0; i < mlen;) {
                const char *nl = memchr(m + i, '\n', mlen - i);
                size_t ll = nl ? (size_t) (nl - (m + i)) : mlen - i;

                p = put(p, m + i, ll);
                i += ll;
                if (!nl)
                        break;
                *p++ = '\n';
                memset(p, ' ', indent);
                p += indent;
                i++;
        }

        memmove(out->data, out->data + start, total);
        out->len = total;
        out->data[total] = 0;
        return 0;
}

static int format_short(sd_journal *j, StrBuf *out) {
        ShortValues v = {};
        int r;

        r = short_collect(j, out, &v);
        if (r < 0)
                return r;
        if (!v.have[SHORT_MESSAGE])
                return -ENODATA;
        return short_render(j, out, &v);
}

static int format_message(sd_journal *j, StrBuf *out) {
        const void *d;
        size_t l;
        int r;

        r = sd_journal_get_data(j, "MESSAGE", &d, &l);
        if (r == -ENOENT)
                return -ENODATA;
        if (r < 0)
                return r;
        if (l < STRLEN("MESSAGE="))
                return -EBADMSG;
        return strbuf_append(out, (const char *) d + STRLEN("MESSAGE="), l - STRLEN("MESSAGE="));
}

int journal_format_entry(sd_journal *j, JournalFormat format, char *const *fields, StrBuf *out) {
        strbuf_reset(out);

        switch (format) {
        case JOURNAL_FORMAT_MESSAGE:
                return format_message(j, out);
        case JOURNAL_FORMAT_SHORT:
                return format_short(j, out);
        case JOURNAL_FORMAT_JSON:
                return journal_format_json(j, fields, out);
        }
        return -EINVAL;
}
