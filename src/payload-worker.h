/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Prepares request payloads on one helper thread: gzip (when asked) and the SHA-256 that
 * SigV4 signs. On a busy journal this is a fifth of what shipping costs; done here, it runs
 * on a second core while the event loop goes on reading.
 *
 * The thread is a pure function on a queue: it takes a body, returns the payload and its
 * hash, and touches nothing else. Submitting, callbacks, cancelling and every free happen
 * on the loop thread; the only shared state is the job queue under one mutex, and the
 * loop learns of finished jobs through an eventfd. Jobs finish in the order submitted.
 * If the thread cannot be started, jobs run on the loop thread (at submit time, answered
 * later through the same eventfd), with a warning.
 * With the state writer (state-writer.h), one of the two exceptions to SPEC §1's single
 * thread; see the README's "differs from the specification".
 */

#include <systemd/sd-event.h>

#include "shared/strbuf.h"

typedef struct PayloadWorker PayloadWorker;
typedef struct PayloadJob PayloadJob;

/* error < 0: the payload could not be made (-ENOMEM, -ENOBUFS); payload and sha256_hex are
 * then NULL. On success the callee may take the payload's buffer over (leaving it empty). */
typedef void (*PayloadDone)(int error, StrBuf *payload, const char *sha256_hex, void *userdata);

int payload_worker_new(sd_event *event, PayloadWorker **ret);
/* Stops and joins the thread; jobs not yet answered are dropped without their callbacks.
 * Accepts NULL. */
PayloadWorker *payload_worker_free(PayloadWorker *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(PayloadWorker *, payload_worker_free);

/* Takes body over (it is left empty). gzip_level: -1 default, 0-9, or PAYLOAD_NO_GZIP to send
 * the body as it is. The callback runs later from the loop, never from inside this call. */
#define PAYLOAD_NO_GZIP (-2)
int payload_worker_submit(PayloadWorker *w, StrBuf *body, int gzip_level, PayloadDone cb, void *userdata,
                          PayloadJob **ret_job);
/* Builds the body on the thread, then as payload_worker_submit(). build() may read only
 * memory that stays unchanged until the callback runs or the job is cancelled, and must not
 * touch anything else the loop uses. room: bytes to reserve for the body beforehand (made on
 * the loop thread, so the thread allocates nothing when the guess is right). */
typedef int (*PayloadBuild)(StrBuf *body, void *data);
int payload_worker_submit_build(PayloadWorker *w, PayloadBuild build, void *build_data, size_t room,
                                int gzip_level, PayloadDone cb, void *userdata, PayloadJob **ret_job);
/* The callback is not called. Accepts NULL. A job whose build() is running on the thread is
 * waited for (a body is built in a few ms), so that what build() reads may be freed as soon as
 * this returns. */
void payload_job_cancel(PayloadJob *job);
