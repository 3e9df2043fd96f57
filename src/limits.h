/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Every limit cwlogd enforces, in one place. AWS limits cite their source; internal caps
 * say why they have the value they have. Nothing else in the tree hard-codes these numbers.
 */

/* PutLogEvents: "The maximum number of log events in a batch is 10,000."
 * (CloudWatch Logs API Reference, PutLogEvents) */
#define CW_MAX_BATCH_COUNT 10000U

/* PutLogEvents: "The maximum batch size is 1,048,576 bytes. This size is calculated as the
 * sum of all event messages in UTF-8, plus 26 bytes for each log event." */
#define CW_MAX_BATCH_BYTES 1048576U
#define CW_EVENT_OVERHEAD 26U

/* Since April 2025 a single event may be 1 MiB including the 26-byte overhead (was 256 KiB).
 * [general] max_event_size can lower it for endpoints that keep the old limit. */
#define CW_MAX_EVENT_BYTES 1048576U
#define CW_OLD_MAX_EVENT_BYTES 262144U

/* "A batch of log events in a single request cannot span more than 24 hours." */
#define CW_MAX_BATCH_SPAN_MS (24LL * 3600 * 1000)

/* "None of the log events in the batch can be more than 2 hours in the future" and
 * "older than 14 days or older than the retention period of the log group". */
#define CW_MAX_FUTURE_MS (2LL * 3600 * 1000)
#define CW_MAX_AGE_MS (14LL * 24 * 3600 * 1000)

/* Log group names: 1-512 chars; log stream names: 1-512 chars, ':' and '*' forbidden.
 * (CreateLogGroup / CreateLogStream API Reference) */
#define CW_MAX_GROUP_NAME 512U
#define CW_MAX_STREAM_NAME 512U

/* Suffix appended to events cut to fit the event limit (SPEC §4). */
#define CW_TRUNCATED_SUFFIX "[truncated]"

/* buffer_duration: the old agent's minimum is 200 ms, default 5000 ms. */
#define BUFFER_DURATION_MIN_MS 200U
#define BUFFER_DURATION_DEFAULT_MS 5000U

/* Batches queued per stream before its source is paused (SPEC §3 queue_size default). */
#define QUEUE_SIZE_DEFAULT 10U

/* Journal reads per event-loop iteration: bounded so a huge backlog cannot starve timers,
 * HTTP and the watchdog (LESSONS: cap the work per iteration). */
#define JOURNAL_ENTRIES_PER_ITERATION 2048U
#define JOURNAL_BYTES_PER_ITERATION (4U * 1024 * 1024)

/* Records per acknowledgement chunk: a checkpoint (journal cursor) is taken at most every
 * this many records, so a crash re-sends at most in-flight batches plus this many entries. */
#define ACK_CHUNK_MAX_RECORDS 64U

/* Retry backoff: exponential with full jitter, capped (SPEC §7). */
#define RETRY_BACKOFF_BASE_MS 100U
#define RETRY_BACKOFF_CAP_MS 30000U

/* Per-request timeout for PutLogEvents and friends; a stalled peer counts as a failure. */
#define HTTP_REQUEST_TIMEOUT_SEC 30U
#define HTTP_CONNECT_TIMEOUT_SEC 10U
/* Largest HTTP response body we buffer; CloudWatch answers are tiny. */
#define HTTP_RESPONSE_MAX (1U * 1024 * 1024)

/* Config and credential files are small; refuse anything larger. */
#define CONFIG_FILE_MAX (4U * 1024 * 1024)
#define STATE_FILE_MAX (64U * 1024)

/* Drain on SIGTERM: well inside systemd's default TimeoutStopSec=90s and the unit's 30s. */
#define DRAIN_TIMEOUT_SEC 20U

/* Temporary credentials are refreshed this long before they expire. */
#define CREDENTIALS_REFRESH_AHEAD_SEC 300U

/* -- file source -- */

/* datetime_format: a timestamp is looked for in the first this many bytes of a line (the old
 * agent searched the whole line; real timestamps sit near the start, and the cap bounds the
 * cost on megabyte lines). */
#define DATETIME_SEARCH_WINDOW 1024U
/* Longest datetime_format accepted; real ones are a few dozen characters. */
#define DATETIME_FORMAT_MAX 256U
/* A format without a year that would land more than a day ahead is last year's ("Dec 31"
 * read on Jan 1); a time-only format more than an hour ahead is yesterday's. */
#define DATETIME_FUTURE_SLACK_DATE_MS (24LL * 3600 * 1000)
#define DATETIME_FUTURE_SLACK_TIME_MS (3600LL * 1000)
/* PCRE2 match limit for multi_line_start_pattern: a pathological pattern gives up on a line
 * (treated as "no match") after this many backtracking steps instead of stalling the loop. */
#define MULTILINE_MATCH_LIMIT 100000U
/* file_fingerprint_lines reads at most this much of a file's head: real header lines are
 * short, and the start of a log file never changes, so a capped head is as good an identity. */
#define FINGERPRINT_READ_MAX (64U * 1024)
#define FINGERPRINT_CHUNK (16U * 1024)
/* Longest line the file source buffers, in characters (times the code unit in bytes): one
 * CloudWatch event plus slack, so a line that long is cut and ends with "[truncated]". */
#define FILE_LINE_MAX (CW_MAX_EVENT_BYTES + 4096U)
/* Bytes a file source reads per event-loop iteration (LESSONS: cap work per iteration). */
#define FILE_BYTES_PER_ITERATION (1024U * 1024)
/* Fallback polling of a followed file and its glob (inotify is the fast path). */
#define FILE_POLL_INTERVAL_USEC (1000U * 1000)
/* After a followed file was renamed away or a newer one appeared, the old file is read on
 * until it has been quiet this long (writers reopen their log a moment after rotation). */
#define FILE_ROTATE_GRACE_USEC (2U * 1000 * 1000)
/* Finished files whose end position a file source remembers (in memory), so that a glob
 * matching several live files hops between them without re-reading any. */
#define FILE_FINISHED_MAX 16U
