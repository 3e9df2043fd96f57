/* SPDX-License-Identifier: MIT */
/*
 * Parser of credential_process output; see credentials-process.h.
 *
 * Strict where it matters: the document must be exactly one JSON object without duplicate
 * keys, Version must be the integer 1, the key id and secret non-empty strings; SessionToken
 * and Expiration may be absent or null, other members are ignored (the AWS CLI ignores them).
 * Deliberately not here: running the process, judging whether Expiration is in the past.
 * Invariants: error reasons are static texts (jansson's messages quote the input, which may
 * be a secret, so they are never used); secret strings inside the parsed document are wiped
 * before it is freed.
 */

#include <jansson.h>

#include "credentials-process.h"

static void wipe_string(json_t *v) {
        if (json_is_string(v))
                explicit_bzero((char *) json_string_value(v), json_string_length(v));
}

static void json_wipe_and_free(json_t *root) {
        wipe_string(json_object_get(root, "SecretAccessKey"));
        wipe_string(json_object_get(root, "SessionToken"));
        json_decref(root);
}

/* Present, null or absent: 0 with *ret NULL when absent/null; -EBADMSG when not a string. */
static int optional_string(json_t *root, const char *key, const char **ret) {
        json_t *v = json_object_get(root, key);

        if (!v || json_is_null(v)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            strlen(json_string_value(v)) != json_string_length(v))
                return -EBADMSG;
        *ret = json_string_value(v);
        return 0;
}

static int extract(json_t *root, AwsCredentials *ret, const char **reason) {
        const char *id, *secret, *token, *expiration;
        json_t *version = json_object_get(root, "Version");
        AwsCredentials c = {};

        if (!json_is_object(root))
                return *reason = "did not print a JSON object", -EBADMSG;
        if (!json_is_integer(version))
                return *reason = "printed no integer \"Version\"", -EBADMSG;
        if (json_integer_value(version) != 1)
                return *reason = "printed an unsupported \"Version\" (only 1 is known)", -EPROTONOSUPPORT;
        if (optional_string(root, "AccessKeyId", &id) < 0 || !id)
                return *reason = "printed no valid \"AccessKeyId\"", -EBADMSG;
        if (optional_string(root, "SecretAccessKey", &secret) < 0 || !secret)
                return *reason = "printed no valid \"SecretAccessKey\"", -EBADMSG;
        if (optional_string(root, "SessionToken", &token) < 0)
                return *reason = "printed an invalid \"SessionToken\"", -EBADMSG;
        if (optional_string(root, "Expiration", &expiration) < 0 ||
            (expiration && parse_iso8601(expiration, &c.expiration) < 0))
                return *reason = "printed an invalid \"Expiration\" (want ISO 8601)", -EBADMSG;
        if (expiration && c.expiration == 0)
                return *reason = "printed an invalid \"Expiration\" (want ISO 8601)", -EBADMSG;

        c.access_key_id = (char *) id;
        c.secret_access_key = (char *) secret;
        c.session_token = (char *) token;
        c.provider = "credential-process";
        if (aws_credentials_copy(&c, ret) < 0)
                return *reason = "out of memory", -ENOMEM;
        return 0;
}

int credential_process_parse_output(const char *text, size_t size, AwsCredentials *ret,
                                    const char **ret_reason) {
        const char *reason = NULL;
        json_error_t error;
        json_t *root;
        int r;

        root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &error);
        if (!root) {
                if (ret_reason)
                        *ret_reason = "printed something that is not JSON";
                return -EBADMSG;
        }
        r = extract(root, ret, &reason);
        json_wipe_and_free(root);
        if (r < 0 && ret_reason)
                *ret_reason = reason;
        return r;
}
