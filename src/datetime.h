/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * datetime_format: awslogs' strptime-style time parsing, in C. The directives are Python's
 * (%a %A %b %B %c %d %f %H %I %j %m %M %p %S %U %w %W %x %X %y %Y %z %Z %%) plus the C ones
 * people write anyway (%e %T %D %F %s); names are the C locale's, matched case-insensitively,
 * and any run of whitespace in the format matches one or more whitespace characters, as in
 * Python (whose strptime turns the format into a case-insensitive regex).
 *
 * Departures from Python, all in the direction of "give the event a usable time":
 * - no year in the format: the current year, or the previous one if that would put the
 *   time more than a day into the future (syslog's "Dec 31 23:59:59" read on Jan 1);
 * - no date at all (time-only formats): today, or yesterday if that is more than an hour ahead;
 * - %S accepts a leap second (60);
 * - %Z accepts UTC/GMT (offset 0) and the local zone's names (no effect).
 * Numbers are matched greedily without backtracking, like glibc's strptime.
 *
 * Pure apart from reading the local time zone (and the clock in datetime_parse()).
 */

#include "shared/macro.h"

/* Parses a time at the very start of line[0..len). Returns 0 and the time in ms since the
 * epoch plus the number of bytes the format consumed, -EBADMSG if the line does not match,
 * -EINVAL if the format is invalid. Without %z, utc chooses UTC over the local zone. */
int datetime_parse(const char *format, const char *line, size_t len, bool utc, int64_t *ret_ms,
                   size_t *ret_consumed);
/* Same with an explicit "now" (for the missing-year rule); for tests and replay. */
int datetime_parse_at(const char *format, const char *line, size_t len, bool utc, int64_t now_ms,
                      int64_t *ret_ms, size_t *ret_consumed);

/* The old agent extracted the timestamp wherever the format matched in the line (e.g. an
 * Apache "[10/Oct/2000:13:55:36 -0700]" after the client address). Tries every start offset
 * within the first DATETIME_SEARCH_WINDOW bytes; returns the first match. */
int datetime_search(const char *format, const char *line, size_t len, bool utc, int64_t now_ms,
                    int64_t *ret_ms);

/* 0 if format is usable; otherwise -EINVAL and, if ret_error, a message naming the problem. */
int datetime_format_validate(const char *format, char **ret_error);
