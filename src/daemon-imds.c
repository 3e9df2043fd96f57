/* SPDX-License-Identifier: MIT */
/*
 * The daemon's start-up question to the EC2 instance metadata service; see daemon-imds.h.
 *
 * It runs before the shipper and the sources exist, on a private sd-event loop with its own
 * HttpClient: the daemon's loop already carries signal and completion handlers that expect a
 * shipper. Nothing blocks: the loop waits for the answer or the guard timer, whichever comes
 * first (off EC2 the token request gives up after about two seconds). A pending SIGTERM stays
 * blocked meanwhile and is handled as soon as the daemon's loop runs.
 *
 * Deliberately not here: asking again later (the answer does not change while the daemon
 * runs; reload keeps it), IMDS credentials (credentials-imds.c).
 */

#include "aws-region.h"
#include "cw-limits.h"
#include "daemon-imds.h"
#include "imds.h"
#include "shared/log.h"

typedef struct Lookup {
        bool done;
        int error;
        ImdsIdentity identity;
} Lookup;

static void on_document(int error, const char *body, size_t size, void *userdata) {
        Lookup *l = userdata;
        int r = error;

        if (r >= 0) {
                r = imds_parse_identity(body, size, &l->identity);
                if (r == -EBADMSG)
                        log_warning_errno(r, "EC2 metadata service answered an instance identity document "
                                          "without a valid region and instanceId, ignoring it.");
        }
        l->error = r;
        l->done = true;
}

static int on_guard(sd_event_source *s, uint64_t usec, void *userdata) {
        Lookup *l = userdata;

        l->error = -ETIMEDOUT;
        l->done = true;
        return 0;
}

/* The identity document, or -errno: -ENOENT off EC2 or disabled, -ETIMEDOUT on the guard. */
static int identity_fetch(const char *ca_bundle, ImdsIdentity *ret) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(http_client_freep) HttpClient *http = NULL;
        _cleanup_(imds_client_freep) ImdsClient *imds = NULL;
        sd_event_source *guard = NULL;
        Lookup l = {};
        int r;

        r = sd_event_new(&event);
        if (r >= 0)
                r = http_client_new(event, &(HttpClientOptions) { .ca_bundle = ca_bundle }, &http);
        if (r >= 0)
                r = imds_client_new(http, &imds);
        if (r >= 0)
                r = imds_get(imds, IMDS_IDENTITY_PATH, on_document, &l);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &guard, CLOCK_MONOTONIC,
                                               IMDS_STARTUP_TIMEOUT_MSEC * USEC_PER_MSEC, 0, on_guard, &l);
        while (r >= 0 && !l.done)
                r = sd_event_run(event, UINT64_MAX);
        guard = sd_event_source_disable_unref(guard);
        if (r < 0)
                l.error = r;
        if (l.error < 0) {
                imds_identity_done(&l.identity);
                return l.error;
        }
        *ret = l.identity;
        return 0;
}

static bool templates_need_ec2(const Config *c) {
        for (size_t i = 0; i < c->n_sections; i++) {
                const char *t = c->sections[i]->log_stream_name;

                if (t && (strstr(t, "{instance_id}") || strstr(t, "{ip_address}")))
                        return true;
        }
        return false;
}

int daemon_imds_resolve(Daemon *d) {
        const GeneralConfig *g = &d->config->general;
        _cleanup_free_ char *region = NULL;
        ImdsIdentity id = {};
        bool need_region;
        int r;

        if (d->opts.dry_run)
                return 0; /* no network at all: {instance_id} is the host name */
        r = aws_resolve_region(d->opts.region, g->region, g->profile, &region);
        need_region = r == -ENOENT;
        if (!need_region && !templates_need_ec2(d->config))
                return 0;
        if (imds_disabled()) {
                log_debug("AWS_EC2_METADATA_DISABLED is set: not asking the instance metadata service.");
                return 0;
        }

        r = identity_fetch(g->ca_bundle, &id);
        if (r == -ENOMEM)
                return log_oom();
        if (r == -ENOENT || r == -ETIMEDOUT) {
                log_debug("No instance identity document (not on EC2): {instance_id} is the host name '%s'.",
                          d->host.hostname);
                return 0;
        }
        if (r < 0) {
                log_notice("Without the EC2 instance identity document, {instance_id} is the host name '%s'.",
                           d->host.hostname);
                return 0;
        }
        log_info("EC2 instance %s (region %s, address %s).", id.instance_id, id.region, strna(id.private_ip));
        r = host_facts_set_ec2(&d->host, id.instance_id, id.private_ip);
        if (r >= 0 && need_region && !d->region) {
                d->region = strdup(id.region);
                if (!d->region)
                        r = -ENOMEM;
        }
        imds_identity_done(&id);
        return r < 0 ? log_oom() : 0;
}
