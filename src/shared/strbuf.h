/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A growable byte buffer with a hard cap. Appends past the cap fail with -ENOBUFS and
 * leave the buffer unchanged, so every caller must decide what "too big" means.
 * The content is always NUL terminated (the terminator is not counted in len).
 */

#include <stdarg.h>

#include "macro.h"

typedef struct StrBuf {
        char *data;
        size_t len;
        size_t allocated;
        size_t cap; /* maximum len; 0 means SIZE_MAX */
} StrBuf;

#define STRBUF_INIT(c) { .cap = (c) }

void strbuf_init(StrBuf *b, size_t cap);
void strbuf_done(StrBuf *b);
void strbuf_reset(StrBuf *b);
int strbuf_reserve(StrBuf *b, size_t extra);
int strbuf_append(StrBuf *b, const void *p, size_t n);
int strbuf_puts(StrBuf *b, const char *s);
int strbuf_putc(StrBuf *b, char c);
int strbuf_printf(StrBuf *b, const char *fmt, ...) _printf_(2, 3);
/* Detaches the buffer: returns the string (never NULL on success), leaves b empty. */
char *strbuf_steal(StrBuf *b, size_t *ret_len);

/* Formats a message into *ret (replacing what was there) and returns -error; for the pure
 * modules that hand their errors back as text. ret may be NULL (nothing is formatted).
 * Returns -ENOMEM if the message cannot be built. */
int set_error_message(char **ret, int error, const char *fmt, ...) _printf_(3, 4);
int set_error_messagev(char **ret, int error, const char *fmt, va_list ap) _printf_(3, 0);
