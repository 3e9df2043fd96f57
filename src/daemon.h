/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The daemon: owns the event loop, the configuration, the sources, the shipper and the
 * CloudWatch client. Handles signals (HUP reload, TERM/INT drain then exit, a second one
 * exits at once), --once and --dry-run, READY/STATUS/RELOADING/STOPPING and the watchdog.
 */

#include "shared/macro.h"

typedef struct DaemonOptions {
        const char *config_path;
        const char *dropin_dir;
        const char *state_dir;
        const char *region;   /* --region, may be NULL */
        const char *endpoint; /* --endpoint, may be NULL */
        const char *runtime_dir; /* --runtime-dir, may be NULL: $RUNTIME_DIRECTORY, /run/cwlogd */
        bool once;
        bool dry_run;
} DaemonOptions;

/* Exit codes (SPEC §2). */
enum {
        EXIT_OK = 0,
        EXIT_CONFIG = 1,
        EXIT_RUNTIME = 2,
};

/* Runs until stopped; returns the process exit code. */
int daemon_run(const DaemonOptions *opts);
