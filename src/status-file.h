/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The status file: the daemon rewrites RUNTIME_DIR/status.json (metrics.c's status document)
 * every few seconds and once more at exit with "running": false; `cwlogd --status` reads it
 * and prints a table. The file is written atomically, so a reader never sees half of it.
 */

#include <stdio.h>
#include <sys/types.h>

#include "metrics.h"
#include "shared/strbuf.h"

#define STATUS_FILE_NAME "status.json"
#define RUNTIME_DIR_DEFAULT "/run/cwlogd"

/* The runtime directory: override if set, else the first entry of $RUNTIME_DIRECTORY, else
 * RUNTIME_DIR_DEFAULT. With create, a missing directory is made (0755) and it must be
 * writable, else -errno. */
int status_dir_resolve(const char *override, bool create, char **ret);

/* Writes the status document of s to path atomically. */
int status_file_write(const char *path, const Shipper *s, const MetricsProcess *p);

/* Whether pid is a live process called cwlogd (a stale file's pid may have been reused). */
bool status_pid_alive(pid_t pid);
/* The pid of another live cwlogd that says it is running and writes path; 0 if none. */
pid_t status_file_owner(const char *path);

/* Renders a status document as the --status table. now_usec is realtime; pid_alive decides
 * whether "running" is still true. -EBADMSG if json is not a status document. */
int status_format_table(const char *json, size_t size, uint64_t now_usec, bool (*pid_alive)(pid_t pid),
                        StrBuf *out);

/* `cwlogd --status`: prints the table of DIR/status.json to stdout and returns the exit code
 * (0; 2 with a message on stderr when there is no readable status file). */
int status_show(const char *dir_override);
