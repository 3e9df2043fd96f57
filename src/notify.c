/* SPDX-License-Identifier: MIT */
/* sd_notify wrappers; see notify.h. Failures to notify are not errors for the daemon. */

#include <systemd/sd-daemon.h>
#include <time.h>

#include "notify.h"
#include "shared/log.h"
#include "shared/time-util.h"

void notify_ready(void) {
        (void) sd_notify(false, "READY=1\nSTATUS=Running.");
}

void notify_reloading(void) {
        char buf[64];

        /* systemd >= 253 wants MONOTONIC_USEC with RELOADING=1 (Type=notify-reload). */
        (void) snprintf(buf, sizeof buf, "RELOADING=1\nMONOTONIC_USEC=%llu",
                        (unsigned long long) now_usec(CLOCK_MONOTONIC));
        (void) sd_notify(false, buf);
}

void notify_stopping(void) {
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping, sending what is queued.");
}

void notify_status(const char *status) {
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "STATUS=%s", status) < 0)
                return;
        /* STATUS is a single line. */
        for (char *p = m; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        (void) sd_notify(false, m);
}
