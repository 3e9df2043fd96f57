/* SPDX-License-Identifier: MIT */
#pragma once

#include <pthread.h>

/* Starts a helper thread with every signal blocked and gives it a name (what `top -H` and
 * `ps -L` show, at most 15 characters). Blocked, because sd-event takes signals through a
 * signalfd, which needs them blocked in every thread, and SIGBUS from journal mmaps belongs
 * to the loop thread's handler. Returns 0 or a negative errno (a pids limit, a seccomp
 * filter). */
int thread_start_quiet(pthread_t *ret, void *(*fn)(void *), void *arg, const char *name);
