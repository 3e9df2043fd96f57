/* SPDX-License-Identifier: MIT */
/*
 * What the daemon tells the outside about itself: STATUS= for systemctl status (one line),
 * the status file for `cwlogd --status` (RUNTIME_DIR/status.json), both refreshed every
 * STATUS_INTERVAL_SEC, and the Prometheus endpoint of [general] metrics_listen.
 * None of it can stop log shipping: a port that cannot be bound or a runtime directory that
 * cannot be written is logged and left out. Never a secret: the last error text is built from
 * service error types and messages, not from requests.
 */

#include "cw-limits.h"
#include "daemon-private.h"
#include "metrics.h"
#include "notify.h"
#include "shared/log.h"
#include "shared/time-util.h"
#include "status-file.h"

static RateLimit status_write_log_limit = RATELIMIT_INIT(300 * USEC_PER_SEC, 1);

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

static const char *daemon_state(const Daemon *d, bool running) {
        if (!running)
                return "stopped";
        if (d->stopping)
                return "stopping";
        if (d->finishing)
                return "finishing";
        return d->opts.dry_run ? "dry-run" : "shipping";
}

static void write_status_file(Daemon *d, bool running) {
        uint64_t now = now_usec(CLOCK_REALTIME);
        int r;

        if (!d->status_path || !d->shipper)
                return;
        r = status_file_write(d->status_path, d->shipper,
                              &(MetricsProcess) {
                                      .pid = getpid(),
                                      .start_usec = d->start_usec,
                                      .now_usec = now,
                                      .exit_usec = running ? 0 : now,
                                      .running = running,
                                      .state = daemon_state(d, running),
                                      .failed_sections = d->failed_sections,
                              });
        if (r < 0 && ratelimit_below(&status_write_log_limit))
                log_warning_errno(r, "Failed to write '%s', ignoring: %m", d->status_path);
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;

        daemon_update_status(d);
        write_status_file(d, true);
        (void) sd_event_source_set_time_relative(s, STATUS_INTERVAL_SEC * USEC_PER_SEC);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static void setup_status_file(Daemon *d) {
        _cleanup_free_ char *dir = NULL, *path = NULL;
        pid_t owner;
        int r;

        /* A trial run must not overwrite the status of the service running next to it. */
        if (d->opts.dry_run && !d->opts.runtime_dir) {
                log_debug("Dry run: no status file unless --runtime-dir is given.");
                return;
        }
        r = status_dir_resolve(d->opts.runtime_dir, true, &dir);
        if (r < 0 && d->opts.runtime_dir) {
                log_warning_errno(r, "Runtime directory '%s' is not usable, writing no status file: %m",
                                  d->opts.runtime_dir);
                return;
        }
        if (r < 0) {
                log_debug_errno(r, "No usable runtime directory, writing no status file: %m");
                return;
        }
        if (asprintf(&path, "%s/%s", dir, STATUS_FILE_NAME) < 0) {
                log_oom();
                return;
        }
        owner = status_file_owner(path);
        if (owner > 0) {
                log_notice("cwlogd (pid %d) is running and writes '%s'; this instance writes no status file.",
                           (int) owner, path);
                return;
        }
        d->status_path = TAKE_PTR(path);
        write_status_file(d, true);
}

static int render_metrics(StrBuf *out, void *userdata) {
        Daemon *d = userdata;

        return d->shipper ? metrics_format_prometheus(d->shipper, out) : 0;
}

static void setup_metrics_server(Daemon *d) {
        const char *listen = d->config->general.metrics_listen;
        int r;

        if (isempty(listen))
                return;
        r = metrics_server_new(d->event, listen, NULL, render_metrics, d, &d->metrics);
        if (r == -EINVAL)
                log_error("Invalid metrics_listen '%s' (expected IPV4:PORT or [IPV6]:PORT); shipping logs without "
                          "a metrics endpoint.", listen);
        else if (r < 0)
                log_error_errno(r, "Failed to listen on '%s' for metrics, shipping logs without a metrics endpoint: %m",
                                listen);
        else
                log_info("Serving metrics on port %u (metrics_listen=%s), path /metrics.",
                         metrics_server_port(d->metrics), listen);
}

void daemon_start_status(Daemon *d) {
        int r;

        r = sd_event_add_time_relative(d->event, &d->status_timer, CLOCK_MONOTONIC,
                                       STATUS_INTERVAL_SEC * USEC_PER_SEC, USEC_PER_SEC, on_status_timer, d);
        if (r < 0)
                log_warning_errno(r, "Failed to add the status timer, ignoring: %m");
        setup_status_file(d);
        setup_metrics_server(d);
}

void daemon_finish_status(Daemon *d) {
        write_status_file(d, false);
}

void daemon_stop_status(Daemon *d) {
        d->metrics = metrics_server_free(d->metrics);
        d->status_timer = sd_event_source_disable_unref(d->status_timer);
        d->status_path = mfree(d->status_path);
}
