/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Surviving SIGBUS from truncated mmapped files. journald may truncate (or the disk may
 * lose) a journal file that sd-journal has mapped; touching the lost pages raises SIGBUS,
 * which would kill the daemon. The handler installed here maps an anonymous zero page over
 * the faulting address, so the access that faulted reads zeros and the process carries on
 * (sd-journal then sees garbage and rejects the object), and it counts the event. Whoever
 * reads mapped files checks sigbus_count() after a burst of reading and re-opens what it
 * had mapped, so the zero pages never stay in use.
 *
 * The handler is async-signal-safe: mmap() and atomic counters only. A fault it cannot
 * repair (mmap fails) falls back to the default action, i.e. the usual crash.
 */

#include "shared/macro.h"

/* Installs the process-wide handler; idempotent. */
int sigbus_install(void);
/* How many faults the handler repaired since the process started. */
uint64_t sigbus_count(void);
/* Up to n of the most recent fault addresses (newest first); returns how many were written. */
size_t sigbus_recent(void **addrs, size_t n);
