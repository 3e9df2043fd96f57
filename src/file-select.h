/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Which file of a `file = ` glob to follow. The old agent followed the newest file (by
 * modification time) and moved to a newer one after finishing the old. cwlogd does the same,
 * but after a file is finished it continues with the *oldest file newer than it*, so files
 * rotated while cwlogd was stopped or busy are read too, in order. Compressed rotations
 * (.gz .bz2 .xz .zst .lz4 .zip) and non-regular files are never candidates.
 */

#include <sys/stat.h>

#include "fingerprint.h"

typedef struct FileCandidate {
        char *path;
        struct stat st;
} FileCandidate;

/* All regular, non-compressed matches, sorted oldest first (mtime, then name). */
int file_select_glob(const char *pattern, FileCandidate **ret, size_t *ret_n);
void file_candidates_free(FileCandidate *c, size_t n);

/* The newest candidate, or NULL. */
const FileCandidate *file_select_newest(const FileCandidate *c, size_t n);
/* The oldest candidate newer than `after` (mtime), other than (dev, ino); or NULL. */
const FileCandidate *file_select_next(const FileCandidate *c, size_t n, const struct timespec *after, dev_t dev,
                                      ino_t ino);
/* The candidate with this identity, or NULL. */
const FileCandidate *file_select_by_id(const FileCandidate *c, size_t n, dev_t dev, ino_t ino);
/* The candidate whose fingerprint (lines first..last) is fp, or NULL. */
const FileCandidate *file_select_by_fingerprint(const FileCandidate *c, size_t n, unsigned first, unsigned last,
                                                const char *fp);
