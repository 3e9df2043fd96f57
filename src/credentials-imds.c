/* SPDX-License-Identifier: MIT */
/*
 * Instance profile credentials from the EC2 instance metadata service, through the IMDSv2
 * client of imds.c (token, endpoint, disabling, timeouts and retries live there):
 * GET /latest/meta-data/iam/security-credentials/ for the role name, then …/ROLE for the
 * keys. Not on EC2, IMDS disabled, or an instance without a role: -ENOENT (debug only).
 *
 * Deliberately not here: IMDSv1 fallback (see imds.c), retry timers (the chain's caller asks
 * again).
 * Invariants: one get in flight; the answer holding the keys is parsed by
 * container_parse_credentials(), which wipes what it copied; nothing secret is logged.
 */

#include "credentials-response.h"
#include "credentials.h"
#include "imds.h"
#include "shared/log.h"

typedef struct ImdsProvider {
        CredentialProvider base;
        ImdsClient *imds;
        char *role;
        CredentialsCallback cb;
        void *userdata;
} ImdsProvider;

static void imds_reset(ImdsProvider *m) {
        imds_cancel(m->imds);
        m->role = mfree(m->role);
        m->cb = NULL;
}

static void imds_finish(ImdsProvider *m, int r, const AwsCredentials *creds) {
        CredentialsCallback cb = m->cb;
        void *userdata = m->userdata;

        imds_reset(m);
        cb(r, creds, userdata);
}

static void on_credentials(int error, const char *body, size_t size, void *userdata) {
        ImdsProvider *m = userdata;
        AwsCredentials creds = {};
        int r = error;

        if (r >= 0) {
                r = container_parse_credentials(body, size, &creds);
                if (r < 0)
                        log_warning_errno(r, "EC2 metadata service answered something that is not credentials "
                                          "for role '%s'.", m->role);
                else
                        log_debug("Instance profile credentials for role '%s'.", m->role);
        } else if (r == -ENOENT)
                r = log_warning_errno(ENOENT, "EC2 metadata service has no credentials for role '%s'.", m->role);
        imds_finish(m, r, r < 0 ? NULL : &creds);
        aws_credentials_done(&creds);
}

/* The role name: the first line, made of what IAM allows in RoleName. */
static char *role_from(const char *body) {
        static const char role_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-";
        size_t n = strcspn(body, "\r\n");

        if (n == 0 || n > 64 || strspn(body, role_chars) < n)
                return NULL;
        return strndup(body, n);
}

static void on_role(int error, const char *body, size_t size, void *userdata) {
        _cleanup_free_ char *path = NULL;
        ImdsProvider *m = userdata;
        int r = error;

        if (r == -ENOENT) {
                log_debug("No instance profile (not on EC2, or the instance has no role).");
                return imds_finish(m, -ENOENT, NULL);
        }
        if (r < 0)
                return imds_finish(m, r, NULL);
        m->role = role_from(body);
        if (!m->role)
                return imds_finish(m, log_warning_errno(EBADMSG, "EC2 metadata service answered an invalid "
                                                        "role name."), NULL);
        if (asprintf(&path, IMDS_ROLE_PATH "%s", m->role) < 0)
                return imds_finish(m, -ENOMEM, NULL);
        r = imds_get(m->imds, path, on_credentials, m);
        if (r < 0)
                imds_finish(m, r, NULL);
}

static int imds_fetch(CredentialProvider *base, CredentialsCallback cb, void *userdata) {
        ImdsProvider *m = (ImdsProvider *) base;
        int r;

        if (m->cb)
                return -EBUSY;
        m->cb = cb;
        m->userdata = userdata;
        r = imds_get(m->imds, IMDS_ROLE_PATH, on_role, m);
        if (r < 0)
                imds_finish(m, r, NULL); /* -ENOENT: disabled */
        return 0;
}

static void imds_provider_cancel(CredentialProvider *base) {
        imds_reset((ImdsProvider *) base);
}

static void imds_destroy(CredentialProvider *base) {
        ImdsProvider *m = (ImdsProvider *) base;

        imds_reset(m);
        imds_client_free(m->imds);
        free(m);
}

static const CredentialProviderOps imds_ops = {
        .name = "instance-profile",
        .fetch = imds_fetch,
        .cancel = imds_provider_cancel,
        .destroy = imds_destroy,
};

int credential_provider_imds_new(HttpClient *http, CredentialProvider **ret) {
        ImdsProvider *m;
        int r;

        if (!http)
                return -EINVAL;
        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        *m = (ImdsProvider) { .base.ops = &imds_ops };
        r = imds_client_new(http, &m->imds);
        if (r < 0) {
                free(m);
                return r;
        }
        *ret = &m->base;
        return 0;
}
