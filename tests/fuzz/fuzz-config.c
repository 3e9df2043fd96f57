/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer entry point: arbitrary bytes as a configuration file. Checks that parsing
 * never crashes or leaks, that a failure always comes with a "t.conf:" message, and that
 * a success gives sections that compare equal to themselves and have state names.
 *
 * Not wired into meson yet; built and run by hand from the source root with:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -iquote src \
 *         FUZZER.c src/config.c src/config-{encoding,keys,section,values}.c \
 *         src/journal-match.c src/regex-util.c src/stream-name.c \
 *         src/shared/{fileio,log,parse-util,strbuf,time-util}.c -lsystemd -lpcre2-8 -o fuzzer
 *   ./fuzzer -max_total_time=30 corpus-dir tests/fuzz/seeds/<config|journal-match>
 */

#include "config.h"
#include "shared/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        Config *c = NULL;
        int r;

        if (size > 64 * 1024)
                return 0;
        text = strndup((const char *) data, size); /* the string API stops at a NUL, as files are refused */
        if (!text)
                return 0;
        r = config_parse_string("t.conf", text, &c, &err);
        if (r < 0) {
                if (r == -ECONFIG && (!err || strncmp(err, "t.conf:", 7) != 0))
                        abort();
                return 0;
        }
        for (size_t i = 0; i < c->n_sections; i++) {
                _cleanup_free_ char *state = section_state_name(c->sections[i]);

                if (!section_config_equal(c->sections[i], c->sections[i]) || !state || strchr(state, '/') ||
                    config_find_section(c, c->sections[i]->name) != c->sections[i])
                        abort();
        }
        config_free(c);
        return 0;
}
