/* SPDX-License-Identifier: MIT */
/*
 * A stream's batches: their lifetime, the stream's retry and in-flight lists, and the
 * PutLogEvents call of one batch, whose JSON body the payload worker builds from the
 * batch's records (stream.c decides what happens to them).
 */

#include "cw-limits.h"
#include "shipper-private.h"

void batch_put_args_done(Batch *b) {
        b->put_group = mfree(b->put_group);
        b->put_stream = mfree(b->put_stream);
        b->put_token = mfree(b->put_token);
}

Batch *batch_free(Batch *b, bool settle) {
        if (!b)
                return NULL;
        /* First: the body may be being built from the records. */
        cw_call_cancel(b->call);
        batch_put_args_done(b);
        for (size_t i = 0; i < b->n; i++)
                if (settle)
                        record_settle(b->records[i]);
                else
                        record_abandon(b->records[i]);
        free(b->records);
        free(b);
        return NULL;
}

int batch_new(Stream *st, size_t capacity, Batch **ret) {
        Batch *b;

        b = calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        b->records = malloc(sizeof(Record *) * MAX(capacity, (size_t) 1));
        if (!b->records) {
                free(b);
                return -ENOMEM;
        }
        b->stream = st;
        *ret = b;
        return 0;
}

/* Puts a batch back to be sent again, in the order the stream cut its batches (requests
 * in flight together come back in any order), after any batch of the same sequence: the
 * halves of a bisected batch keep their order. */
void stream_requeue(Stream *st, Batch *b) {
        Batch **p = &st->retry_head;

        while (*p && (*p)->seq <= b->seq)
                p = &(*p)->next;
        b->next = *p;
        *p = b;
        if (!b->next)
                st->retry_tail = b;
}

Batch *stream_dequeue_retry(Stream *st) {
        Batch *b = st->retry_head;

        if (b) {
                st->retry_head = b->next;
                if (!st->retry_head)
                        st->retry_tail = NULL;
                b->next = NULL;
        }
        return b;
}

void stream_flying_remove(Stream *st, Batch *b) {
        for (Batch **p = &st->flying; *p; p = &(*p)->next)
                if (*p == b) {
                        *p = b->next;
                        b->next = NULL;
                        return;
                }
}

/* On the payload worker's thread: reads only the batch's records and its put_* copies, which
 * stay unchanged while the request is being prepared. */
static int build_put_body(StrBuf *body, void *data) {
        const Batch *b = data;

        return cw_build_put_log_events(body, b->put_group, b->put_stream, b->records, b->n, b->put_token);
}

int batch_call_put(Batch *b, CwClient *cw, const char *group, const char *stream, const char *token,
                   CwCallback cb) {
        size_t room;
        int r;

        batch_put_args_done(b);
        b->put_group = strdup(group);
        b->put_stream = strdup(stream);
        b->put_token = token ? strdup(token) : NULL;
        if (!b->put_group || !b->put_stream || (token && !b->put_token)) {
                batch_put_args_done(b);
                return -ENOMEM;
        }
        room = cw_put_log_events_estimate(b->put_group, b->put_stream, b->put_token, b->n,
                                          b->bytes - b->n * CW_EVENT_OVERHEAD);
        r = cw_client_call_build(cw, "PutLogEvents", build_put_body, b, room, cb, b, &b->call);
        if (r < 0)
                batch_put_args_done(b);
        return r;
}
