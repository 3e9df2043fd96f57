/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Whole-file reads with a size cap, and atomic replacement of small state files
 * (temp file in the same directory, fsync, rename, fsync of the directory), so a
 * crash leaves either the old or the new content, never a torn one.
 */

#include "macro.h"

/* Reads the whole file, failing with -EFBIG beyond max_size. Result NUL terminated. */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
/* Atomically replaces path with content (mode 0644). On failure the old file is untouched
 * and the temp file removed. */
int write_file_atomic(const char *path, const void *content, size_t size);
