/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Test helper: builds entries in Journal Export Format and turns them into a real journal
 * file with systemd-journal-remote. Monotonic time is derived from realtime and every entry
 * has the same boot ID, so files written separately interleave in time order. Aborts on
 * allocation failure (tests only).
 */

#include "shared/strbuf.h"

#define JWRITER_BOOT_ID "0123456789abcdef0123456789abcdef"

typedef struct JWriter {
        StrBuf buf;
        unsigned entries;
} JWriter;

void jwriter_init(JWriter *w);
void jwriter_done(JWriter *w);
/* Starts a new entry at realtime_usec. */
void jwriter_entry(JWriter *w, uint64_t realtime_usec);
/* Adds NAME=VALUE; values with newlines or other control bytes go binary. */
void jwriter_field(JWriter *w, const char *name, const char *value);
void jwriter_field_binary(JWriter *w, const char *name, const void *data, size_t size);
/* One entry with MESSAGE=message and any further "NAME=VALUE" strings, NULL terminated. */
void jwriter_simple(JWriter *w, uint64_t realtime_usec, const char *message, ...);
/* Writes the buffered entries to path (must end in ".journal"), then empties the buffer. */
int jwriter_write(JWriter *w, const char *path);
