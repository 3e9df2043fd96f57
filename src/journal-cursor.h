/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Reading journal cursors ("s=…;i=…;b=…;m=…;t=…;x=…") without a journal, so a saved
 * position can be sanity-checked and its time quoted in messages before seeking. Pure.
 * Cursors are opaque to sd-journal's users in principle; this only reads the documented
 * fields and treats anything unexpected as invalid.
 */

#include "shared/macro.h"

typedef struct JournalCursor {
        char seqnum_id[33]; /* "s=", 32 hex digits */
        char boot_id[33];   /* "b=" */
        uint64_t seqnum;    /* "i=" */
        uint64_t monotonic; /* "m=", usec */
        uint64_t realtime;  /* "t=", usec */
        uint64_t xor_hash;  /* "x=" */
} JournalCursor;

/* -EINVAL unless s has every one of s, i, b, m, t, x in valid form (unknown keys allowed). */
int journal_cursor_parse(const char *s, JournalCursor *ret);
