/* SPDX-License-Identifier: MIT */
/*
 * Multi-line grouping (see multiline.h). The pending event lives in one capped buffer; when it
 * completes, the buffers are swapped so the completed text stays valid until the next call
 * while the next event accumulates, and no allocation happens per event in the steady state.
 * Regexes are compiled once (JIT when available) with a match limit, so a pathological
 * pattern costs bounded time per line and simply does not match.
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "datetime.h"
#include "cw-limits.h"
#include "multiline.h"
#include "shared/strbuf.h"

struct Multiline {
        pcre2_code *re;
        pcre2_match_data *md;
        pcre2_match_context *mctx;
        char *datetime_format; /* may be NULL */
        bool start_by_datetime;
        bool utc;
        size_t max_size;

        StrBuf pending, done;
        bool have_pending, truncated;
        unsigned lines;
        uint64_t start, end;
        int64_t timestamp_ms;

        bool have_last_time;
        int64_t last_time_ms; /* last successfully parsed event time */
};

static int compile_pattern(Multiline *m, const char *pattern, char **ret_error) {
        PCRE2_UCHAR msg[256];
        PCRE2_SIZE offset;
        int code;

        m->re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
        if (!m->re) {
                (void) pcre2_get_error_message(code, msg, sizeof msg);
                if (ret_error && asprintf(ret_error, "multi_line_start_pattern '%s': %s at offset %zu",
                                          pattern, (const char *) msg, (size_t) offset) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        (void) pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE); /* the interpreter is the fallback */
        m->md = pcre2_match_data_create_from_pattern(m->re, NULL);
        m->mctx = pcre2_match_context_create(NULL);
        if (!m->md || !m->mctx)
                return -ENOMEM;
        (void) pcre2_set_match_limit(m->mctx, MULTILINE_MATCH_LIMIT);
        return 0;
}

int multiline_new(const char *pattern, const char *datetime_format, bool utc, size_t max_size,
                  Multiline **ret, char **ret_error) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        int r;

        if (max_size <= STRLEN(CW_TRUNCATED_SUFFIX))
                return -EINVAL;
        m = calloc(1, sizeof(Multiline));
        if (!m)
                return -ENOMEM;
        m->utc = utc;
        m->max_size = max_size;
        strbuf_init(&m->pending, max_size);
        strbuf_init(&m->done, max_size);
        if (datetime_format) {
                r = datetime_format_validate(datetime_format, ret_error);
                if (r < 0)
                        return r;
                m->datetime_format = strdup(datetime_format);
                if (!m->datetime_format)
                        return -ENOMEM;
        }
        if (pattern && streq(pattern, MULTILINE_DATETIME_PATTERN)) {
                if (!datetime_format) {
                        if (ret_error)
                                *ret_error = strdup("multi_line_start_pattern {datetime_format} needs datetime_format");
                        return -EINVAL;
                }
                m->start_by_datetime = true;
        } else {
                r = compile_pattern(m, pattern ?: MULTILINE_DEFAULT_PATTERN, ret_error);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

Multiline *multiline_free(Multiline *m) {
        if (!m)
                return NULL;
        pcre2_match_data_free(m->md);
        pcre2_match_context_free(m->mctx);
        pcre2_code_free(m->re);
        free(m->datetime_format);
        strbuf_done(&m->pending);
        strbuf_done(&m->done);
        return mfree(m);
}

bool multiline_is_start(Multiline *m, const char *line, size_t len) {
        if (m->start_by_datetime)
                return datetime_parse(m->datetime_format, line, len, m->utc, NULL, NULL) >= 0;
        return pcre2_match(m->re, (PCRE2_SPTR) line, len, 0, 0, m->md, m->mctx) >= 0;
}

/* Largest n' <= n that does not end inside a UTF-8 sequence. */
static size_t utf8_boundary(const char *s, size_t n) {
        size_t i = n, need;
        unsigned char b;

        while (i > 0 && n - i < 3 && ((unsigned char) s[i - 1] & 0xc0) == 0x80)
                i--;
        if (i == 0)
                return n;
        b = (unsigned char) s[i - 1];
        need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        return n - (i - 1) >= need ? n : i - 1;
}

/* Appends as much of p as the cap allows, cut on a UTF-8 boundary; flags truncation. */
static int append_capped(Multiline *m, const char *p, size_t n) {
        /* room for the "[truncated]" suffix stays free */
        size_t room = m->max_size - STRLEN(CW_TRUNCATED_SUFFIX) - m->pending.len, take = n;

        if (m->truncated)
                return 0;
        if (take > room) {
                take = utf8_boundary(p, room);
                m->truncated = true;
        }
        return strbuf_append(&m->pending, p, take);
}

static int64_t event_time(Multiline *m, const char *line, size_t len, int64_t now_ms) {
        int64_t t;

        if (m->datetime_format && datetime_search(m->datetime_format, line, len, m->utc, now_ms, &t) >= 0) {
                m->have_last_time = true;
                m->last_time_ms = t;
                return t;
        }
        return m->have_last_time ? m->last_time_ms : now_ms;
}

void multiline_mark_truncated(Multiline *m) {
        if (m->have_pending)
                m->truncated = true;
}

int multiline_flush(Multiline *m, MultilineEvent *ret) {
        StrBuf t;
        int r;

        if (!m->have_pending)
                return 0;
        if (m->truncated) {
                r = strbuf_append(&m->pending, CW_TRUNCATED_SUFFIX, STRLEN(CW_TRUNCATED_SUFFIX));
                if (r < 0)
                        return r;
        }
        t = m->done;
        m->done = m->pending;
        m->pending = t;
        strbuf_reset(&m->pending);
        *ret = (MultilineEvent) {
                .timestamp_ms = m->timestamp_ms,
                .message = m->done.data ?: "",
                .size = m->done.len,
                .truncated = m->truncated,
                .lines = m->lines,
                .start = m->start,
                .end = m->end,
        };
        m->have_pending = m->truncated = false;
        m->lines = 0;
        return 1;
}

int multiline_push_line(Multiline *m, const char *line, size_t len, uint64_t start, uint64_t end,
                        int64_t now_ms, MultilineEvent *ret) {
        int completed = 0, r;

        if (m->have_pending && multiline_is_start(m, line, len))
                completed = multiline_flush(m, ret);

        if (!m->have_pending) {
                m->have_pending = true;
                m->start = start;
                m->timestamp_ms = event_time(m, line, len, now_ms);
        } else {
                r = append_capped(m, "\n", 1);
                if (r < 0)
                        return r;
        }
        r = append_capped(m, line, len);
        if (r < 0)
                return r;
        m->lines++;
        m->end = end;
        return completed;
}

bool multiline_pending(const Multiline *m) {
        return m->have_pending;
}

uint64_t multiline_pending_start(const Multiline *m) {
        return m->start;
}

void multiline_reset(Multiline *m) {
        strbuf_reset(&m->pending);
        m->have_pending = m->truncated = m->have_last_time = false;
        m->lines = 0;
}
