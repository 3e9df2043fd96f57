/* SPDX-License-Identifier: MIT */
/*
 * Field access and message formatting for the current journal entry; see journal-entry.h.
 *
 * The journal's data threshold is set to 0 by the source, so values arrive whole however
 * large they are; the only cut is the caller's StrBuf cap (values are copied up to it, never
 * rejected for being large).
 */

#include "journal-entry.h"
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
        char buf[32];
        uint64_t usec;
        const void *v;
        size_t n;
        int r;

        r = journal_entry_field(j, "_SOURCE_REALTIME_TIMESTAMP", &v, &n);
        if (r >= 0 && n > 0 && n < sizeof buf) {
                memcpy(buf, v, n);
                buf[n] = 0;
                if (safe_atou64(buf, &usec) >= 0 && usec > 0 && usec < (uint64_t) INT64_MAX) {
                        *ret = (int64_t) (usec / USEC_PER_MSEC);
                        return 0;
                }
        }

        r = sd_journal_get_realtime_usec(j, &usec);
        if (r < 0)
                return r;
        *ret = (int64_t) (usec / USEC_PER_MSEC);
        return 0;
}

int journal_entry_format(sd_journal *j, const SectionConfig *c, StrBuf *out) {
        const void *v;
        size_t n;
        int r;

        switch (c->journal_format) {
        case JOURNAL_FORMAT_MESSAGE:
                strbuf_reset(out);
                r = journal_entry_field(j, "MESSAGE", &v, &n);
                if (r < 0)
                        return r;
                return append_capped(out, v, n);
        case JOURNAL_FORMAT_SHORT:
        case JOURNAL_FORMAT_JSON:
        default:
                return -EOPNOTSUPP;
        }
}

bool journal_entry_format_supported(const SectionConfig *c) {
        return c->journal_format == JOURNAL_FORMAT_MESSAGE;
}
