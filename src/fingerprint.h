/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A file's fingerprint (awslogs file_fingerprint_lines): SHA-256, in hex, of the raw bytes of
 * lines first..last (1-based, inclusive) including their newlines. It recognises a file
 * across rotation and restarts as a cross-check of device+inode (which are reused).
 *
 * Until the file has `last` complete lines there is no fingerprint (-ENODATA), as with the old
 * agent. Lines are read up to FINGERPRINT_READ_MAX bytes from the start; if the range does not
 * end within that, the first FINGERPRINT_READ_MAX bytes are hashed instead (the start of a log
 * file does not change, so that is just as stable).
 */

#include "shared/macro.h"

#define FINGERPRINT_HEX_SIZE 65

/* Reads with pread() from offset 0; the fd's position is untouched. */
int fingerprint_file(int fd, unsigned first, unsigned last, char ret[static FINGERPRINT_HEX_SIZE]);
/* The same over a file's first n bytes already in memory; -ENODATA if they do not contain the
 * lines (and n < FINGERPRINT_READ_MAX). */
int fingerprint_data(const char *data, size_t n, unsigned first, unsigned last,
                     char ret[static FINGERPRINT_HEX_SIZE]);
