/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The service manager protocol (sd_notify): READY, RELOADING with MONOTONIC_USEC,
 * STOPPING, STATUS. Watchdog pings are not sent from here: sd_event_set_watchdog() sends
 * them from the loop itself, so only a loop that really turns keeps us alive.
 * Every function is a no-op without NOTIFY_SOCKET.
 */

#include "shared/macro.h"

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
/* STATUS= one line; the text must never contain a secret. */
void notify_status(const char *status);
