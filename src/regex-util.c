/* SPDX-License-Identifier: MIT */
/*
 * Compiles user patterns with the options every consumer shares (see regex-util.h).
 * Regex wraps a pattern with its match data for callers that only search.
 */

#include "cw-limits.h"
#include "regex-util.h"

struct Regex {
        pcre2_code *code;
        pcre2_match_data *md;
        pcre2_match_context *mctx;
};

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

Regex *regex_free(Regex *re) {
        if (!re)
                return NULL;
        pcre2_match_data_free(re->md);
        pcre2_match_context_free(re->mctx);
        pcre2_code_free(re->code);
        free(re);
        return NULL;
}

int regex_new(const char *pattern, Regex **ret, char **ret_error) {
        Regex *re;
        int r;

        re = calloc(1, sizeof *re);
        if (!re)
                return -ENOMEM;
        r = regex_compile(pattern, &re->code, ret_error);
        if (r < 0) {
                free(re);
                return r;
        }
        /* JIT is only a speed-up: it fails under MemoryDenyWriteExecute=yes, the interpreter works. */
        (void) pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
        re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
        re->mctx = pcre2_match_context_create(NULL);
        if (!re->md || !re->mctx) {
                regex_free(re);
                return -ENOMEM;
        }
        (void) pcre2_set_match_limit(re->mctx, MULTILINE_MATCH_LIMIT);
        *ret = re;
        return 0;
}

bool regex_search(Regex *re, const char *s, size_t n) {
        return pcre2_match(re->code, (PCRE2_SPTR) s, n, 0, 0, re->md, re->mctx) >= 0;
}
