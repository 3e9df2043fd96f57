/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * CloudWatch Logs JSON 1.1 protocol, pure: request bodies for the operations cwlogd uses,
 * and classification of responses into a typed outcome the shipper acts on (retry policy
 * lives in the shipper, not here). Bodies: cloudwatch.c; classification: cloudwatch-classify.c.
 */

#include "record.h"
#include "shared/strbuf.h"

#define CW_TARGET_PREFIX "Logs_20140328."
#define CW_CONTENT_TYPE "application/x-amz-json-1.1"

typedef enum CwOutcome {
        CW_OK,                   /* accepted (rejected_* may still name dropped events) */
        CW_ALREADY_ACCEPTED,     /* DataAlreadyAcceptedException: counts as success */
        CW_ALREADY_EXISTS,       /* ResourceAlreadyExistsException (create calls): success */
        CW_INVALID_SEQUENCE,     /* InvalidSequenceTokenException: resend with expected_token */
        CW_NOT_FOUND,            /* ResourceNotFoundException: create group/stream, resend */
        CW_THROTTLED,            /* ThrottlingException, LimitExceeded, 429: back off */
        CW_SERVER_ERROR,         /* 5xx, ServiceUnavailable: back off */
        CW_CREDENTIALS,          /* ExpiredToken, UnrecognizedClient, InvalidSignature…: refresh */
        CW_ACCESS_DENIED,        /* AccessDenied: back off long, keep other streams going */
        CW_INVALID_REQUEST,      /* InvalidParameter / SerializationException: bisect */
        CW_GARBAGE,              /* unparseable, missing request id, unexpected status: retry */
        _CW_OUTCOME_MAX,
} CwOutcome;

typedef struct CwResult {
        CwOutcome outcome;
        char *error_type;     /* "ThrottlingException" etc., NULL on success */
        char *error_message;  /* service text, NULL if none */
        char *expected_token; /* InvalidSequenceToken / DataAlreadyAccepted */
        /* rejectedLogEventsInfo, -1 when absent. Indices into the batch as sent. */
        int64_t too_new_start, too_old_end, expired_end;
} CwResult;

const char *cw_outcome_to_string(CwOutcome o);

/* The room cw_build_put_log_events() reserves for n events of message_bytes in all: enough
 * unless messages need escaping. */
size_t cw_put_log_events_estimate(const char *group, const char *stream, const char *token, size_t n,
                                  uint64_t message_bytes);

/* {"logGroupName":…,"logStreamName":…,"logEvents":[{"timestamp":…,"message":…},…]}
 * Records must already be sorted and valid UTF-8. sequence_token may be NULL. Every builder
 * resets out first and leaves it empty on failure (-ENOMEM, or -ENOBUFS past out's cap);
 * the put body is reserved once, so a batch costs no per-event allocation. */
int cw_build_put_log_events(StrBuf *out, const char *group, const char *stream, Record *const *records,
                            size_t n, const char *sequence_token);
int cw_build_create_log_group(StrBuf *out, const char *group);
int cw_build_create_log_stream(StrBuf *out, const char *group, const char *stream);
int cw_build_put_retention_policy(StrBuf *out, const char *group, unsigned days);

/* status: HTTP status; request_id: the x-amzn-RequestId header or NULL; body may be NULL.
 * Never fails on bad input (that is CW_GARBAGE); returns -ENOMEM only. On success *ret owns
 * its strings (release with cw_result_done); error_type has any "prefix#" stripped; all
 * strings are valid UTF-8 without control characters, at most CW_ERROR_TEXT_MAX bytes.
 * For CW_GARBAGE error_message describes what came back (a snippet of the body). */
int cw_classify(long status, const char *request_id, const char *body, size_t size, CwResult *ret);
void cw_result_done(CwResult *r);

/* JSON string escaping as used in bodies (appends "…" with quotes): '"', '\\' and control
 * characters are escaped, valid UTF-8 is kept as is, invalid sequences become U+FFFD. On
 * failure out is unchanged. */
int json_append_string(StrBuf *out, const char *s, size_t n);
