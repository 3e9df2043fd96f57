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
#include "shared/parse-util.h"

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
