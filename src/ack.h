/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Acknowledgement tracking for one source. Records read from a source join the tracker's
 * open chunk; the source seals a chunk with a checkpoint token (a journal cursor, a file
 * offset) that is valid once every record in it *and in every earlier chunk* has been
 * accepted by CloudWatch or deliberately dropped. When that happens the tracker hands the
 * newest such token to the commit callback, in order, exactly once; older tokens are freed.
 *
 * Chunks keep the tracker alive (it is reference counted), so records still in flight after
 * their source was removed (reload) finish harmlessly: a detached tracker commits nothing.
 * Pure bookkeeping, no I/O.
 */

#include "shared/macro.h"

typedef struct AckTracker AckTracker;
typedef struct AckChunk AckChunk;

typedef void (*AckCommitFn)(void *token, void *userdata);
typedef void (*AckFreeFn)(void *token);

int ack_tracker_new(AckCommitFn commit, AckFreeFn free_token, void *userdata, AckTracker **ret);
/* The source lets go: no more commits, the tracker dies with its last chunk. Returns NULL. */
AckTracker *ack_tracker_detach(AckTracker *t);

/* The chunk that the next record joins (created on demand); counts one more pending record. */
int ack_tracker_add_record(AckTracker *t, AckChunk **ret);
/* Closes the open chunk with token (ownership passes to the tracker, even on failure). A
 * seal with no open chunk creates an empty one, to move the checkpoint past entries that
 * produced no record. */
int ack_tracker_seal(AckTracker *t, void *token);
/* n records of chunk c are finished (acknowledged or dropped). May call commit. */
void ack_chunk_done(AckChunk *c, unsigned n);

/* Settling many records at once (one accepted batch): between hold and release, finished
 * chunks are not committed one by one; release commits once, for all of them. The hold keeps
 * the tracker alive. */
AckTracker *ack_chunk_hold(AckChunk *c);
void ack_tracker_release(AckTracker *t);

/* n records of chunk c will never be delivered (--once gave up on them). They are finished
 * for bookkeeping, but from now on this tracker commits nothing: a checkpoint must never
 * pass an undelivered record. */
void ack_chunk_abandon(AckChunk *c, unsigned n);

/* Records not yet finished, and whether every chunk is sealed and finished. */
uint64_t ack_tracker_pending(const AckTracker *t);
bool ack_tracker_idle(const AckTracker *t);
/* Records in the open (unsealed) chunk. */
unsigned ack_tracker_open_records(const AckTracker *t);
