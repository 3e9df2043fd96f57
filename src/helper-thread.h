/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the payload worker and the state writer share: one helper thread beside the event
 * loop, one mutex, a condition the thread sleeps on, and an eventfd through which the thread
 * tells the loop that work is done. The queues and what a job is are the users' own.
 *
 * If the thread cannot be started (a pids limit, a seccomp filter), helper_start() warns and
 * succeeds with started false: the user then does the work on the loop and still answers
 * through the eventfd, so its callers see the same order of events either way.
 */

#include <pthread.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

typedef struct HelperThread {
        pthread_mutex_t lock;
        pthread_cond_t wake; /* for the thread: work queued, or stopping */
        bool stopping;       /* under lock */
        bool started;
        pthread_t thread;
        int done_fd; /* eventfd */
        sd_event_source *done_source;
        void (*on_done)(void *userdata);
        void *userdata;
} HelperThread;

/* Sets up h (all of it, also when failing: helper_stop() then cleans up; h must not move) and starts
 * main_fn(userdata) as a thread called name; on_done(userdata) runs on the loop after
 * helper_signal_done(). fallback: what the warning says is done instead without a thread. */
int helper_start(HelperThread *h, sd_event *event, const char *name, void *(*main_fn)(void *),
                 void (*on_done)(void *userdata), void *userdata, const char *fallback);
/* Tells the loop that something finished (from any thread). */
void helper_signal_done(HelperThread *h);
/* Sets stopping, wakes and joins the thread, and frees what helper_start() set up. */
void helper_stop(HelperThread *h);
