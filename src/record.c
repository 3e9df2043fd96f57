/* SPDX-License-Identifier: MIT */
/* Record allocation; see record.h. */

#include "record.h"

int record_new(int64_t timestamp_ms, const char *message, size_t size, AckChunk *chunk, Record **ret) {
        Record *r;

        if (size > UINT32_MAX)
                return -E2BIG;
        r = malloc(sizeof(Record) + size + 1);
        if (!r)
                return -ENOMEM;
        r->next = NULL;
        r->chunk = chunk;
        r->timestamp_ms = timestamp_ms;
        r->size = (uint32_t) size;
        memcpy(r->message, message, size);
        r->message[size] = 0;
        *ret = r;
        return 0;
}

Record *record_free(Record *r) {
        free(r);
        return NULL;
}

void record_settle(Record *r) {
        if (!r)
                return;
        if (r->chunk)
                ack_chunk_done(r->chunk, 1);
        free(r);
}

void record_abandon(Record *r) {
        if (!r)
                return;
        if (r->chunk)
                ack_chunk_abandon(r->chunk, 1);
        free(r);
}
