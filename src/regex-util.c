/* SPDX-License-Identifier: MIT */
/*
 * Compiles user patterns with the options every consumer shares (see regex-util.h).
 * Does not match; callers own their match data.
 */

#include "regex-util.h"

int regex_compile(const char *pattern, pcre2_code **ret, char **ret_error) {
        PCRE2_UCHAR msg[256];
        PCRE2_SIZE offset = 0;
        pcre2_code *code;
        int err = 0;

        if (!pattern || !ret)
                return -EINVAL;
        code = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                             &err, &offset, NULL);
        if (!code) {
                if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
                        (void) snprintf((char *) msg, sizeof(msg), "error %d", err);
                if (ret_error) {
                        char *m = NULL;

                        if (asprintf(&m, "%s at offset %zu", (const char *) msg, (size_t) offset) < 0)
                                return -ENOMEM;
                        free(*ret_error);
                        *ret_error = m;
                }
                return -EINVAL;
        }
        *ret = code;
        return 0;
}
