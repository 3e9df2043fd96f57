/* SPDX-License-Identifier: MIT */
/*
 * Container credentials (ECS task roles, EKS Pod Identity):
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is fetched from http://169.254.170.2; else
 * AWS_CONTAINER_CREDENTIALS_FULL_URI, which must name a loopback address or the ECS/EKS
 * agent addresses (169.254.170.2, 169.254.170.23, [fd00:ec2::23]) or use https, so a
 * misconfigured variable cannot send the authorization token anywhere else. The token comes
 * from the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read afresh, EKS rotates it), else
 * AWS_CONTAINER_AUTHORIZATION_TOKEN.
 *
 * Deliberately not here: resolving host names to check they are loopback ("localhost" is
 * accepted by name, like the SDKs do).
 * Invariants: the token is wiped after use and never logged; the URL is logged without its
 * query, which could carry a secret.
 */

#include "aws-ini.h"
#include "credentials-response.h"
#include "credentials.h"
#include "http.h"
#include "cw-limits.h"
#include "shared/log.h"

#define ECS_RELATIVE_HOST "http://169.254.170.2"

typedef struct EcsProvider {
        CredentialProvider base;
        HttpClient *http;
        HttpCall *call;
        CredentialsCallback cb;
        void *userdata;
} EcsProvider;

static bool full_uri_allowed(const char *uri) {
        static const char *const hosts[] = { "127.", "localhost", "[::1]", "169.254.170.2", "169.254.170.23",
                                             "[fd00:ec2::23]" };
        const char *h = startswith(uri, "http://");

        if (startswith(uri, "https://"))
                return true;
        if (!h)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(hosts); i++) {
                const char *rest = startswith(h, hosts[i]);

                if (!rest)
                        continue;
                if (hosts[i][strlen(hosts[i]) - 1] == '.') /* 127.0.0.0/8: digits and dots */
                        rest += strspn(rest, "0123456789.");
                if (*rest == 0 || *rest == ':' || *rest == '/')
                        return true;
        }
        return false;
}

/* "Authorization: TOKEN" from the token file or variable; NULL line if neither is set. */
static int authorization_line(char **ret) {
        const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        const char *value = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        _cleanup_erase_ char *token = NULL;
        size_t size;
        int r;

        *ret = NULL;
        if (!isempty(file)) {
                r = aws_read_secret_file(file, CONTAINER_AUTH_TOKEN_MAX, &token, &size);
                if (r < 0)
                        return log_warning_errno(r, "Failed to read container authorization token file '%s': %m",
                                                 file);
                token[strcspn(token, "\r\n")] = 0;
                value = token;
        }
        if (isempty(value))
                return 0;
        if (strpbrk(value, "\r\n"))
                return log_warning_errno(EINVAL, "Container authorization token spans lines, ignoring.");
        return asprintf(ret, "Authorization: %s", value) < 0 ? -ENOMEM : 0;
}

static int container_url(char **ret) {
        const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

        if (!isempty(rel))
                return asprintf(ret, ECS_RELATIVE_HOST "%s%s", rel[0] == '/' ? "" : "/", rel) < 0 ? -ENOMEM : 0;
        if (isempty(full))
                return -ENOENT;
        if (!full_uri_allowed(full))
                return log_warning_errno(EPERM, "AWS_CONTAINER_CREDENTIALS_FULL_URI '%.*s' is neither https nor a "
                                         "loopback or ECS/EKS agent address, ignoring.",
                                         (int) strcspn(full, "?#"), full);
        return (*ret = strdup(full)) ? 0 : -ENOMEM;
}

static void on_answer(int error, const HttpResponse *resp, void *userdata) {
        EcsProvider *e = userdata;
        CredentialsCallback cb = TAKE_PTR(e->cb);
        AwsCredentials creds = {};
        int r = error;

        e->call = NULL;
        if (r < 0)
                log_warning_errno(r, "Container credentials request failed: %m");
        else if (resp->status != 200)
                r = log_warning_errno(EACCES, "Container credentials endpoint answered HTTP %ld.", resp->status);
        else {
                r = container_parse_credentials(resp->body, resp->body_size, &creds);
                if (r < 0)
                        log_warning_errno(r, "Container credentials endpoint answered something that is not "
                                          "credentials.");
        }
        cb(r, r < 0 ? NULL : &creds, e->userdata);
        aws_credentials_done(&creds);
}

static int ecs_start(EcsProvider *e) {
        _cleanup_free_ char *url = NULL;
        _cleanup_erase_ char *auth = NULL;
        int r;

        r = container_url(&url);
        if (r < 0)
                return r;
        r = authorization_line(&auth);
        if (r < 0)
                return r;
        log_debug("Fetching container credentials from %.*s.", (int) strcspn(url, "?#"), url); /* no query */
        HttpRequest req = {
                .method = "GET",
                .url = url,
                .headers = (char *[]) { auth, NULL },
                .timeout_usec = CREDENTIALS_HTTP_TIMEOUT_SEC * USEC_PER_SEC,
        };
        return http_client_start(e->http, &req, on_answer, e, &e->call);
}

static int ecs_fetch(CredentialProvider *base, CredentialsCallback cb, void *userdata) {
        EcsProvider *e = (EcsProvider *) base;
        int r;

        if (e->call)
                return -EBUSY;
        e->cb = cb;
        e->userdata = userdata;
        r = ecs_start(e);
        if (r < 0) {
                e->cb = NULL;
                cb(r, NULL, userdata);
        }
        return 0;
}

static void ecs_cancel(CredentialProvider *base) {
        EcsProvider *e = (EcsProvider *) base;

        http_call_cancel(TAKE_PTR(e->call));
        e->cb = NULL;
}

static void ecs_destroy(CredentialProvider *base) {
        ecs_cancel(base);
        free(base);
}

static const CredentialProviderOps ecs_ops = {
        .name = "container",
        .fetch = ecs_fetch,
        .cancel = ecs_cancel,
        .destroy = ecs_destroy,
};

int credential_provider_ecs_new(HttpClient *http, CredentialProvider **ret) {
        EcsProvider *e;

        if (!http)
                return -EINVAL;
        e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        *e = (EcsProvider) { .base.ops = &ecs_ops, .http = http };
        *ret = &e->base;
        return 0;
}
