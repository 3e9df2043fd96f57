/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer entry for cw_classify() and the JSON string escaper. Not built by meson; run:
 *
 *   clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -iquote src tests/fuzz/fuzz-cw-classify.c \
 *         src/cloudwatch.c src/cloudwatch-classify.c src/utf8.c src/shared/strbuf.c \
 *         $(pkg-config --cflags --libs jansson) -o fuzz-cw-classify
 *   ./fuzz-cw-classify -max_total_time=30 tests/fuzz/seeds/cw-classify
 *
 * Input layout: byte 0-1 pick the HTTP status (100..599), byte 2 bit 0 says whether an
 * x-amzn-RequestId is present; the rest is the body. Checks beyond "does not crash": the
 * outcome is in range, copied text is bounded valid UTF-8, and escaping the body yields a
 * JSON string that jansson reads back as the repaired body.
 */

#include <jansson.h>

#include "cloudwatch.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s) {
        if (s && (strlen(s) > CW_ERROR_TEXT_MAX || !utf8_is_valid(s, strlen(s))))
                abort();
}

static void check_escape(const char *body, size_t n) {
        StrBuf esc = STRBUF_INIT(0), want = STRBUF_INIT(0);
        json_t *j;

        if (strbuf_putc(&esc, '[') < 0 || json_append_string(&esc, body, n) < 0 || strbuf_putc(&esc, ']') < 0 ||
            utf8_append_repaired(&want, body, n) < 0)
                abort();
        j = json_loadb(esc.data, esc.len, JSON_ALLOW_NUL, NULL);
        if (!j || json_string_length(json_array_get(j, 0)) != want.len ||
            memcmp(json_string_value(json_array_get(j, 0)), want.data ?: "", want.len) != 0)
                abort();
        json_decref(j);
        strbuf_done(&esc);
        strbuf_done(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CwResult res;
        long status;
        const char *body;
        size_t n;

        if (size < 3)
                return 0;
        status = 100 + ((data[0] << 8) | data[1]) % 500;
        body = (const char *) data + 3;
        n = size - 3;

        if (cw_classify(status, data[2] & 1 ? "fuzz-request-id" : NULL, body, n, &res) < 0)
                abort();
        if (res.outcome >= _CW_OUTCOME_MAX || !cw_outcome_to_string(res.outcome))
                abort();
        check_text(res.error_type);
        check_text(res.error_message);
        cw_result_done(&res);

        check_escape(body, n);
        return 0;
}
