/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Test helpers for the daemon's helper threads: finding one by name and checking its signal
 * mask, and running code in a process that cannot start threads.
 */

#include <stdbool.h>

/* How many threads of this process are named comm (as `top -H` shows it). Each must block
 * every signal the daemon handles or that sd-event takes through a signalfd; *ret_all_blocked
 * says whether they did (true when the mask cannot be seen, under valgrind). A count other
 * than expect is read again for a while, as a thread just joined may linger in /proc. */
int thread_count_named(const char *comm, int expect, bool *ret_all_blocked);

/* Whether forbid_threads() works on this architecture (x86-64 only). */
bool forbid_threads_supported(void);
/* Runs fn in a forked child in which clone() and clone3() fail with EPERM, as a seccomp filter
 * or a pids limit would make them: no new threads. Returns what fn returned (0: every check
 * passed), or -1 if the child could not be set up or did not exit normally. */
int run_without_threads(int (*fn)(void));
