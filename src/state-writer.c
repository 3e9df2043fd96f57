/* SPDX-License-Identifier: MIT */
/*
 * The state writer; see state-writer.h.
 *
 * A slot with a write in flight is on exactly one of two lists: the queue (waiting for the
 * thread), or done (written, waiting for the loop's answer); in between, it is w->running.
 * The lists and w->running change only under the mutex. While in flight, slot->writing and
 * slot->error belong to the thread; slot->waiting, slot->in_flight and the callback are the
 * loop's alone.
 */

#include <string.h>

#include "helper-thread.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/time-util.h"
#include "state-writer.h"

typedef struct SlotFifo {
        StateSlot *head, *tail;
} SlotFifo;

struct StateSlot {
        StateSlot *next; /* on w->queue or w->done, under the mutex */
        StateWriter *writer;
        char *path;
        char *waiting;  /* the newest text, not handed over yet */
        char *writing;  /* the text being written */
        int error;      /* of that write */
        bool in_flight; /* handed over and not answered yet */
        uint64_t since; /* when it was handed over, monotonic */
        StateSlotDone cb;
        void *userdata;
};

struct StateWriter {
        HelperThread h; /* its eventfd gets 1 per finished write */
        unsigned n_slots;

        pthread_cond_t finished; /* for a flush: a write was finished */
        SlotFifo queue;
        StateSlot *running;
        SlotFifo done;
};

static void fifo_push(SlotFifo *f, StateSlot *s) {
        s->next = NULL;
        if (f->tail)
                f->tail->next = s;
        else
                f->head = s;
        f->tail = s;
}

static StateSlot *fifo_pop(SlotFifo *f) {
        StateSlot *s = f->head;

        if (s) {
                f->head = s->next;
                if (!f->head)
                        f->tail = NULL;
                s->next = NULL;
        }
        return s;
}

static int write_text(const StateSlot *s, const char *text) {
        return write_file_atomic(s->path, text, strlen(text));
}

static void mark_done(StateWriter *w, StateSlot *s) {
        fifo_push(&w->done, s);
        (void) pthread_cond_broadcast(&w->finished);
        helper_signal_done(&w->h);
}

static void *writer_main(void *userdata) {
        StateWriter *w = userdata;

        (void) pthread_mutex_lock(&w->h.lock);
        for (;;) {
                StateSlot *s;

                while (!w->h.stopping && !w->queue.head)
                        (void) pthread_cond_wait(&w->h.wake, &w->h.lock);
                s = fifo_pop(&w->queue);
                if (!s)
                        break; /* stopping, and nothing left to write */
                w->running = s;
                (void) pthread_mutex_unlock(&w->h.lock);

                s->error = write_text(s, s->writing);

                (void) pthread_mutex_lock(&w->h.lock);
                w->running = NULL;
                mark_done(w, s);
        }
        (void) pthread_mutex_unlock(&w->h.lock);
        return NULL;
}

/* Hands the waiting text over, unless a write of this slot is in flight. */
static void slot_kick(StateSlot *s) {
        StateWriter *w = s->writer;

        if (s->in_flight || !s->waiting)
                return;
        s->writing = TAKE_PTR(s->waiting);
        s->in_flight = true;
        s->since = now_usec(CLOCK_MONOTONIC);
        (void) pthread_mutex_lock(&w->h.lock);
        if (w->h.started) {
                fifo_push(&w->queue, s);
                (void) pthread_cond_signal(&w->h.wake);
        } else {
                s->error = write_text(s, s->writing);
                mark_done(w, s);
        }
        (void) pthread_mutex_unlock(&w->h.lock);
}

/* Delivers one finished write; false if there was none. */
static bool answer_one(StateWriter *w) {
        StateSlot *s;
        int error;

        (void) pthread_mutex_lock(&w->h.lock);
        s = fifo_pop(&w->done);
        (void) pthread_mutex_unlock(&w->h.lock);
        if (!s)
                return false;
        s->in_flight = false;
        error = s->error;
        if (error < 0 && !s->waiting)
                s->waiting = TAKE_PTR(s->writing); /* kept for a retry */
        s->writing = mfree(s->writing);
        if (error >= 0)
                slot_kick(s); /* a newer text put meanwhile */
        if (s->cb)
                s->cb(error, s->userdata);
        return true;
}

static void on_done(void *userdata) {
        StateWriter *w = userdata;

        while (answer_one(w))
                ;
}

/* Blocks until the thread has nothing queued and nothing in hand. */
static void wait_idle(StateWriter *w) {
        (void) pthread_mutex_lock(&w->h.lock);
        while (w->queue.head || w->running)
                (void) pthread_cond_wait(&w->finished, &w->h.lock);
        (void) pthread_mutex_unlock(&w->h.lock);
}

void state_writer_flush(StateWriter *w) {
        bool answered;

        /* Answers may hand over newer texts: go on until a round delivers nothing. */
        do {
                wait_idle(w);
                answered = false;
                while (answer_one(w))
                        answered = true;
        } while (answered);
}

int state_writer_new(sd_event *event, StateWriter **ret) {
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        (void) pthread_cond_init(&w->finished, NULL);
        /* Checkpoints must be written even without a second thread. */
        r = helper_start(&w->h, event, "cwlogd-state", writer_main, on_done, w, "writing state files");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

StateWriter *state_writer_free(StateWriter *w) {
        if (!w)
                return NULL;
        state_writer_flush(w);
        helper_stop(&w->h);
        if (w->n_slots > 0)
                log_debug("State writer freed with %u slots left.", w->n_slots);
        (void) pthread_cond_destroy(&w->finished);
        free(w);
        return NULL;
}

int state_slot_new(StateWriter *w, const char *path, StateSlotDone cb, void *userdata, StateSlot **ret) {
        StateSlot *s;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->path = strdup(path);
        if (!s->path) {
                free(s);
                return -ENOMEM;
        }
        s->writer = w;
        s->cb = cb;
        s->userdata = userdata;
        w->n_slots++;
        *ret = s;
        return 0;
}

void state_slot_put(StateSlot *s, char *text) {
        free(s->waiting);
        s->waiting = text;
        slot_kick(s);
}

void state_slot_retry(StateSlot *s) {
        slot_kick(s);
}

const char *state_slot_path(const StateSlot *s) {
        return s->path;
}

bool state_slot_writing(const StateSlot *s) {
        return s->in_flight;
}

uint64_t state_slot_writing_since(const StateSlot *s) {
        return s->in_flight ? s->since : 0;
}

int state_slot_finish(StateSlot *s) {
        _cleanup_free_ char *last = NULL;

        while (s->in_flight) {
                wait_idle(s->writer);
                while (answer_one(s->writer))
                        ;
        }
        last = TAKE_PTR(s->waiting);
        return last ? write_text(s, last) : 0;
}

StateSlot *state_slot_free(StateSlot *s) {
        if (!s)
                return NULL;
        (void) state_slot_finish(s);
        s->writer->n_slots--;
        free(s->path);
        free(s);
        return NULL;
}
