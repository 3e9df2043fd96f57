/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Checked number and value parsing. Every function rejects empty input, trailing
 * garbage, signs where none belong and overflow with -EINVAL or -ERANGE, and writes
 * its output only on success. Use these, never the C library's unchecked conversions.
 */

#include "macro.h"

int safe_atou64(const char *s, uint64_t *ret);
int safe_atoi64(const char *s, int64_t *ret);
int safe_atou(const char *s, unsigned *ret);
int safe_atoi(const char *s, int *ret);
/* Base 16 without prefix. */
int safe_atox64(const char *s, uint64_t *ret);
/* "1", "yes", "true", "on" / "0", "no", "false", "off" (case-insensitive). */
int parse_boolean(const char *s);
/* Strip leading and trailing whitespace in place; returns s advanced past the leading part. */
char *strstrip(char *s);
/* Levenshtein distance, for "did you mean" hints. */
unsigned string_distance(const char *a, const char *b);
/* Splits s on any of the separator characters, dropping empty words; NULL-terminated. */
int strv_split(const char *s, const char *separators, char ***ret);
size_t strv_length(char *const *l);
/* Appends a copy of s. */
int strv_extend(char ***l, const char *s);
