/* SPDX-License-Identifier: MIT */
/* STATUS= for systemctl status: one line, refreshed every few seconds. Never a secret: the
 * last error text is built from service error types and messages, not from requests. */

#include "daemon-private.h"
#include "notify.h"
#include "shared/log.h"
#include "shared/time-util.h"

#define STATUS_INTERVAL_USEC (5 * USEC_PER_SEC)

void daemon_update_status(Daemon *d) {
        ShipperTotals t;
        char line[512];

        if (!d->shipper)
                return;
        shipper_totals(d->shipper, &t);
        /* A source in trouble (unreadable journal format, state not saved) wins over the
         * shipper's last error: it is what the operator must act on. */
        for (size_t i = 0; i < d->n_sections; i++) {
                const LogSource *src = d->sections[i].source;

                if (src && src->last_error < 0) {
                        (void) snprintf(t.last_error, sizeof t.last_error, "[%s] %s", d->sections[i].config->name,
                                        errno_text(-src->last_error));
                        break;
                }
        }
        (void) snprintf(line, sizeof line,
                        "%s %u streams (%u sections%s): %" PRIu64 " events sent (%.1f MiB), backlog %" PRIu64
                        ", %" PRIu64 " dropped, %" PRIu64 " retries%s%s",
                        d->stopping ? "Stopping;" : d->opts.dry_run ? "Dry run;" : "Shipping", t.n_streams,
                        t.n_sections, d->failed_sections > 0 ? ", some failed" : "", t.events_sent,
                        (double) t.bytes_sent / (1024.0 * 1024.0), t.backlog, t.dropped, t.retries,
                        t.last_error[0] ? "; last error: " : "", t.last_error);
        notify_status(line);
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;

        daemon_update_status(d);
        (void) sd_event_source_set_time_relative(s, STATUS_INTERVAL_USEC);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

int daemon_start_status(Daemon *d) {
        int r;

        r = sd_event_add_time_relative(d->event, &d->status_timer, CLOCK_MONOTONIC, STATUS_INTERVAL_USEC,
                                       USEC_PER_SEC, on_status_timer, d);
        if (r < 0)
                return log_warning_errno(r, "Failed to add the status timer, ignoring: %m");
        return 0;
}
