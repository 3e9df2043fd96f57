/* SPDX-License-Identifier: MIT */
/* libFuzzer entry: the input's first line is a datetime_format, the rest a log line.
 * Build (not wired into meson):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -iquote src \
 *         tests/fuzz/fuzz-datetime.c src/datetime.c src/shared/time-util.c -o fuzz-datetime */

#include "datetime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *nl = memchr(data, '\n', size);
        size_t flen = nl ? (size_t) (nl - (const char *) data) : size;
        char *format, *error = NULL;
        const char *line = nl ? nl + 1 : "";
        size_t len = nl ? size - flen - 1 : 0, consumed;
        int64_t ms;

        format = strndup((const char *) data, flen);
        if (!format)
                return 0;
        if (datetime_format_validate(format, &error) >= 0) {
                if (datetime_parse_at(format, line, len, size & 1, 1717200000000LL, &ms, &consumed) >= 0 &&
                    consumed > len)
                        abort();
                (void) datetime_search(format, line, len, true, 1717200000000LL, &ms);
        }
        free(error);
        free(format);
        return 0;
}
