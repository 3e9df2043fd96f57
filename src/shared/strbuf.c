/* SPDX-License-Identifier: MIT */
/* Growable buffer with a cap; see strbuf.h. Grows geometrically, never beyond the cap. */

#include <stdarg.h>

#include "strbuf.h"

void strbuf_init(StrBuf *b, size_t cap) {
        *b = (StrBuf) { .cap = cap };
}

void strbuf_done(StrBuf *b) {
        free(b->data);
        *b = (StrBuf) { .cap = b->cap };
}

void strbuf_reset(StrBuf *b) {
        b->len = 0;
        if (b->data)
                b->data[0] = 0;
}

int strbuf_reserve(StrBuf *b, size_t extra) {
        size_t cap = b->cap ?: SIZE_MAX - 1, need, n;
        char *p;

        if (extra > cap || b->len > cap - extra)
                return -ENOBUFS;
        need = b->len + extra + 1;
        if (need <= b->allocated)
                return 0;
        n = MAX(need, MAX(b->allocated * 2, (size_t) 64));
        n = MIN(n, cap + 1);
        p = realloc(b->data, n);
        if (!p)
                return -ENOMEM;
        if (!b->data)
                p[0] = 0; /* the content is always a string, even before the first append */
        b->data = p;
        b->allocated = n;
        return 0;
}

int strbuf_append(StrBuf *b, const void *p, size_t n) {
        int r;

        r = strbuf_reserve(b, n);
        if (r < 0)
                return r;
        if (n > 0)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = 0;
        return 0;
}

int strbuf_puts(StrBuf *b, const char *s) {
        return strbuf_append(b, s, strlen(s));
}

int strbuf_putc(StrBuf *b, char c) {
        return strbuf_append(b, &c, 1);
}

int strbuf_printf(StrBuf *b, const char *fmt, ...) {
        va_list ap;
        int n, r;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        r = strbuf_reserve(b, (size_t) n);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        (void) vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
        return 0;
}

char *strbuf_steal(StrBuf *b, size_t *ret_len) {
        char *s;

        if (!b->data && strbuf_reserve(b, 0) < 0)
                return NULL;
        s = TAKE_PTR(b->data);
        if (ret_len)
                *ret_len = b->len;
        b->len = b->allocated = 0;
        return s;
}

int set_error_messagev(char **ret, int error, const char *fmt, va_list ap) {
        char *m;

        if (!ret)
                return -abs(error);
        if (vasprintf(&m, fmt, ap) < 0)
                return -ENOMEM;
        free(*ret);
        *ret = m;
        return -abs(error);
}

int set_error_message(char **ret, int error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_error_messagev(ret, error, fmt, ap);
        va_end(ap);
        return r;
}
