/* SPDX-License-Identifier: MIT */
/* CloudWatch Logs protocol: request bodies (parsed back with jansson) and response
 * classification over real error shapes and garbage. */

#include <jansson.h>

#include "cloudwatch.h"
#include "test.h"
#include "utf8.h"

/* ---- bodies ---- */

static json_t *parse(const StrBuf *b) {
        json_error_t err;
        json_t *j = json_loadb(b->data, b->len, JSON_ALLOW_NUL, &err);

        if (!j)
                fprintf(stderr, "jansson: %s at %d: %.200s\n", err.text, err.position, b->data);
        return j;
}

/* The string as a JSON reader sees it equals the (repaired) input. */
static void assert_roundtrip(const char *s, size_t n) {
        StrBuf body = STRBUF_INIT(0), want = STRBUF_INIT(0);
        json_t *j;

        ASSERT_OK(strbuf_puts(&body, "["));
        ASSERT_OK(json_append_string(&body, s, n));
        ASSERT_OK(strbuf_puts(&body, "]"));
        ASSERT_TRUE(utf8_is_valid(body.data, body.len));
        ASSERT_OK(utf8_append_repaired(&want, s, n));
        j = parse(&body);
        ASSERT_NOT_NULL(j);
        ASSERT_TRUE(json_is_string(json_array_get(j, 0)));
        ASSERT_EQ(json_string_length(json_array_get(j, 0)), want.len);
        ASSERT_TRUE(memcmp(json_string_value(json_array_get(j, 0)), want.data ?: "", want.len) == 0);
        json_decref(j);
        strbuf_done(&body);
        strbuf_done(&want);
}

TEST(escape_exact_output) {
        static const char raw[] = "a\"b\\c\nd\re\tf\bg\fh\x01i\x1fj\x7fk\0l";
        StrBuf b = STRBUF_INIT(0);

        ASSERT_OK(json_append_string(&b, raw, sizeof(raw) - 1));
        ASSERT_STREQ(b.data, "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001fj\x7fk\\u0000l\"");
        strbuf_reset(&b);
        ASSERT_OK(json_append_string(&b, "caf\xC3\xA9 \xF0\x9F\x98\x80 /", 12));
        ASSERT_STREQ(b.data, "\"caf\xC3\xA9 \xF0\x9F\x98\x80 /\""); /* UTF-8 and '/' kept */
        strbuf_reset(&b);
        ASSERT_OK(json_append_string(&b, "bad\xFF\xC3", 5));
        ASSERT_STREQ(b.data, "\"bad\xEF\xBF\xBD\xEF\xBF\xBD\"");
        strbuf_reset(&b);
        ASSERT_OK(json_append_string(&b, "", 0));
        ASSERT_STREQ(b.data, "\"\"");
        strbuf_done(&b);
}

TEST(escape_roundtrips_special_byte_at_every_offset) {
        static const char specials[] = "\"\\\n\x01\x1f\xC3\xA9\xFF\xE2\x82";
        char buf[40];

        /* The 16-byte fast path must notice a special byte wherever it sits, whatever the
         * length leaves for the byte-by-byte tail. */
        for (size_t s = 0; s < sizeof(specials) - 1; s++)
                for (size_t len = 1; len <= sizeof(buf); len++)
                        for (size_t pos = 0; pos < len; pos++) {
                                memset(buf, 'a', sizeof(buf));
                                buf[pos] = specials[s];
                                assert_roundtrip(buf, len);
                        }
}

TEST(escape_roundtrips_random_bytes) {
        uint64_t x = 12345;
        char buf[257];

        for (unsigned round = 0; round < 2000; round++) {
                size_t n = round % sizeof(buf);

                for (size_t i = 0; i < n; i++) {
                        x = x * UINT64_C(6364136223846793005) + 1;
                        /* mostly ASCII, some high bytes, some control characters */
                        buf[i] = (char) ((x >> 60) < 12 ? 0x20 + (x >> 33) % 95 : (x >> 40) & 0xFF);
                }
                assert_roundtrip(buf, n);
        }
}

TEST(escape_grows_past_the_room_reserved_for_the_input) {
        char raw[300], want[300 * 6 + 3];
        StrBuf b = STRBUF_INIT(0);
        size_t w = 0;

        /* Every byte widens: each escape has to find room beyond the input's length. */
        want[w++] = '"';
        for (size_t i = 0; i < sizeof(raw); i++) {
                raw[i] = (char) (i % 3 == 0 ? 0x01 : i % 3 == 1 ? '"' : 0xFF);
                w += (size_t) sprintf(want + w, "%s", i % 3 == 0 ? "\\u0001" : i % 3 == 1 ? "\\\"" : "\xEF\xBF\xBD");
        }
        want[w++] = '"';
        want[w] = 0;
        ASSERT_OK(json_append_string(&b, raw, sizeof(raw)));
        ASSERT_EQ(b.len, w);
        ASSERT_STREQ(b.data, want);
        strbuf_done(&b);
}

TEST(escape_failure_leaves_buffer_unchanged) {
        StrBuf b = STRBUF_INIT(10);

        ASSERT_OK(strbuf_puts(&b, "x"));
        ASSERT_ERR(json_append_string(&b, "\x01\x01\x01", 3), ENOBUFS);
        ASSERT_STREQ(b.data, "x");
        strbuf_done(&b);
}

static Record *rec(int64_t ts, const char *m, size_t n) {
        Record *r = NULL;

        if (record_new(ts, m, n, NULL, &r) < 0)
                abort();
        return r;
}

TEST(put_log_events_exact_text) {
        StrBuf b = STRBUF_INIT(0);
        Record *r[2] = { rec(1, "a", 1), rec(1700000000123, "b\"", 2) };

        ASSERT_OK(cw_build_put_log_events(&b, "g", "s", r, 2, NULL));
        ASSERT_STREQ(b.data, "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":["
                             "{\"timestamp\":1,\"message\":\"a\"},"
                             "{\"timestamp\":1700000000123,\"message\":\"b\\\"\"}]}");
        ASSERT_OK(cw_build_put_log_events(&b, "g", "s", r, 0, "tok"));
        ASSERT_STREQ(b.data, "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"sequenceToken\":\"tok\","
                             "\"logEvents\":[]}");
        record_free(r[0]);
        record_free(r[1]);
        strbuf_done(&b);
}

TEST(put_log_events_parses_back) {
        static const char *const msgs[] = {
                "plain", "tab\there", "line\nbreak", "quote \" and \\ backslash", "\x01\x02\x1b[31mred",
                "\xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80", "nul\0inside",
                "{\"json\":[1,2,{\"k\":\"v\"}]}", "\xE2\x80\xA8 line separator",
        };
        static const int64_t ts[] = { 0, 1, 1700000000000, INT64_C(253402300799999), 5, 6, 7, 8, 9 };
        Record *r[ELEMENTSOF(msgs)];
        StrBuf b = STRBUF_INIT(0);
        json_t *j, *events;

        for (size_t i = 0; i < ELEMENTSOF(msgs); i++)
                r[i] = rec(ts[i], msgs[i], i == 6 ? 11 : strlen(msgs[i]));
        ASSERT_OK(cw_build_put_log_events(&b, "/var/log/\"group\"", "i-0abc/stream\\1", r, ELEMENTSOF(r),
                                          "49590302283023748712356123"));
        j = parse(&b);
        ASSERT_NOT_NULL(j);
        ASSERT_STREQ(json_string_value(json_object_get(j, "logGroupName")), "/var/log/\"group\"");
        ASSERT_STREQ(json_string_value(json_object_get(j, "logStreamName")), "i-0abc/stream\\1");
        ASSERT_STREQ(json_string_value(json_object_get(j, "sequenceToken")), "49590302283023748712356123");
        events = json_object_get(j, "logEvents");
        ASSERT_EQ(json_array_size(events), ELEMENTSOF(msgs));
        for (size_t i = 0; i < ELEMENTSOF(msgs); i++) {
                json_t *e = json_array_get(events, i), *t = json_object_get(e, "timestamp"),
                       *m = json_object_get(e, "message");

                ASSERT_TRUE(json_is_integer(t));
                ASSERT_EQ(json_integer_value(t), ts[i]);
                ASSERT_EQ(json_string_length(m), r[i]->size);
                ASSERT_TRUE(memcmp(json_string_value(m), r[i]->message, r[i]->size) == 0);
                record_free(r[i]);
        }
        json_decref(j);
        strbuf_done(&b);
}

TEST(put_log_events_over_cap_fails_cleanly) {
        StrBuf b = STRBUF_INIT(64);
        Record *r = rec(1, "0123456789012345678901234567890123456789", 40);

        ASSERT_ERR(cw_build_put_log_events(&b, "g", "s", &r, 1, NULL), ENOBUFS);
        ASSERT_EQ(b.len, 0);
        record_free(r);
        strbuf_done(&b);
}

TEST(small_bodies_exact_text) {
        StrBuf b = STRBUF_INIT(0);

        ASSERT_OK(cw_build_create_log_group(&b, "grp"));
        ASSERT_STREQ(b.data, "{\"logGroupName\":\"grp\"}");
        ASSERT_OK(cw_build_create_log_stream(&b, "grp", "st\"r"));
        ASSERT_STREQ(b.data, "{\"logGroupName\":\"grp\",\"logStreamName\":\"st\\\"r\"}");
        ASSERT_OK(cw_build_put_retention_policy(&b, "grp", 3653));
        ASSERT_STREQ(b.data, "{\"logGroupName\":\"grp\",\"retentionInDays\":3653}");
        strbuf_done(&b);
}

/* ---- classification ---- */

typedef struct ClassifyCase {
        long status;
        const char *request_id;
        const char *body;
        size_t size;
        CwOutcome outcome;
        const char *type;    /* expected error_type, NULL = none */
        const char *message; /* expected error_message prefix, NULL = none */
        const char *token;   /* expected expected_token, NULL = none */
} ClassifyCase;

#define RID "7b9c4d2e-1f3a-4b5c-8d6e-9f0a1b2c3d4e"
#define B(s) s, sizeof(s) - 1
#define ERR(t, m) "{\"__type\":\"" t "\",\"message\":\"" m "\"}"

static const ClassifyCase classify_cases[] = {
        /* success */
        { 200, RID, B("{\"nextSequenceToken\":\"49612345\"}"), CW_OK, NULL, NULL, NULL },
        { 200, RID, B(""), CW_OK, NULL, NULL, NULL },
        { 200, RID, B(" \r\n"), CW_OK, NULL, NULL, NULL },
        { 200, RID, B("{}"), CW_OK, NULL, NULL, NULL },
        /* 200 that did not come from CloudWatch */
        { 200, NULL, B("{}"), CW_GARBAGE, NULL, "HTTP 200 without x-amzn-RequestId", NULL },
        { 200, "", B(""), CW_GARBAGE, NULL, "HTTP 200 without x-amzn-RequestId", NULL },
        { 200, RID, B("<html><body>Welcome to the hotel WiFi</body></html>"), CW_GARBAGE, NULL,
          "<html><body>Welcome", NULL },
        { 200, RID, B("[1,2]"), CW_GARBAGE, NULL, "[1,2]", NULL },
        { 200, RID, B("{\"nextSequenceToken\":\"4961"), CW_GARBAGE, NULL, "{\"nextSequenceToken", NULL },
        { 200, RID, B("\x00\x01\xFF\xFE binary"), CW_GARBAGE, NULL, "  \xEF\xBF\xBD\xEF\xBF\xBD binary", NULL },
        /* the typed outcomes, both __type spellings */
        { 400, RID,
          B("{\"__type\":\"DataAlreadyAcceptedException\",\"message\":\"The given batch of log events has "
            "already been accepted. The next batch can be sent with sequenceToken: 4961\","
            "\"expectedSequenceToken\":\"4961\"}"),
          CW_ALREADY_ACCEPTED, "DataAlreadyAcceptedException", "The given batch", "4961" },
        { 400, RID, B(ERR("ResourceAlreadyExistsException", "The specified log group already exists")),
          CW_ALREADY_EXISTS, "ResourceAlreadyExistsException", "The specified log group already exists", NULL },
        { 400, RID,
          B("{\"__type\":\"com.amazonaws.logs#InvalidSequenceTokenException\",\"expectedSequenceToken\":"
            "\"49590302283\",\"message\":\"The given sequenceToken is invalid.\"}"),
          CW_INVALID_SEQUENCE, "InvalidSequenceTokenException", "The given sequenceToken", "49590302283" },
        { 400, RID, B(ERR("ResourceNotFoundException", "The specified log stream does not exist.")),
          CW_NOT_FOUND, "ResourceNotFoundException", "The specified log stream does not exist.", NULL },
        { 400, RID, B(ERR("com.amazonaws.logs#ResourceNotFoundException", "The specified log group does not exist.")),
          CW_NOT_FOUND, "ResourceNotFoundException", NULL, NULL },
        { 400, RID, B(ERR("ThrottlingException", "Rate exceeded")), CW_THROTTLED, "ThrottlingException",
          "Rate exceeded", NULL },
        { 400, RID, B(ERR("com.amazonaws.logs#ThrottlingException", "Rate exceeded")), CW_THROTTLED,
          "ThrottlingException", NULL, NULL },
        { 400, RID, B(ERR("LimitExceededException", "Resource limit exceeded.")), CW_THROTTLED,
          "LimitExceededException", NULL, NULL },
        { 400, RID, B(ERR("RequestLimitExceeded", "Request limit exceeded.")), CW_THROTTLED,
          "RequestLimitExceeded", NULL, NULL },
        { 400, RID, B(ERR("TooManyRequestsException", "Too many requests")), CW_THROTTLED,
          "TooManyRequestsException", NULL, NULL },
        { 429, RID, B(""), CW_THROTTLED, NULL, NULL, NULL },
        { 429, NULL, B("<html>Too Many Requests</html>"), CW_THROTTLED, NULL, "<html>Too Many", NULL },
        { 503, RID, B(ERR("ServiceUnavailableException", "The service is unavailable")), CW_SERVER_ERROR,
          "ServiceUnavailableException", NULL, NULL },
        { 500, RID, B("{\"__type\":\"InternalFailure\"}"), CW_SERVER_ERROR, "InternalFailure", NULL, NULL },
        { 400, RID, B("{\"__type\":\"InternalFailure\"}"), CW_SERVER_ERROR, "InternalFailure", NULL, NULL },
        { 502, NULL, B("<html><head><title>502 Bad Gateway</title></head></html>"), CW_SERVER_ERROR, NULL,
          "<html><head><title>502 Bad Gateway", NULL },
        { 504, NULL, B(""), CW_SERVER_ERROR, NULL, NULL, NULL },
        /* a 5xx never becomes a request to bisect, even if it names a bad parameter */
        { 500, RID, B(ERR("InvalidParameterException", "odd")), CW_SERVER_ERROR, "InvalidParameterException",
          NULL, NULL },
        { 503, RID, B(ERR("ThrottlingException", "Rate exceeded")), CW_THROTTLED, "ThrottlingException", NULL,
          NULL },
        /* credentials */
        { 400, RID, B(ERR("ExpiredTokenException", "The security token included in the request is expired")),
          CW_CREDENTIALS, "ExpiredTokenException", "The security token included", NULL },
        { 400, RID, B(ERR("ExpiredToken", "expired")), CW_CREDENTIALS, "ExpiredToken", NULL, NULL },
        { 400, RID, B(ERR("UnrecognizedClientException", "The security token included in the request is invalid.")),
          CW_CREDENTIALS, "UnrecognizedClientException", NULL, NULL },
        { 400, RID,
          B(ERR("InvalidSignatureException", "The request signature we calculated does not match the signature "
                                             "you provided. Check your AWS Secret Access Key and signing method.")),
          CW_CREDENTIALS, "InvalidSignatureException", "The request signature", NULL },
        { 400, RID, B(ERR("IncompleteSignature", "Authorization header requires 'Credential' parameter.")),
          CW_CREDENTIALS, "IncompleteSignature", NULL, NULL },
        { 403, RID, B(ERR("MissingAuthenticationToken", "Missing Authentication Token")), CW_CREDENTIALS,
          "MissingAuthenticationToken", NULL, NULL },
        { 403, RID, B(ERR("InvalidClientTokenId", "The security token is invalid.")), CW_CREDENTIALS,
          "InvalidClientTokenId", NULL, NULL },
        { 403, RID, B(ERR("SignatureDoesNotMatch", "Signature expired")), CW_CREDENTIALS, "SignatureDoesNotMatch",
          NULL, NULL },
        /* access */
        { 400, RID,
          B("{\"__type\":\"AccessDeniedException\",\"Message\":\"User: arn:aws:sts::123456789012:assumed-role/x "
            "is not authorized to perform: logs:PutLogEvents\"}"),
          CW_ACCESS_DENIED, "AccessDeniedException", "User: arn:aws:sts::123456789012", NULL },
        { 403, RID, B(ERR("AccessDenied", "no")), CW_ACCESS_DENIED, "AccessDenied", "no", NULL },
        /* bad requests: bisect */
        { 400, RID,
          B(ERR("InvalidParameterException",
                "Log events in a single PutLogEvents request must be in chronological order.")),
          CW_INVALID_REQUEST, "InvalidParameterException", "Log events in a single", NULL },
        { 400, RID, B("{\"__type\":\"SerializationException\"}"), CW_INVALID_REQUEST, "SerializationException",
          NULL, NULL },
        { 400, RID,
          B("{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"1 validation error "
            "detected\"}"),
          CW_INVALID_REQUEST, "ValidationException", "1 validation error", NULL },
        { 400, RID, B("{\"__type\":\"ValidationException:http://internal.amazon.com/coral/\"}"),
          CW_INVALID_REQUEST, "ValidationException", NULL, NULL },
        { 404, RID, B(ERR("MalformedQueryString", "bad")), CW_INVALID_REQUEST, "MalformedQueryString", NULL, NULL },
        { 400, RID, B(ERR("BrandNewException", "something new")), CW_INVALID_REQUEST, "BrandNewException",
          "something new", NULL },
        /* garbage */
        { 400, RID, B("{\"message\":\"no type\"}"), CW_GARBAGE, NULL, "no type", NULL },
        { 400, RID, B("{\"__type\":\"\"}"), CW_GARBAGE, NULL, NULL, NULL },
        { 400, RID, B("{\"__type\":42}"), CW_GARBAGE, NULL, NULL, NULL },
        { 400, RID, B("{\"__type\":\"ThrottlingExce"), CW_GARBAGE, NULL, "{\"__type\"", NULL },
        { 400, RID, B(""), CW_GARBAGE, NULL, NULL, NULL },
        { 403, NULL, B("<!DOCTYPE html><html><body><h1>Access to this site is blocked</h1></body></html>"),
          CW_GARBAGE, NULL, "<!DOCTYPE html>", NULL },
        { 400, RID, B("\x1f\x8b\x08\x00\x00\x00\x00\x00"), CW_GARBAGE, NULL, " \xEF\xBF\xBD", NULL },
        { 400, RID, B("\"ThrottlingException\""), CW_GARBAGE, NULL, NULL, NULL },
        { 302, NULL, B(""), CW_GARBAGE, NULL, NULL, NULL },
        { 204, RID, B(""), CW_GARBAGE, NULL, NULL, NULL },
        { 0, NULL, B(""), CW_GARBAGE, NULL, NULL, NULL },
        { 100, NULL, B(ERR("ThrottlingException", "x")), CW_GARBAGE, "ThrottlingException", NULL, NULL },
};

static void check_case(size_t i, const ClassifyCase *c) {
        CwResult res;

        ASSERT_OK(cw_classify(c->status, c->request_id, c->body, c->size, &res));
        if (res.outcome != c->outcome)
                TEST_FAIL_AT("case %zu (HTTP %ld): got %s, want %s", i, c->status,
                             cw_outcome_to_string(res.outcome), cw_outcome_to_string(c->outcome));
        if (!streq_ptr(res.error_type, c->type))
                TEST_FAIL_AT("case %zu: type '%s', want '%s'", i, strna(res.error_type), strna(c->type));
        if (c->message && (!res.error_message || !startswith(res.error_message, c->message)))
                TEST_FAIL_AT("case %zu: message '%s', want '%s…'", i, strna(res.error_message), c->message);
        if (!streq_ptr(res.expected_token, c->token))
                TEST_FAIL_AT("case %zu: token '%s'", i, strna(res.expected_token));
        ASSERT_EQ(res.too_new_start, -1);
        ASSERT_EQ(res.too_old_end, -1);
        ASSERT_EQ(res.expired_end, -1);
        if (res.error_message) {
                ASSERT_TRUE(strlen(res.error_message) <= CW_ERROR_TEXT_MAX);
                ASSERT_TRUE(utf8_is_valid(res.error_message, strlen(res.error_message)));
        }
        cw_result_done(&res);
}

TEST(classify_table) {
        for (size_t i = 0; i < ELEMENTSOF(classify_cases); i++)
                check_case(i, &classify_cases[i]);
}

TEST(classify_null_body) {
        CwResult res;

        ASSERT_OK(cw_classify(200, RID, NULL, 0, &res));
        ASSERT_EQ(res.outcome, CW_OK);
        ASSERT_OK(cw_classify(503, NULL, NULL, 0, &res));
        ASSERT_EQ(res.outcome, CW_SERVER_ERROR);
        ASSERT_NULL(res.error_message);
}

TEST(classify_rejected_log_events_info) {
        static const char full[] = "{\"nextSequenceToken\":\"1\",\"rejectedLogEventsInfo\":"
                                   "{\"tooNewLogEventStartIndex\":7,\"tooOldLogEventEndIndex\":2,"
                                   "\"expiredLogEventEndIndex\":1}}";
        static const char partial[] = "{\"rejectedLogEventsInfo\":{\"tooOldLogEventEndIndex\":3}}";
        static const char odd[] = "{\"rejectedLogEventsInfo\":{\"tooNewLogEventStartIndex\":\"7\","
                                  "\"tooOldLogEventEndIndex\":-4,\"expiredLogEventEndIndex\":1.5}}";
        static const char not_object[] = "{\"rejectedLogEventsInfo\":[1,2,3]}";
        CwResult res;

        ASSERT_OK(cw_classify(200, RID, full, strlen(full), &res));
        ASSERT_EQ(res.outcome, CW_OK);
        ASSERT_EQ(res.too_new_start, 7);
        ASSERT_EQ(res.too_old_end, 2);
        ASSERT_EQ(res.expired_end, 1);
        cw_result_done(&res);

        ASSERT_OK(cw_classify(200, RID, partial, strlen(partial), &res));
        ASSERT_EQ(res.too_new_start, -1);
        ASSERT_EQ(res.too_old_end, 3);
        ASSERT_EQ(res.expired_end, -1);

        ASSERT_OK(cw_classify(200, RID, odd, strlen(odd), &res));
        ASSERT_EQ(res.outcome, CW_OK);
        ASSERT_EQ(res.too_new_start, -1);
        ASSERT_EQ(res.too_old_end, -1);
        ASSERT_EQ(res.expired_end, -1);

        ASSERT_OK(cw_classify(200, RID, not_object, strlen(not_object), &res));
        ASSERT_EQ(res.outcome, CW_OK);
        ASSERT_EQ(res.too_old_end, -1);
}

TEST(classify_bounds_and_cleans_text) {
        StrBuf body = STRBUF_INIT(0);
        CwResult res;

        ASSERT_OK(strbuf_puts(&body, "{\"__type\":\"ThrottlingException\",\"message\":\"line1\\nline2\\u0007"));
        for (unsigned i = 0; i < 500; i++)
                ASSERT_OK(strbuf_puts(&body, "\xC3\xA9"));
        ASSERT_OK(strbuf_puts(&body, "\"}"));
        ASSERT_OK(cw_classify(400, RID, body.data, body.len, &res));
        ASSERT_EQ(res.outcome, CW_THROTTLED);
        ASSERT_TRUE(startswith(res.error_message, "line1 line2 \xC3\xA9"));
        ASSERT_TRUE(strlen(res.error_message) <= CW_ERROR_TEXT_MAX);
        ASSERT_TRUE(strlen(res.error_message) >= CW_ERROR_TEXT_MAX - 1);
        ASSERT_TRUE(utf8_is_valid(res.error_message, strlen(res.error_message)));
        cw_result_done(&res);
        cw_result_done(NULL);
        strbuf_done(&body);
}

TEST(outcome_names_are_distinct) {
        for (int i = 0; i < _CW_OUTCOME_MAX; i++) {
                ASSERT_NOT_NULL(cw_outcome_to_string(i));
                for (int j = 0; j < i; j++)
                        ASSERT_FALSE(streq(cw_outcome_to_string(i), cw_outcome_to_string(j)));
        }
        ASSERT_NULL(cw_outcome_to_string(_CW_OUTCOME_MAX));
}

TEST(signature_error_text_never_keeps_the_canonical_request) {
        const char *body = "{\"__type\":\"InvalidSignatureException\",\"message\":\"The request signature we "
                           "calculated does not match the signature you provided.\\n\\nThe Canonical String for "
                           "this request should have been\\n'POST\\n/\\n\\nx-amz-security-token:SECRETTOKEN\\n'\"}";
        CwResult res = {};

        ASSERT_OK(cw_classify(403, "rid", body, strlen(body), &res));
        ASSERT_EQ(res.outcome, CW_CREDENTIALS);
        ASSERT_STREQ(res.error_message, "The request signature we calculated does not match the signature you provided.");
        ASSERT_NULL(strstr(res.error_message, "SECRETTOKEN"));
        cw_result_done(&res);
}

TEST_MAIN()
