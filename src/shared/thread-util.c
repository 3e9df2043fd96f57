/* SPDX-License-Identifier: MIT */

#include <signal.h>

#include "thread-util.h"

int thread_start_quiet(pthread_t *ret, void *(*fn)(void *), void *arg, const char *name) {
        sigset_t all, old;
        int r;

        (void) sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(ret, NULL, fn, arg);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return r;
        (void) pthread_setname_np(*ret, name);
        return 0;
}
