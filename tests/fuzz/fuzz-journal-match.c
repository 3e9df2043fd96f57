/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer entry point: arbitrary text as journal_match, journal_priority, journal_unit
 * and log_stream_name values. The pure parsers must never crash; accepted values must be
 * usable (priority ranges ordered and in 0..7, mangled units end in a unit suffix,
 * rendered stream names are non-empty, valid length, free of ':' and '*').
 *
 * Not wired into meson yet; built and run by hand from the source root with:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -iquote src \
 *         FUZZER.c src/config.c src/config-{encoding,keys,section,values}.c \
 *         src/journal-match.c src/regex-util.c src/stream-name.c \
 *         src/shared/{fileio,log,parse-util,strbuf,time-util}.c -lsystemd -lpcre2-8 -o fuzzer
 *   ./fuzzer -max_total_time=30 corpus-dir tests/fuzz/seeds/<config|journal-match>
 */

#include "journal-match.h"
#include "cw-limits.h"
#include "stream-name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const HostFacts host = { "i-0abc", "host", "10.0.0.1", "m", "b" };
        _cleanup_free_ char *text = NULL, *err = NULL, *unit = NULL, *name = NULL;
        int lo, hi;

        if (size > 16 * 1024)
                return 0;
        text = strndup((const char *) data, size);
        if (!text)
                return 0;

        if (journal_match_validate(text, &err) == -EINVAL && !err)
                abort();
        if (journal_priority_parse(text, &lo, &hi) >= 0 && (lo < 0 || hi > 7 || lo > hi))
                abort();
        if (journal_unit_name_mangle(text, &unit) >= 0 && (!strchr(unit, '.') || strlen(unit) > UNIT_NAME_MAX))
                abort();
        if (stream_name_render(text, &host, text, NULL, &name) >= 0) {
                size_t l = strlen(name);

                if (l == 0 || l > CW_MAX_STREAM_NAME || strpbrk(name, ":*"))
                        abort();
                if (stream_template_validate(text, NULL) < 0)
                        abort();
        }
        return 0;
}
