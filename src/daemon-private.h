/* SPDX-License-Identifier: MIT */
#pragma once

/* The Daemon object, shared by daemon.c (lifecycle), daemon-sections.c (sources and reload)
 * and daemon-status.c (STATUS and the runtime metrics). */

#include <systemd/sd-event.h>

#include "config.h"
#include "credentials.h"
#include "cw-client.h"
#include "daemon.h"
#include "host-facts.h"
#include "http.h"
#include "metrics-server.h"
#include "shipper.h"

typedef struct Section {
        const SectionConfig *config; /* owned by Daemon.config */
        LogSource *source;           /* NULL if it failed to start */
        ShipperSection *shipper_section;
} Section;

typedef struct Daemon {
        DaemonOptions opts;
        sd_event *event;
        Config *config;
        char *region, *endpoint;
        HostFactsStorage host;
        HttpClient *http;
        CredentialChain *creds;
        CwClient *cw;
        Shipper *shipper;
        StateWriter *state_writer; /* NULL under --dry-run */
        Section *sections;
        size_t n_sections;
        unsigned failed_sections;

        bool stopping;    /* TERM seen: draining */
        bool finishing;   /* --once: everything read, draining */
        int exit_code;
        sd_event_source *drain_timer;
        sd_event_source *status_timer;
        MetricsServer *metrics;  /* [general] metrics_listen; NULL when unset or failed */
        char *status_path;       /* RUNTIME_DIR/status.json; NULL: not written */
        uint64_t start_usec;     /* realtime */
} Daemon;

/* daemon-sections.c */
int daemon_open_sections(Daemon *d);
void daemon_close_sections(Daemon *d);
int daemon_reload(Daemon *d);
bool daemon_sources_caught_up(Daemon *d);

/* daemon-status.c */
void daemon_update_status(Daemon *d);
/* STATUS= and status file timer, the status file's place, the metrics server. Never fails:
 * none of it may keep logs from being shipped. */
void daemon_start_status(Daemon *d);
/* Writes the status file a last time, marked stopped. */
void daemon_finish_status(Daemon *d);
void daemon_stop_status(Daemon *d);
