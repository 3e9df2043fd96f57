/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Writes state files on a helper thread, so that no fsync() holds up the event loop (SPEC §1:
 * nothing on the loop blocks). One atomic write is two fsyncs: ~1 ms on a local disk, far more
 * on a busy or network one, and the journal source writes once per accepted batch.
 *
 * A StateSlot is one state file. state_slot_put() gives it the newest text. The slot hands a
 * text to the thread only when no write of its own is under way; a text put meanwhile waits,
 * and a newer one replaces it, since only the newest position matters. So a slot has at most
 * one write in flight and one text waiting, and its writes land in the order they were put.
 * Each write's outcome comes back on the loop through the slot's callback.
 *
 * The thread touches nothing but the job it holds (the path, which does not change, and the
 * text); the queue and the list of finished jobs are shared under one mutex, and the loop
 * learns of finished jobs through an eventfd. If the thread cannot be started, writes happen
 * on the loop (when handed over), answered through the eventfd all the same, with a warning.
 * Blocking waits exist only for start-up (positions taken at start are on disk before
 * READY=1), reload and shutdown: state_writer_flush(), state_slot_finish().
 * With the payload thread (payload-worker.h), one of the two exceptions to SPEC §1's single
 * thread; see the README's "differs from the specification".
 */

#include <systemd/sd-event.h>

#include "shared/macro.h"

typedef struct StateWriter StateWriter;
typedef struct StateSlot StateSlot;

/* On the loop, after a write: 0, or < 0 when it failed. A failed text stays waiting in the
 * slot (unless a newer one was put) until state_slot_retry() or the next state_slot_put(). */
typedef void (*StateSlotDone)(int error, void *userdata);

int state_writer_new(sd_event *event, StateWriter **ret);
/* Waits for the writes under way and queued (their callbacks run), then stops the thread.
 * Every slot must have been freed. Accepts NULL. */
StateWriter *state_writer_free(StateWriter *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(StateWriter *, state_writer_free);
/* Blocks until nothing is queued or being written, and every answer was delivered (texts that
 * answers hand over are written too). Texts of failed writes stay waiting. */
void state_writer_flush(StateWriter *w);

/* cb may be NULL. path is copied. */
int state_slot_new(StateWriter *w, const char *path, StateSlotDone cb, void *userdata, StateSlot **ret);
/* Takes text over (freed by the slot); it is written once the slot's current write is done. */
void state_slot_put(StateSlot *s, char *text);
/* Writes a text left waiting by a failed write, if any and if no write is under way. */
void state_slot_retry(StateSlot *s);
const char *state_slot_path(const StateSlot *s);
/* Whether a write of this slot is under way: handed over, its answer not delivered yet. A text
 * waiting behind it is handed over when the answer comes, so this stays true across a chain of
 * checkpoints; a text left by a failed write does not count. */
bool state_slot_writing(const StateSlot *s);
/* CLOCK_MONOTONIC time the write under way was handed over; 0 when none is. */
uint64_t state_slot_writing_since(const StateSlot *s);
/* For shutdown: blocks until the slot's write under way is done (its callback runs), then
 * writes a waiting text right here, on the calling thread, without the callback. Returns
 * that last write's result (0 when there was nothing left to write). */
int state_slot_finish(StateSlot *s);
/* Calls state_slot_finish() first. Accepts NULL. */
StateSlot *state_slot_free(StateSlot *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(StateSlot *, state_slot_free);
