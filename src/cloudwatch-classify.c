/* SPDX-License-Identifier: MIT */
/*
 * Classification of CloudWatch Logs responses into a CwOutcome (see cloudwatch.h). The
 * shipper owns every retry decision; this file only says what the answer *was*.
 *
 * Rules, in order:
 *  - 200 needs an x-amzn-RequestId header and a JSON object body (or an empty body, as the
 *    create calls return). A 200 without a request id came from a proxy or captive portal,
 *    not from CloudWatch (LESSONS.md), so it is CW_GARBAGE and is retried. Other 1xx-3xx
 *    statuses are CW_GARBAGE too.
 *  - Errors are named by the body's "__type" ("com.amazonaws.logs#ThrottlingException" and
 *    "ThrottlingException" alike, as botocore reads it). A known name decides, except that a
 *    5xx is always CW_SERVER_ERROR (or CW_THROTTLED): a server-side failure must never lead
 *    the shipper to bisect and drop events.
 *  - Without a known name: 429 throttles, 5xx is a server error, another 4xx with a JSON
 *    __type is an invalid request; anything else (HTML from a proxy, truncated or binary
 *    bodies, JSON without __type) is CW_GARBAGE.
 *
 * Text copied out of a response is bounded (CW_ERROR_TEXT_MAX) and free of control
 * characters, so callers can log it as is.
 */

#include <jansson.h>

#include "cloudwatch.h"
#include "utf8.h"

static const char *const outcome_table[_CW_OUTCOME_MAX] = {
        [CW_OK] = "ok",
        [CW_ALREADY_ACCEPTED] = "already-accepted",
        [CW_ALREADY_EXISTS] = "already-exists",
        [CW_INVALID_SEQUENCE] = "invalid-sequence-token",
        [CW_NOT_FOUND] = "not-found",
        [CW_THROTTLED] = "throttled",
        [CW_SERVER_ERROR] = "server-error",
        [CW_CREDENTIALS] = "credentials",
        [CW_ACCESS_DENIED] = "access-denied",
        [CW_INVALID_REQUEST] = "invalid-request",
        [CW_GARBAGE] = "garbage",
};

const char *cw_outcome_to_string(CwOutcome o) {
        if ((size_t) o >= ELEMENTSOF(outcome_table))
                return NULL;
        return outcome_table[o];
}

static const struct {
        const char *type;
        CwOutcome outcome;
} type_table[] = {
        { "DataAlreadyAcceptedException", CW_ALREADY_ACCEPTED },
        { "ResourceAlreadyExistsException", CW_ALREADY_EXISTS },
        { "InvalidSequenceTokenException", CW_INVALID_SEQUENCE },
        { "ResourceNotFoundException", CW_NOT_FOUND },
        { "ThrottlingException", CW_THROTTLED },
        { "LimitExceededException", CW_THROTTLED },
        { "RequestLimitExceeded", CW_THROTTLED },
        { "TooManyRequestsException", CW_THROTTLED },
        { "ServiceUnavailableException", CW_SERVER_ERROR },
        { "InternalFailure", CW_SERVER_ERROR },
        { "ExpiredTokenException", CW_CREDENTIALS },
        { "ExpiredToken", CW_CREDENTIALS },
        { "UnrecognizedClientException", CW_CREDENTIALS },
        { "InvalidSignatureException", CW_CREDENTIALS },
        { "IncompleteSignature", CW_CREDENTIALS },
        { "MissingAuthenticationToken", CW_CREDENTIALS },
        { "InvalidClientTokenId", CW_CREDENTIALS },
        { "SignatureDoesNotMatch", CW_CREDENTIALS },
        { "AccessDeniedException", CW_ACCESS_DENIED },
        { "AccessDenied", CW_ACCESS_DENIED },
        { "InvalidParameterException", CW_INVALID_REQUEST },
        { "SerializationException", CW_INVALID_REQUEST },
        { "ValidationException", CW_INVALID_REQUEST },
        { "MalformedQueryString", CW_INVALID_REQUEST },
};

static CwOutcome outcome_for(long status, const char *type) {
        CwOutcome known = _CW_OUTCOME_MAX;

        for (size_t i = 0; type && i < ELEMENTSOF(type_table); i++)
                if (streq(type, type_table[i].type)) {
                        known = type_table[i].outcome;
                        break;
                }

        if (status < 400 || status > 599)
                return CW_GARBAGE; /* not an error status: whatever the body says */
        if (status >= 500)
                return known == CW_THROTTLED ? CW_THROTTLED : CW_SERVER_ERROR;
        if (known != _CW_OUTCOME_MAX)
                return known;
        if (status == 429)
                return CW_THROTTLED;
        return type ? CW_INVALID_REQUEST : CW_GARBAGE;
}

/* A bounded, printable copy: control characters become spaces, a cut never splits a
 * character; invalid UTF-8 (garbage bodies) is repaired. */
static char *clean_text(const char *s, size_t n) {
        StrBuf b = STRBUF_INIT(0);
        size_t len;

        if (utf8_append_repaired(&b, s, MIN(n, (size_t) CW_ERROR_TEXT_MAX + 4)) < 0)
                return NULL;
        len = b.len > CW_ERROR_TEXT_MAX ? utf8_truncate_boundary(b.data, CW_ERROR_TEXT_MAX) : b.len;
        for (size_t i = 0; i < len; i++)
                if ((uint8_t) b.data[i] < 0x20 || b.data[i] == 0x7f)
                        b.data[i] = ' ';
        b.len = len;
        b.data[len] = 0;
        return strbuf_steal(&b, NULL);
}

static int set_text(char **dst, const char *s, size_t n) {
        *dst = clean_text(s, n);
        return *dst ? 0 : -ENOMEM;
}

static const char *json_string_member(json_t *root, const char *key, size_t *ret_len) {
        json_t *v = json_object_get(root, key);

        if (!json_is_string(v))
                return NULL;
        *ret_len = json_string_length(v);
        return json_string_value(v);
}

/* "com.amazonaws.logs#ThrottlingException:http://…" -> "ThrottlingException" */
static int set_error_type(CwResult *res, json_t *root) {
        const char *t, *hash, *colon;
        size_t n;

        t = json_string_member(root, "__type", &n);
        if (!t)
                return 0;
        hash = memrchr(t, '#', n);
        if (hash) {
                n -= hash + 1 - t;
                t = hash + 1;
        }
        colon = memchr(t, ':', n);
        if (colon)
                n = colon - t;
        if (n == 0)
                return 0;
        return set_text(&res->error_type, t, n);
}

static int64_t index_member(json_t *info, const char *key) {
        json_t *v = json_object_get(info, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return -1;
        return json_integer_value(v);
}

static int parse_error_body(CwResult *res, json_t *root) {
        const char *s;
        size_t n;
        int r;

        r = set_error_type(res, root);
        if (r < 0)
                return r;
        s = json_string_member(root, "message", &n) ?: json_string_member(root, "Message", &n);
        if (s) {
                /* Signature errors go on to quote the canonical request, which holds the
                 * signed X-Amz-Security-Token: keep only the first paragraph. */
                const char *cut = memmem(s, n, "\n\n", 2) ?: memmem(s, n, "The Canonical String", 20);

                if (cut)
                        n = (size_t) (cut - s);
                r = set_text(&res->error_message, s, n);
                if (r < 0)
                        return r;
        }
        s = json_string_member(root, "expectedSequenceToken", &n);
        if (s) {
                r = set_text(&res->expected_token, s, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void parse_rejected(CwResult *res, json_t *root) {
        json_t *info = json_object_get(root, "rejectedLogEventsInfo");

        if (!json_is_object(info))
                return;
        res->too_new_start = index_member(info, "tooNewLogEventStartIndex");
        res->too_old_end = index_member(info, "tooOldLogEventEndIndex");
        res->expired_end = index_member(info, "expiredLogEventEndIndex");
}

/* JSON's own whitespace; a body of only this is an empty body. */
static bool blank(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
                        return false;
        return true;
}

static int classify_ok(CwResult *res, const char *request_id, bool empty, json_t *root, const char *body,
                       size_t size) {
        if (isempty(request_id)) {
                res->outcome = CW_GARBAGE;
                return set_text(&res->error_message, "HTTP 200 without x-amzn-RequestId",
                                STRLEN("HTTP 200 without x-amzn-RequestId"));
        }
        if (!empty && !root) {
                res->outcome = CW_GARBAGE;
                return set_text(&res->error_message, body, size);
        }
        res->outcome = CW_OK;
        if (root)
                parse_rejected(res, root);
        return 0;
}

int cw_classify(long status, const char *request_id, const char *body, size_t size, CwResult *ret) {
        CwResult res = { .too_new_start = -1, .too_old_end = -1, .expired_end = -1 };
        json_t *root = NULL;
        bool empty = !body || blank(body, size);
        int r = 0;

        if (!empty) {
                root = json_loadb(body, size, 0, NULL);
                if (root && !json_is_object(root)) {
                        json_decref(root);
                        root = NULL;
                }
        }

        if (status == 200)
                r = classify_ok(&res, request_id, empty, root, body, size);
        else {
                if (root)
                        r = parse_error_body(&res, root);
                res.outcome = outcome_for(status, res.error_type);
                if (r >= 0 && !root && !empty)
                        r = set_text(&res.error_message, body, size);
        }
        json_decref(root);
        if (r < 0) {
                cw_result_done(&res);
                return r;
        }
        *ret = res;
        return 0;
}

void cw_result_done(CwResult *r) {
        if (!r)
                return;
        free(r->error_type);
        free(r->error_message);
        free(r->expected_token);
        *r = (CwResult) { .too_new_start = -1, .too_old_end = -1, .expired_end = -1 };
}
