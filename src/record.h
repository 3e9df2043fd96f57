/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One log event on its way to CloudWatch: a valid, non-empty UTF-8 message that fits the
 * event limit, its timestamp, and the ack chunk to settle when it is accepted or dropped.
 * Allocated once with the message inline.
 */

#include "ack.h"
#include "cw-limits.h"

typedef struct Record {
        struct Record *next; /* queue link, owned by whoever holds the record */
        AckChunk *chunk;     /* may be NULL (tests) */
        int64_t timestamp_ms;
        uint32_t size;      /* message bytes, excluding the NUL */
        char message[];     /* NUL terminated */
} Record;

/* The bytes PutLogEvents counts for this event. */
static inline uint64_t record_cost(const Record *r) {
        return (uint64_t) r->size + CW_EVENT_OVERHEAD;
}

/* Copies message (which must already be valid UTF-8 within limits). */
int record_new(int64_t timestamp_ms, const char *message, size_t size, AckChunk *chunk, Record **ret);
/* Frees without settling the chunk. Accepts NULL, returns NULL. */
Record *record_free(Record *r);
/* Settles the record's chunk (accepted or dropped) and frees it. */
void record_settle(Record *r);
/* The record will never be delivered: frees it, and its source commits nothing from now on. */
void record_abandon(Record *r);
