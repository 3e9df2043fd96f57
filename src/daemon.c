/* SPDX-License-Identifier: MIT */
/*
 * Daemon lifecycle; see daemon.h. Start-up order matters: configuration, then the network
 * side, then the sources (each on its own: one that cannot start is logged and the others
 * run), then READY=1. Shut-down runs the other way round, sources first, so their trackers
 * are detached before the shipper drops anything still queued.
 */

#include <signal.h>
#include <sys/stat.h>

#include "aws-region.h"
#include "build-config.h"
#include "daemon-imds.h"
#include "daemon-private.h"
#include "cw-limits.h"
#include "notify.h"
#include "shared/log.h"
#include "shared/time-util.h"

static void daemon_exit(Daemon *d, int code) {
        d->exit_code = code;
        (void) sd_event_exit(d->event, code);
}

/* Decides whether --once or a drain is complete. Cheap; runs after every loop iteration
 * while it matters. */
static void daemon_check_done(Daemon *d) {
        if (d->opts.once && !d->finishing && !d->stopping && daemon_sources_caught_up(d)) {
                log_debug("Everything that existed at start has been read; sending what is queued.");
                d->finishing = true;
                shipper_set_draining(d->shipper, true);
        }
        if (!(d->finishing || d->stopping) || !shipper_idle(d->shipper))
                return;
        if (d->stopping) {
                log_info("Everything queued was sent; exiting.");
                daemon_exit(d, EXIT_OK);
        } else if (shipper_undelivered(d->shipper) > 0 || d->failed_sections > 0) {
                log_error("Finished with %" PRIu64 " events undelivered and %u sections that could not be read.",
                          shipper_undelivered(d->shipper), d->failed_sections);
                daemon_exit(d, EXIT_RUNTIME);
        } else
                daemon_exit(d, EXIT_OK);
}

static void on_progress(void *userdata) {
        daemon_check_done(userdata);
}

static int on_post(sd_event_source *s, void *userdata) {
        daemon_check_done(userdata);
        return 0;
}

static int on_drain_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        ShipperTotals t;

        shipper_totals(d->shipper, &t);
        log_warning("Stop timeout: %" PRIu64 " events not yet acknowledged; they are sent again after restart.",
                    t.backlog);
        daemon_exit(d, EXIT_OK);
        return 0;
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;
        int r;

        if (d->stopping) {
                log_notice("Second %s: exiting now. Unacknowledged events are sent again after restart.",
                           strsignal((int) si->ssi_signo));
                daemon_exit(d, EXIT_OK);
                return 0;
        }
        log_info("Received %s: sending what is queued, then exiting.", strsignal((int) si->ssi_signo));
        d->stopping = true;
        notify_stopping();
        shipper_set_draining(d->shipper, true);
        r = sd_event_add_time_relative(d->event, &d->drain_timer, CLOCK_MONOTONIC, DRAIN_TIMEOUT_SEC * USEC_PER_SEC,
                                       0, on_drain_timeout, d);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the drain timeout, ignoring: %m");
        daemon_check_done(d);
        return 0;
}

/* READY=1 once the sources stand where they start: a position taken at start-up (a new
 * end_of_journal section checkpoints the journal's last entry) is on disk first, so a restart
 * right after READY=1 does not skip what was written in between. */
static void daemon_ready(Daemon *d) {
        if (d->state_writer)
                state_writer_flush(d->state_writer);
        notify_ready();
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;

        if (d->stopping)
                return 0;
        notify_reloading();
        (void) daemon_reload(d);
        daemon_ready(d);
        daemon_update_status(d);
        return 0;
}

static int setup_event_loop(Daemon *d) {
        sigset_t mask;
        int r;

        r = sd_event_default(&d->event);
        if (r < 0)
                return log_error_errno(r, "Failed to create the event loop: %m");

        (void) sigemptyset(&mask);
        (void) sigaddset(&mask, SIGTERM);
        (void) sigaddset(&mask, SIGINT);
        (void) sigaddset(&mask, SIGHUP);
        (void) sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        (void) signal(SIGPIPE, SIG_IGN);

        if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, on_terminate, d)) < 0 ||
            (r = sd_event_add_signal(d->event, NULL, SIGINT, on_terminate, d)) < 0 ||
            (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_reload, d)) < 0)
                return log_error_errno(r, "Failed to install signal handlers: %m");
        if ((r = sd_event_add_post(d->event, NULL, on_post, d)) < 0)
                return log_error_errno(r, "Failed to add the completion check: %m");

        /* Pings come from the loop itself: a wedged loop stops them and systemd restarts us. */
        r = sd_event_set_watchdog(d->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");
        return 0;
}

static int setup_client(Daemon *d) {
        const GeneralConfig *g = &d->config->general;
        int r;

        if (d->opts.dry_run) {
                r = cw_client_new_dry_run(d->event, stdout, &d->cw);
                if (r < 0)
                        return log_error_errno(r, "Failed to set up dry-run output: %m");
                return 0;
        }
        r = d->region ? 0 : aws_resolve_region(d->opts.region, g->region, g->profile, &d->region);
        if (r == -ENOENT) {
                log_error("No AWS region configured: use --region, [general] region, AWS_REGION or a profile "
                          "(not on EC2, or the instance metadata service did not say).");
                return -ECONFIG;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to determine the AWS region: %m");
        r = aws_resolve_endpoint(d->opts.endpoint, g->endpoint, d->region, &d->endpoint);
        if (r < 0)
                return log_error_errno(r, "Failed to determine the CloudWatch Logs endpoint: %m");

        r = http_client_new(d->event,
                            &(HttpClientOptions) { .ca_bundle = g->ca_bundle, .user_agent = "cwlogd/" PACKAGE_VERSION },
                            &d->http);
        if (r < 0)
                return log_error_errno(r, "Failed to set up HTTP: %m");
        r = credential_chain_new(d->event, d->http,
                                 &(CredentialsOptions) { .profile = g->profile, .region = d->region }, &d->creds);
        if (r < 0)
                return log_error_errno(r, "Failed to set up AWS credentials: %m");
        r = cw_client_new(d->event, d->http, d->creds,
                          &(CwClientOptions) { .endpoint = d->endpoint, .region = d->region, .use_gzip = g->use_gzip },
                          &d->cw);
        if (r < 0)
                return log_error_errno(r, "Invalid endpoint '%s': %m", d->endpoint);
        log_info("Shipping to %s (region %s).", d->endpoint, d->region);
        return 0;
}

static int ensure_state_dir(const char *path) {
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create state directory '%s': %m", path);
        if (access(path, W_OK) < 0)
                return log_error_errno(errno, "State directory '%s' is not writable: %m", path);
        return 0;
}

static void daemon_done(Daemon *d) {
        daemon_stop_status(d);
        daemon_close_sections(d);
        d->state_writer = state_writer_free(d->state_writer);
        d->shipper = shipper_free(d->shipper);
        d->cw = cw_client_free(d->cw);
        d->creds = credential_chain_free(d->creds);
        d->http = http_client_free(d->http);
        d->drain_timer = sd_event_source_disable_unref(d->drain_timer);
        d->event = sd_event_unref(d->event);
        d->config = config_free(d->config);
        host_facts_done(&d->host);
        free(d->region);
        free(d->endpoint);
}

int daemon_run(const DaemonOptions *opts) {
        _cleanup_free_ char *error = NULL;
        Daemon d = { .opts = *opts, .start_usec = now_usec(CLOCK_REALTIME) };
        int r;

        r = config_load(opts->config_path, opts->dropin_dir, &d.config, &error);
        if (r < 0) {
                log_error("%s", error ?: errno_text(-r));
                return EXIT_CONFIG;
        }
        STRV_FOREACH(n, d.config->notices)
                log_notice("%s", *n);

        r = host_facts_gather(&d.host);
        if (r < 0) {
                log_oom();
                goto fail;
        }
        if (!opts->dry_run) {
                r = ensure_state_dir(opts->state_dir);
                if (r < 0)
                        goto fail;
        }
        r = setup_event_loop(&d);
        if (r < 0)
                goto fail;
        if (!opts->dry_run) {
                r = state_writer_new(d.event, &d.state_writer);
                if (r < 0) {
                        log_error_errno(r, "Failed to set up writing state files: %m");
                        goto fail;
                }
        }
        r = daemon_imds_resolve(&d);
        if (r < 0)
                goto fail;
        r = setup_client(&d);
        if (r < 0)
                goto fail;
        r = shipper_new(d.event, d.cw,
                        &(ShipperOptions) {
                                .queue_size = d.config->general.queue_size,
                                .max_event_size = d.config->general.max_event_size,
                                .host = &d.host.facts,
                                .once = opts->once,
                        },
                        &d.shipper);
        if (r < 0) {
                log_oom();
                goto fail;
        }
        shipper_set_progress(d.shipper, on_progress, &d);

        r = daemon_open_sections(&d);
        if (r < 0)
                goto fail;
        daemon_start_status(&d);
        daemon_ready(&d);
        daemon_update_status(&d);

        /* Nothing may happen at all (no sections under --once): decide once before waiting. */
        daemon_check_done(&d);
        r = sd_event_loop(d.event);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                d.exit_code = EXIT_RUNTIME;
        }
        daemon_finish_status(&d);
        r = d.exit_code;
        daemon_done(&d);
        return r;
fail:
        daemon_done(&d);
        return r == -ECONFIG ? EXIT_CONFIG : EXIT_RUNTIME;
}
