/* SPDX-License-Identifier: MIT */
/*
 * Credentials from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally
 * AWS_SESSION_TOKEN (the names every AWS SDK reads first).
 *
 * Deliberately not here: the legacy AWS_ACCESS_KEY / AWS_SECRET_KEY names, and an expiry
 * (AWS_CREDENTIAL_EXPIRATION): environment keys are taken as long-lived.
 * Invariants: answers synchronously; a half-set pair is an error, not "nothing configured".
 */

#include "credentials.h"
#include "shared/log.h"

static int env_fetch(CredentialProvider *p, CredentialsCallback cb, void *userdata) {
        const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
        const char *token = getenv("AWS_SESSION_TOKEN");

        if (isempty(id) && isempty(secret)) {
                cb(-ENOENT, NULL, userdata);
                return 0;
        }
        if (isempty(id) || isempty(secret)) {
                log_warning("Only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set, ignoring both.");
                cb(-EINVAL, NULL, userdata);
                return 0;
        }
        cb(0,
           &(AwsCredentials) {
                   .access_key_id = (char *) id,
                   .secret_access_key = (char *) secret,
                   .session_token = isempty(token) ? NULL : (char *) token,
                   .provider = "environment",
           },
           userdata);
        return 0;
}

static void env_destroy(CredentialProvider *p) {
        free(p);
}

static const CredentialProviderOps env_ops = {
        .name = "environment",
        .fetch = env_fetch,
        .destroy = env_destroy,
};

int credential_provider_env_new(CredentialProvider **ret) {
        CredentialProvider *p;

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->ops = &env_ops;
        *ret = p;
        return 0;
}
