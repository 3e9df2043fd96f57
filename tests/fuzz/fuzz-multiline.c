/* SPDX-License-Identifier: MIT */
/* libFuzzer entry: first line = multi_line_start_pattern ("-" for the default), second line =
 * datetime_format ("-" for none), the rest = log lines fed with a tiny event cap.
 * Build (not wired into meson):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -iquote src \
 *         tests/fuzz/fuzz-multiline.c src/multiline.c src/datetime.c src/shared/strbuf.c \
 *         src/shared/time-util.c -lpcre2-8 -o fuzz-multiline */

#include "multiline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *take_line(const char **p, const char *end) {
        const char *nl = memchr(*p, '\n', (size_t) (end - *p));
        const char *stop = nl ?: end;
        char *s = strndup(*p, (size_t) (stop - *p));

        *p = nl ? nl + 1 : end;
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *p = (const char *) data, *end = p + size;
        char *pattern = take_line(&p, end), *format = take_line(&p, end), *error = NULL;
        Multiline *m = NULL;
        MultilineEvent ev;
        uint64_t pos = 0;

        if (pattern && format &&
            multiline_new(streq(pattern, "-") ? NULL : pattern, streq(format, "-") ? NULL : format, size & 1,
                          64, &m, &error) >= 0) {
                while (p < end) {
                        const char *nl = memchr(p, '\n', (size_t) (end - p));
                        size_t l = nl ? (size_t) (nl - p) : (size_t) (end - p);

                        if (multiline_push_line(m, p, l, pos, pos + l + 1, 1717200000000LL, &ev) > 0 &&
                            (ev.size > 64 || strlen(ev.message) > ev.size))
                                abort();
                        pos += l + 1;
                        p += l + (nl != NULL);
                }
                if (multiline_flush(m, &ev) > 0 && ev.size > 64)
                        abort();
        }
        multiline_free(m);
        free(error);
        free(pattern);
        free(format);
        return 0;
}
