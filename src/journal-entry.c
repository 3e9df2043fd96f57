/* SPDX-License-Identifier: MIT */
/*
 * Field access and message formatting for the current journal entry; see journal-entry.h.
 *
 * The journal's data threshold is set to 0 by the source, so values arrive whole however
 * large they are; the only cut is the caller's StrBuf cap (values are copied up to it, never
 * rejected for being large).
 */

#include "journal-entry.h"
#include "journal-format.h"
#include "cw-limits.h"
#include "shared/log.h"

int journal_entry_field(sd_journal *j, const char *field, const void **ret, size_t *ret_size) {
        size_t flen = strlen(field), size;
        const void *data;
        int r;

        r = sd_journal_get_data(j, field, &data, &size);
        if (r < 0)
                return r;
        if (size <= flen || ((const char *) data)[flen] != '=')
                return -EBADMSG;
        *ret = (const char *) data + flen + 1;
        *ret_size = size - flen - 1;
        return 0;
}

/* Appends as much of p as fits under b's cap: large values are cut, not refused. */
static int append_capped(StrBuf *b, const void *p, size_t n) {
        size_t room = b->cap > 0 ? b->cap - MIN(b->cap, b->len) : n;

        return strbuf_append(b, p, MIN(n, room));
}

int journal_entry_field_string(sd_journal *j, const char *field, StrBuf *out) {
        const void *v;
        size_t n;
        int r;

        strbuf_reset(out);
        r = journal_entry_field(j, field, &v, &n);
        if (r < 0)
                return r;
        /* Appending even 0 bytes allocates, so out->data is a string afterwards. */
        return append_capped(out, v, n);
}

int journal_entry_timestamp_ms(sd_journal *j, int64_t *ret) {
        uint64_t usec;
        int r;

        /* The same rule as journal_format's "short" (SPEC §4): the source's time if valid. */
        r = journal_entry_realtime(j, &usec);
        if (r < 0)
                return r;
        *ret = (int64_t) (usec / USEC_PER_MSEC);
        return 0;
}

int journal_entry_format(sd_journal *j, const SectionConfig *c, StrBuf *out) {
        const void *v;
        size_t n;
        int r;

        if (c->journal_format == JOURNAL_FORMAT_MESSAGE) {
                /* Only as much as can be shipped: event_prepare() cuts it further. */
                strbuf_reset(out);
                r = journal_entry_field(j, "MESSAGE", &v, &n);
                if (r < 0)
                        return r;
                return append_capped(out, v, n);
        }

        out->cap = JOURNAL_FORMAT_OUTPUT_MAX;
        r = journal_format_entry(j, c->journal_format, c->journal_fields, out);
        if (r == -ENOBUFS) {
                /* An entry whose formatted form is larger than we are willing to build:
                 * ship its message rather than nothing. */
                log_debug("Journal entry too large to format (> %u bytes), shipping its MESSAGE.",
                          JOURNAL_FORMAT_OUTPUT_MAX);
                out->cap = JOURNAL_MESSAGE_READ_MAX;
                strbuf_reset(out);
                r = journal_entry_field(j, "MESSAGE", &v, &n);
                if (r < 0)
                        return r;
                return append_capped(out, v, n);
        }
        if (r == -ENODATA)
                return -ENOENT; /* nothing to show, like journalctl */
        return r;
}

bool journal_entry_format_supported(const SectionConfig *c) {
        return c->journal_format == JOURNAL_FORMAT_MESSAGE || c->journal_format == JOURNAL_FORMAT_SHORT ||
               c->journal_format == JOURNAL_FORMAT_JSON;
}

/* If d[0..l) is "NAME=value", points *v at the value. */
static bool field_is(const void *d, size_t l, const char *name, size_t name_len, const char **v, size_t *n) {
        if (l <= name_len || memcmp(d, name, name_len) != 0)
                return false;
        *v = (const char *) d + name_len;
        *n = l - name_len;
        return true;
}

#define FIELD_IS(d, l, lit, v, n) field_is((d), (l), lit, STRLEN(lit), (v), (n))

/* Whether the value v[0..n) is exactly s; false when s is NULL. */
static bool value_equals(const char *v, size_t n, const char *s) {
        return s && n == strlen(s) && memcmp(v, s, n) == 0;
}

int journal_entry_scan(sd_journal *j, JournalEntryScan *e) {
        const void *d;
        const char *v;
        size_t l, n;
        bool have_pid = false;
        int r;

        e->have_message = e->have_unit = e->have_identifier = false;
        e->pid_is_own = e->unit_is_own = e->have_source_realtime = false;
        sd_journal_restart_data(j);
        while ((r = sd_journal_enumerate_available_data(j, &d, &l)) > 0) {
                const char first = *(const char *) d;

                if (first == 'M' && e->message && !e->have_message && FIELD_IS(d, l, "MESSAGE=", &v, &n)) {
                        strbuf_reset(e->message);
                        r = append_capped(e->message, v, n);
                        if (r < 0)
                                return r;
                        e->have_message = true;
                } else if (first == 'S' && e->identifier && !e->have_identifier &&
                           FIELD_IS(d, l, "SYSLOG_IDENTIFIER=", &v, &n)) {
                        strbuf_reset(e->identifier);
                        r = append_capped(e->identifier, v, n);
                        if (r < 0)
                                return r;
                        e->have_identifier = true;
                } else if (first != '_')
                        continue;
                else if (!e->have_unit && FIELD_IS(d, l, "_SYSTEMD_UNIT=", &v, &n)) {
                        e->have_unit = true;
                        e->unit_is_own = value_equals(v, n, e->own_unit);
                        if (!e->unit)
                                continue;
                        strbuf_reset(e->unit);
                        r = append_capped(e->unit, v, n);
                        if (r < 0)
                                return r;
                } else if (e->own_pid && !have_pid && FIELD_IS(d, l, "_PID=", &v, &n)) {
                        have_pid = true;
                        e->pid_is_own = value_equals(v, n, e->own_pid);
                } else if (!e->have_source_realtime && FIELD_IS(d, l, "_SOURCE_REALTIME_TIMESTAMP=", &v, &n))
                        e->have_source_realtime = journal_parse_source_realtime(v, n, &e->source_realtime);
        }
        return r;
}
