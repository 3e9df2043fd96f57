/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Test helpers for real journal files: entries are written in the Journal Export Format
 * and turned into a journal file by systemd-journal-remote, exactly as journald's own
 * tools would, so tests read them with the real sd-journal and can compare with journalctl.
 * Also a temporary directory that tests create and remove.
 *
 * Text fields only (values must not contain '\n'); no binary export encoding.
 */

#include "shared/strbuf.h"

/* Path of systemd-journal-remote, or NULL if it is not installed (tests then skip). */
const char *journal_util_remote_binary(void);

/* Appends one export-format entry to b: __REALTIME_TIMESTAMP=realtime_usec,
 * __MONOTONIC_TIMESTAMP, a fixed _BOOT_ID, then the given "FIELD=value" strings
 * (NULL-terminated), then the blank line that ends the entry. */
int journal_util_append_entry(StrBuf *b, uint64_t realtime_usec, const char *const *fields);

/* Feeds export-format text to systemd-journal-remote --output=path and waits for it.
 * path must end in ".journal" and its directory must exist. -EIO if the tool failed. */
int journal_util_write(const char *path, const char *export_text);

/* Runs argv (PATH lookup), stderr to /dev/null, returns its whole stdout. -EIO if it did
 * not exit 0. */
int test_run_capture(char *const *argv, char **ret_stdout);

/* mkdtemp under /tmp; and removal of such a directory with the files directly in it. */
int test_mkdtemp(char **ret);
void test_rm_rf(const char *dir);
