/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One way to compile the user's regular expressions (exclude_pattern,
 * multi_line_start_pattern), so the config check and the sources that use the pattern
 * agree on what is valid. PCRE2 in UTF mode that tolerates invalid UTF-8 in the subject
 * (journal messages and files may contain any bytes).
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "shared/macro.h"

/* On a bad pattern returns -EINVAL and sets *ret_error (may be NULL) to PCRE2's message
 * with the offset. */
int regex_compile(const char *pattern, pcre2_code **ret, char **ret_error);

static inline void pcre2_code_freep(pcre2_code **p) {
        if (*p)
                pcre2_code_free(*p);
}

/* A compiled pattern with its match data, for searching messages (exclude_pattern). JIT is
 * tried and silently skipped where it fails (MemoryDenyWriteExecute=yes); matching is capped
 * by MULTILINE_MATCH_LIMIT so a pathological pattern cannot stall the loop. */
typedef struct Regex Regex;

int regex_new(const char *pattern, Regex **ret, char **ret_error);
Regex *regex_free(Regex *re);
/* Whether the pattern matches anywhere in s[0..n) (like Python's re.search). */
bool regex_search(Regex *re, const char *s, size_t n);
