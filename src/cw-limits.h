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

/* Smallest max_event_size that still leaves room for the overhead, the suffix and one
 * character of the longest UTF-8 length; smaller settings are raised to it. */
#define EVENT_SIZE_MIN (CW_EVENT_OVERHEAD + (sizeof(CW_TRUNCATED_SUFFIX) - 1) + 4U)

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
/* Response header lines kept per response; AWS answers carry about a dozen. */
#define HTTP_RESPONSE_HEADERS_MAX 128U
/* A transfer that moves less than 1 byte/s for this long has stalled and fails, even before
 * its overall timeout (curl's CURLOPT_LOW_SPEED_TIME). */
#define HTTP_LOW_SPEED_TIME_SEC 15U
/* Connections per host (curl's CURLMOPT_MAX_HOST_CONNECTIONS): more requests queue inside
 * curl. 8 is far above the per-stream concurrency we need and polite to proxies. */
#define HTTP_MAX_HOST_CONNECTIONS 8L

/* Service error text kept from a response (message, or a printable snippet of a garbage
 * body) so logs stay readable when a proxy answers with a whole HTML page. */
#define CW_ERROR_TEXT_MAX 256U

/* Config and credential files are small; refuse anything larger. */
#define CONFIG_FILE_MAX (4U * 1024 * 1024)
#define STATE_FILE_MAX (64U * 1024)

/* Drain on SIGTERM: well inside systemd's default TimeoutStopSec=90s and the unit's 30s. */
#define DRAIN_TIMEOUT_SEC 20U

/* Temporary credentials are refreshed this long before they expire. */
#define CREDENTIALS_REFRESH_AHEAD_SEC 300U


/* PutLogEvents requests in flight per stream. Sequence tokens are gone (2023), so more than
 * one is allowed; acknowledgements still settle checkpoints in order (ack.c). */
#define STREAM_MAX_IN_FLIGHT 4U

/* --once gives up on a batch after this many attempts (a daemon retries forever). */
#define ONCE_MAX_ATTEMPTS 6U

/* Create group/stream round trips before backing off (eventual consistency can make a
 * just-created group look missing for a moment). */
#define CREATE_MAX_ROUNDS 3U

/* All sections together buffer at most this many message bytes (pending + in flight)
 * before sources pause, whatever queue_size says: keeps memory flat with many streams. */
#define SHIPPER_BUFFER_MAX (24U * 1024 * 1024)

/* journal_format: a timestamp is valid below 2^55 us (year 3111), the bound sd-journal itself
 * uses for realtime values (VALID_REALTIME in systemd's journal-file.h); journalctl ignores
 * a _SOURCE_REALTIME_TIMESTAMP outside (0, this). */
#define JOURNAL_REALTIME_MAX (UINT64_C(1) << 55)
/* journal_format json: fields per entry handled by the one-pass renderer (journald entries
 * carry ~25-35); an entry with more, or with a repeated field name, takes the slower path
 * that copies the entry first. The hash table has twice as many slots. */
#define JOURNAL_JSON_FAST_FIELDS 128U
