/* SPDX-License-Identifier: MIT */
/*
 * Ordered acknowledgement of source records; see ack.h.
 *
 * Chunks form a FIFO list. A chunk completes when it is sealed and its pending count is zero;
 * completion is only acted on from the head of the list, which is what makes commits ordered:
 * a later chunk that finishes first waits for every earlier one.
 */

#include "ack.h"

struct AckChunk {
        AckChunk *next;
        AckTracker *tracker;
        void *token;
        uint64_t pending;
        bool sealed;
};

struct AckTracker {
        unsigned n_ref; /* the source's reference + one per chunk */
        AckCommitFn commit;
        AckFreeFn free_token;
        void *userdata;
        AckChunk *head, *tail; /* tail may be the open chunk */
        AckChunk *open;
        unsigned open_records;
        uint64_t pending;
        bool abandoned; /* some record was given up: commit nothing any more */
        unsigned holds;  /* ack_chunk_hold() without release: flush later, once */
};

int ack_tracker_new(AckCommitFn commit, AckFreeFn free_token, void *userdata, AckTracker **ret) {
        AckTracker *t;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        *t = (AckTracker) { .n_ref = 1, .commit = commit, .free_token = free_token, .userdata = userdata };
        *ret = t;
        return 0;
}

static void tracker_unref(AckTracker *t) {
        if (--t->n_ref == 0)
                free(t);
}

static void tracker_flush(AckTracker *t);

static void chunk_free(AckChunk *c) {
        AckTracker *t = c->tracker;

        if (c->token && t->free_token)
                t->free_token(c->token);
        free(c);
        tracker_unref(t);
}

AckTracker *ack_tracker_detach(AckTracker *t) {
        if (!t)
                return NULL;
        t->commit = NULL;
        t->userdata = NULL;
        /* Seal what is open so that it, too, is freed once its records finish. */
        if (t->open) {
                t->open->sealed = true;
                t->open = NULL;
                t->open_records = 0;
        }
        tracker_flush(t);
        tracker_unref(t);
        return NULL;
}

static int chunk_append(AckTracker *t, AckChunk **ret) {
        AckChunk *c;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->tracker = t;
        t->n_ref++;
        if (t->tail)
                t->tail->next = c;
        else
                t->head = c;
        t->tail = c;
        *ret = c;
        return 0;
}

int ack_tracker_add_record(AckTracker *t, AckChunk **ret) {
        int r;

        if (!t->open) {
                r = chunk_append(t, &t->open);
                if (r < 0)
                        return r;
                t->open_records = 0;
        }
        t->open->pending++;
        t->open_records++;
        t->pending++;
        *ret = t->open;
        return 0;
}

/* Pops finished chunks off the head and commits the newest token among them. */
static void tracker_flush(AckTracker *t) {
        void *token = NULL;

        /* Keep a reference: freeing the last chunk must not free t under our feet. */
        t->n_ref++;
        while (t->head && t->head->sealed && t->head->pending == 0) {
                AckChunk *c = t->head;

                t->head = c->next;
                if (!t->head)
                        t->tail = NULL;
                if (token && t->free_token)
                        t->free_token(token);
                token = TAKE_PTR(c->token);
                chunk_free(c);
        }
        if (token) {
                if (t->commit && !t->abandoned)
                        t->commit(token, t->userdata);
                else if (t->free_token)
                        t->free_token(token);
        }
        tracker_unref(t);
}

int ack_tracker_seal(AckTracker *t, void *token) {
        int r;

        if (!t->open) {
                r = chunk_append(t, &t->open);
                if (r < 0) {
                        if (token && t->free_token)
                                t->free_token(token);
                        return r;
                }
        }
        t->open->token = token;
        t->open->sealed = true;
        t->open = NULL;
        t->open_records = 0;
        tracker_flush(t);
        return 0;
}

void ack_chunk_done(AckChunk *c, unsigned n) {
        AckTracker *t = c->tracker;

        n = (unsigned) MIN((uint64_t) n, c->pending);
        c->pending -= n;
        t->pending -= n;
        if (c->pending == 0 && c->sealed && t->head == c && t->holds == 0)
                tracker_flush(t);
}

AckTracker *ack_chunk_hold(AckChunk *c) {
        AckTracker *t = c->tracker;

        t->n_ref++;
        t->holds++;
        return t;
}

void ack_tracker_release(AckTracker *t) {
        if (!t)
                return;
        if (--t->holds == 0)
                tracker_flush(t);
        tracker_unref(t);
}

void ack_chunk_abandon(AckChunk *c, unsigned n) {
        c->tracker->abandoned = true;
        ack_chunk_done(c, n);
}

uint64_t ack_tracker_pending(const AckTracker *t) {
        return t->pending;
}

bool ack_tracker_idle(const AckTracker *t) {
        return !t->head;
}

unsigned ack_tracker_open_records(const AckTracker *t) {
        return t->open_records;
}
