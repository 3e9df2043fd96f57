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

/* SIGBUS fault addresses kept for diagnostics (src/sigbus.c); the count is exact, only the
 * addresses of older faults are forgotten. */
#define SIGBUS_RECENT_MAX 16U

/* A state file that could not be written (disk full, read-only) is retried this often even
 * when no new checkpoint arrives, so an idle source still persists its position. */
#define STATE_RETRY_SEC 30U

/* A state write that has not come back after this long (a hung disk or NFS server) no longer
 * holds the section's shipping back (see log_source_saving()): it is reported and shipping
 * goes on, with a weaker crash bound until the write returns. */
#define STATE_STALL_SEC 30U

/* Journal message bytes read per entry: one byte more than the largest event CloudWatch
 * accepts, so the sink still sees the message was longer and marks it [truncated]. */
#define JOURNAL_MESSAGE_READ_MAX (CW_MAX_EVENT_BYTES + 1U)
/* _SYSTEMD_UNIT / SYSLOG_IDENTIFIER bytes kept per entry; unit names are at most 256 bytes
 * (systemd's UNIT_NAME_MAX) and stream names are cut at 512 anyway. */
#define JOURNAL_NAME_FIELD_MAX 1024U
/* Consecutive sd_journal_next() failures at one position before the reader seeks past it
 * by time; the first failure is often a file being rotated or vacuumed under us. */
#define JOURNAL_READ_FAILURES_BEFORE_SKIP 3U
/* When a whole reading pass produced nothing but failures, wait this long before reading
 * again instead of spinning. */
#define JOURNAL_READ_RETRY_MSEC 1000U

/* -- config, templates, journal filters -- */

/* buffer_duration upper bound: a batch may not span more than 24 h anyway
 * (CW_MAX_BATCH_SPAN_MS), so waiting longer than that can never help. */
#define BUFFER_DURATION_MAX_MS (24U * 3600 * 1000)

/* queue_size: at least one batch must fit; the cap bounds memory per stream
 * (1000 batches of up to 1 MiB is already more than any sane host should buffer). */
#define QUEUE_SIZE_MAX 1000U

/* max_streams (per section, {unit}/{identifier} templates): default cap on distinct
 * per-event streams, so a template cannot turn a noisy host into thousands of streams. */
#define MAX_STREAMS_DEFAULT 100U
#define MAX_STREAMS_MAX 10000U

/* file_fingerprint_lines: the old agent had no cap; hashing more than this many lines to
 * recognise a file means reading far into it before shipping anything. */
#define FINGERPRINT_LINES_MAX 1000U

/* A state file is NAME.cursor / NAME.file plus fileio's ".tmp.PID" suffix; keep the escaped
 * section name well inside NAME_MAX (255) so all of them fit. */
#define SECTION_STATE_NAME_MAX 200U

/* Journal field names: journald accepts at most 64 characters (systemd's
 * journal_field_valid()). */
#define JOURNAL_FIELD_NAME_MAX 64U

/* Unit names: systemd's UNIT_NAME_MAX is 256 including the NUL. */
#define UNIT_NAME_MAX 255U

/* SigV4 canonical request (method, path, query, headers; the payload is only hashed). Ours are
 * a few hundred bytes; the cap only stops a runaway caller. */
#define SIGV4_CANONICAL_REQUEST_MAX (256U * 1024)

/* ~/.aws/credentials and ~/.aws/config (and the systemd credential in that form) hold a few
 * profiles of a few lines each; anything bigger is not such a file. */
#define AWS_INI_FILE_MAX (1U * 1024 * 1024)

/* credential_process: its JSON answer is well under 4 KiB; the AWS CLI gives the process no
 * deadline, we give it a generous one so a hung helper cannot stall credentials forever. */
#define CREDENTIAL_PROCESS_OUTPUT_MAX (64U * 1024)
#define CREDENTIAL_PROCESS_TIMEOUT_SEC 60U

/* Web identity token files (Kubernetes projected service-account tokens) are ~1-2 KiB JWTs;
 * AssumeRoleWithWebIdentity accepts at most 20,000 characters (STS API Reference). */
#define WEB_IDENTITY_TOKEN_MAX 20000U
/* Container credential authorization tokens (ECS/EKS Pod Identity) are short. */
#define CONTAINER_AUTH_TOKEN_MAX 16384U
/* STS and the container endpoint answer quickly; a stalled one must not hold credentials up. */
#define CREDENTIALS_HTTP_TIMEOUT_SEC 10U
/* EC2 IMDS: botocore's defaults (metadata_service_timeout 1 s), two attempts, so starting
 * off EC2 costs about 2 s at most. The token TTL is the documented maximum (6 hours). */
#define IMDS_TIMEOUT_MSEC 1000U
#define IMDS_ATTEMPTS 2U
#define IMDS_TOKEN_TTL_SEC 21600U
/* A held IMDS token is replaced this long before its TTL ends, so it never expires in flight. */
#define IMDS_TOKEN_REFRESH_AHEAD_SEC 60U
/* IMDS tokens are ~56 characters today; anything far longer is not a token. */
#define IMDS_TOKEN_MAX 1024U
/* Instance ids are "i-" and 17 hex digits today; room to grow, still a sane stream name. */
#define IMDS_INSTANCE_ID_MAX 64U
/* At start the daemon waits this long at most for the identity document (token and GET, each
 * IMDS_ATTEMPTS times IMDS_TIMEOUT_MSEC, normally far less), then goes on without it. */
#define IMDS_STARTUP_TIMEOUT_MSEC 5000U

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

/* journal_format: a timestamp is valid below 2^55 us (year 3111), the bound sd-journal itself
 * uses for realtime values (VALID_REALTIME in systemd's journal-file.h); journalctl ignores
 * a _SOURCE_REALTIME_TIMESTAMP outside (0, this). */
#define JOURNAL_REALTIME_MAX (UINT64_C(1) << 55)
/* journal_format json: fields per entry handled by the one-pass renderer (journald entries
 * carry ~25-35); an entry with more, or with a repeated field name, takes the slower path
 * that copies the entry first. The hash table has twice as many slots. */
#define JOURNAL_JSON_FAST_FIELDS 128U

/* journal_format = short/json: the largest formatted entry we build (JSON can need a few
 * times a field's size). Larger entries ship their MESSAGE instead. */
#define JOURNAL_FORMAT_OUTPUT_MAX (16U * 1024 * 1024)

/* -- metrics -- */

/* Metrics endpoint ([general] metrics_listen). A scraper sends one small GET; 8 KiB is far
 * above any real request head and what most servers accept for one header line. Prometheus
 * scrapes once every few seconds: 16 connections leave room for several scrapers and a curl
 * while bounding memory; more wait in the kernel's listen backlog. 5 s is the usual idle
 * timeout of small HTTP servers and below Prometheus' default scrape timeout (10 s). */
#define METRICS_MAX_CONNECTIONS 16U
#define METRICS_REQUEST_MAX 8192U
#define METRICS_TIMEOUT_SEC 5U
/* The exposition and the status document grow with the number of streams (about 1 KiB per
 * stream, max_streams per section); 32 MiB covers tens of thousands of streams. */
#define METRICS_BODY_MAX (32U * 1024 * 1024)
/* Status file refresh (also STATUS=) and the largest status file `cwlogd --status` reads. */
#define STATUS_INTERVAL_SEC 5U
#define STATUS_FILE_MAX METRICS_BODY_MAX

/* Following a live journal, entries that arrive within this window are read in one pass
 * (journald wakes readers once per entry). Far below any buffer_duration (>= 200 ms). */
#define JOURNAL_FOLLOW_COALESCE_MSEC 50U
