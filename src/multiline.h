/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Grouping a file's lines into events (awslogs multi_line_start_pattern) and timing them
 * (datetime_format, time_zone). A line that matches the start pattern closes the pending event
 * and starts a new one; any other line is appended to the pending event after a '\n'.
 *
 * Patterns, as the old agent documented them:
 * - unset: "^[^\s]", i.e. a line beginning with whitespace (a stack trace's "\tat ...", a
 *   blank line) continues the previous event; every other line starts one;
 * - "{datetime_format}": a line whose start parses with datetime_format;
 * - anything else: a PCRE2 regex searched anywhere in the line (Python's re.search; anchor
 *   it with ^ to match at the start), Unicode-aware like Python 3's re.
 *
 * An event's time is the datetime_format time found in its first line, else the time of the
 * last event whose time parsed, else the time its first line was read (SPEC §4).
 *
 * The caller decides when a pending event is complete without a successor: it calls
 * multiline_flush() once buffer_duration passed with no new line (the old agent flushed at
 * every 1 s end-of-file poll and so split slowly written stack traces).
 *
 * Events are capped at max_size bytes: what does not fit is dropped (the lines are still
 * counted and still extend the event), the event ends with "[truncated]" (SPEC §4) and is
 * flagged; a sink with a lower limit cuts it again and adds its own suffix. Pure; no I/O.
 */

#include "shared/macro.h"

#define MULTILINE_DATETIME_PATTERN "{datetime_format}"
#define MULTILINE_DEFAULT_PATTERN "^[^\\s]"

typedef struct Multiline Multiline;

typedef struct MultilineEvent {
        int64_t timestamp_ms;
        const char *message; /* NUL terminated; valid until the next call on the Multiline */
        size_t size;
        bool truncated;      /* content was dropped; the message ends with "[truncated]" */
        unsigned lines;
        uint64_t start, end; /* the caller's positions of the first line's start, last line's end */
} MultilineEvent;

/* max_size must exceed the suffix "[truncated]". pattern: NULL for the old agent's default. datetime_format may be NULL (then the read time
 * is used, and "{datetime_format}" is an error). On -EINVAL, *ret_error (if given) explains. */
int multiline_new(const char *pattern, const char *datetime_format, bool utc, size_t max_size,
                  Multiline **ret, char **ret_error);
Multiline *multiline_free(Multiline *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Multiline *, multiline_free);

/* Whether line starts a new event under the pattern. */
bool multiline_is_start(Multiline *m, const char *line, size_t len);

/* Feeds one complete line without its line terminator; start/end are the caller's positions
 * of the line (e.g. file offsets before the line and after its newline). Returns 1 and fills
 * *ret when the line completed the pending event, 0 when nothing completed, < 0 on ENOMEM. */
int multiline_push_line(Multiline *m, const char *line, size_t len, uint64_t start, uint64_t end,
                        int64_t now_ms, MultilineEvent *ret);

/* Emits the pending event: 1 and *ret, or 0 if nothing is pending. */
int multiline_flush(Multiline *m, MultilineEvent *ret);

/* The caller dropped part of the pending event's last line (a line longer than it buffers). */
void multiline_mark_truncated(Multiline *m);

bool multiline_pending(const Multiline *m);
/* Start position of the pending event (a checkpoint must not pass it); undefined if none. */
uint64_t multiline_pending_start(const Multiline *m);
/* Forget the pending event and the last parsed time (file replaced, seek). */
void multiline_reset(Multiline *m);
