/* SPDX-License-Identifier: MIT */
/* One helper thread with its lock and eventfd; see helper-thread.h. */

#include <sys/eventfd.h>
#include <unistd.h>

#include "helper-thread.h"
#include "shared/log.h"
#include "shared/thread-util.h"

static int on_done_fd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HelperThread *h = userdata;
        uint64_t n;

        (void) !read(fd, &n, sizeof n);
        h->on_done(h->userdata);
        return 0;
}

int helper_start(HelperThread *h, sd_event *event, const char *name, void *(*main_fn)(void *),
                 void (*on_done)(void *userdata), void *userdata, const char *fallback) {
        int r;

        *h = (HelperThread) { .done_fd = -EBADF, .on_done = on_done, .userdata = userdata };
        /* Default attributes: glibc's init cannot fail, and helper_stop() destroys them. */
        (void) pthread_mutex_init(&h->lock, NULL);
        (void) pthread_cond_init(&h->wake, NULL);

        h->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (h->done_fd < 0)
                return -errno;
        r = sd_event_add_io(event, &h->done_source, h->done_fd, EPOLLIN, on_done_fd, h);
        if (r < 0)
                return r;

        r = thread_start_quiet(&h->thread, main_fn, userdata, name);
        if (r < 0)
                /* Shipping must not depend on a second thread. */
                log_warning_errno(r, "Failed to start the %s thread, %s on the event loop instead: %m", name, fallback);
        else
                h->started = true;
        return 0;
}

void helper_signal_done(HelperThread *h) {
        const uint64_t one = 1;

        /* An eventfd counter cannot fill up with one add per job; nothing else can fail. */
        (void) !write(h->done_fd, &one, sizeof one);
}

void helper_stop(HelperThread *h) {
        if (h->started) {
                (void) pthread_mutex_lock(&h->lock);
                h->stopping = true;
                (void) pthread_cond_broadcast(&h->wake);
                (void) pthread_mutex_unlock(&h->lock);
                (void) pthread_join(h->thread, NULL);
                h->started = false;
        }
        h->done_source = sd_event_source_disable_unref(h->done_source);
        h->done_fd = safe_close(h->done_fd);
        (void) pthread_cond_destroy(&h->wake);
        (void) pthread_mutex_destroy(&h->lock);
}
