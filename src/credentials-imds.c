/* SPDX-License-Identifier: MIT */
/*
 * Instance profile credentials from the EC2 instance metadata service, IMDSv2 only:
 * PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds), then with the token
 * GET /latest/meta-data/iam/security-credentials/ for the role name and GET …/ROLE for the
 * keys. AWS_EC2_METADATA_SERVICE_ENDPOINT moves the service, AWS_EC2_METADATA_DISABLED=true
 * turns the provider off. Timeouts are short and attempts few, so that off EC2 the chain
 * gives up within about two seconds: no answer to the token request means "not on EC2"
 * (-ENOENT, logged at debug), as does an instance without a role.
 *
 * Deliberately not here: IMDSv1 fallback (an instance that requires v1 is misconfigured),
 * caching the token across fetches (credentials are fetched about hourly).
 * Invariants: the session token of IMDS is wiped and never logged; one request in flight.
 */

#include "credentials-response.h"
#include "credentials.h"
#include "http.h"
#include "cw-limits.h"
#include "shared/log.h"
#include "shared/parse-util.h"

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TOKEN_PATH "/latest/api/token"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

typedef enum ImdsStep {
        IMDS_TOKEN,
        IMDS_ROLE,
        IMDS_CREDENTIALS,
} ImdsStep;

typedef struct ImdsProvider {
        CredentialProvider base;
        HttpClient *http;
        HttpCall *call;
        ImdsStep step;
        unsigned attempt;
        char *endpoint, *token, *role;
        CredentialsCallback cb;
        void *userdata;
} ImdsProvider;

static void imds_reset(ImdsProvider *m) {
        http_call_cancel(TAKE_PTR(m->call));
        m->endpoint = mfree(m->endpoint);
        m->token = erase_and_free(m->token);
        m->role = mfree(m->role);
        m->cb = NULL;
}

static void imds_finish(ImdsProvider *m, int r, const AwsCredentials *creds) {
        CredentialsCallback cb = m->cb;
        void *userdata = m->userdata;

        imds_reset(m);
        cb(r, creds, userdata);
}

static void on_imds_answer(int error, const HttpResponse *resp, void *userdata);

static int imds_send(ImdsProvider *m) {
        _cleanup_free_ char *url = NULL;
        _cleanup_erase_ char *header = NULL;
        int r;

        if (m->step == IMDS_TOKEN)
                r = asprintf(&url, "%s" IMDS_TOKEN_PATH, m->endpoint) < 0 ||
                    asprintf(&header, "X-aws-ec2-metadata-token-ttl-seconds: %u", IMDS_TOKEN_TTL_SEC) < 0;
        else
                r = asprintf(&url, "%s" IMDS_ROLE_PATH "%s", m->endpoint, m->step == IMDS_ROLE ? "" : m->role) < 0 ||
                    asprintf(&header, "X-aws-ec2-metadata-token: %s", m->token) < 0;
        if (r)
                return -ENOMEM;
        HttpRequest req = {
                .method = m->step == IMDS_TOKEN ? "PUT" : "GET",
                .url = url,
                .headers = (char *[]) { header, NULL },
                .timeout_usec = IMDS_TIMEOUT_MSEC * USEC_PER_MSEC,
        };
        return http_client_start(m->http, &req, on_imds_answer, m, &m->call);
}

/* The first line of a text answer, if it is non-empty and made of the allowed characters. */
static char *first_line(const HttpResponse *resp, const char *allowed) {
        size_t n;

        if (!resp->body)
                return NULL;
        n = strcspn(resp->body, "\r\n");
        if (n == 0 || strspn(resp->body, allowed) < n)
                return NULL;
        return strndup(resp->body, n);
}

/* Handles a 200 answer of the current step: advances, or finishes with the keys. */
static int imds_step_done(ImdsProvider *m, const HttpResponse *resp) {
        /* IAM role names: alphanumerics and +=,.@_- (IAM API Reference, RoleName). */
        static const char role_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-";
        AwsCredentials creds = {};
        int r;

        switch (m->step) {
        case IMDS_TOKEN:
                m->token = first_line(resp, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-");
                if (!m->token)
                        return log_warning_errno(EBADMSG, "EC2 metadata service answered an invalid token.");
                break;
        case IMDS_ROLE:
                m->role = first_line(resp, role_chars);
                if (!m->role)
                        return log_warning_errno(EBADMSG, "EC2 metadata service answered an invalid role name.");
                break;
        case IMDS_CREDENTIALS:
                r = container_parse_credentials(resp->body, resp->body_size, &creds);
                if (r < 0)
                        return log_warning_errno(r, "EC2 metadata service answered something that is not "
                                                 "credentials for role '%s'.", m->role);
                log_debug("Instance profile credentials for role '%s'.", m->role);
                imds_finish(m, 0, &creds);
                aws_credentials_done(&creds);
                return 1;
        }
        m->step++;
        m->attempt = 1;
        return imds_send(m);
}

/* What a failed attempt means: retry, "not on EC2 / no role" (-ENOENT), or an error. */
static int imds_failure(ImdsProvider *m, int error, const HttpResponse *resp) {
        bool retry = error < 0 || resp->status >= 500;

        if (retry && m->attempt < IMDS_ATTEMPTS) {
                m->attempt++;
                return imds_send(m);
        }
        if (m->step == IMDS_TOKEN && (error < 0 || resp->status == 404)) {
                log_debug("No EC2 metadata service at %s, not on EC2.", m->endpoint);
                return -ENOENT;
        }
        if (m->step == IMDS_ROLE && error >= 0 && resp->status == 404) {
                log_debug("This EC2 instance has no instance profile.");
                return -ENOENT;
        }
        if (error < 0)
                return log_warning_errno(error, "EC2 metadata service request failed: %m");
        return log_warning_errno(EACCES, "EC2 metadata service answered HTTP %ld.", resp->status);
}

static void on_imds_answer(int error, const HttpResponse *resp, void *userdata) {
        ImdsProvider *m = userdata;
        int r;

        m->call = NULL;
        if (error >= 0 && resp->status == 200)
                r = imds_step_done(m, resp);
        else
                r = imds_failure(m, error, resp);
        if (r < 0)
                imds_finish(m, r, NULL);
}

static int imds_fetch(CredentialProvider *base, CredentialsCallback cb, void *userdata) {
        ImdsProvider *m = (ImdsProvider *) base;
        const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
        const char *endpoint = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
        int r;

        if (m->cb)
                return -EBUSY;
        if (disabled && parse_boolean(disabled) > 0) {
                cb(-ENOENT, NULL, userdata);
                return 0;
        }
        m->endpoint = strdup(isempty(endpoint) ? IMDS_DEFAULT_ENDPOINT : endpoint);
        if (!m->endpoint)
                return -ENOMEM;
        if (*m->endpoint && m->endpoint[strlen(m->endpoint) - 1] == '/')
                m->endpoint[strlen(m->endpoint) - 1] = 0;
        m->cb = cb;
        m->userdata = userdata;
        m->step = IMDS_TOKEN;
        m->attempt = 1;
        r = imds_send(m);
        if (r < 0)
                imds_finish(m, r, NULL);
        return 0;
}

static void imds_cancel(CredentialProvider *base) {
        imds_reset((ImdsProvider *) base);
}

static void imds_destroy(CredentialProvider *base) {
        imds_reset((ImdsProvider *) base);
        free(base);
}

static const CredentialProviderOps imds_ops = {
        .name = "instance-profile",
        .fetch = imds_fetch,
        .cancel = imds_cancel,
        .destroy = imds_destroy,
};

int credential_provider_imds_new(HttpClient *http, CredentialProvider **ret) {
        ImdsProvider *m;

        if (!http)
                return -EINVAL;
        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        *m = (ImdsProvider) { .base.ops = &imds_ops, .http = http };
        *ret = &m->base;
        return 0;
}
