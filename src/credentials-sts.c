/* SPDX-License-Identifier: MIT */
/*
 * Credentials from AWS STS (query API, XML answers), two providers:
 *  - web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME), or
 *    the profile's web_identity_token_file/role_arn/role_session_name; the call
 *    AssumeRoleWithWebIdentity is unsigned, the token is the proof;
 *  - assume role: the profile's role_arn + source_profile, whose static keys sign AssumeRole.
 * Endpoint: AWS_ENDPOINT_URL_STS, else https://sts.REGION.amazonaws.com (".cn" for cn-*),
 * else the global https://sts.amazonaws.com when no region is known.
 *
 * Deliberately not here: role chaining (a source_profile that itself assumes a role),
 * credential_source, MFA, external_id, SSO. They are reported, not guessed at.
 * Invariants: the web identity token, the request body holding it and the source secret
 * are wiped after use and never logged; error texts carry only STS's error <Code>.
 */

#include "aws-ini.h"
#include "aws-region.h"
#include "aws-shared-files.h"
#include "credentials-response.h"
#include "credentials.h"
#include "http.h"
#include "cw-limits.h"
#include "shared/log.h"
#include "sigv4.h"

#define STS_VERSION "2011-06-15"

typedef struct StsProvider {
        CredentialProvider base;
        HttpClient *http;
        char *profile, *region;
        bool assume_role; /* else web identity */
        HttpCall *call;
        const char *action;
        CredentialsCallback cb;
        void *userdata;
} StsProvider;

static int sts_url(const char *region, char **ret) {
        const char *env = getenv("AWS_ENDPOINT_URL_STS");
        int r;

        if (!isempty(env))
                r = asprintf(ret, "%s", env);
        else if (aws_region_is_valid(region))
                r = asprintf(ret, "https://sts.%s.%s", region,
                             startswith(region, "cn-") ? "amazonaws.com.cn" : "amazonaws.com");
        else
                r = asprintf(ret, "https://sts.amazonaws.com");
        return r < 0 ? -ENOMEM : 0;
}

static void on_sts_answer(int error, const HttpResponse *resp, void *userdata) {
        StsProvider *s = userdata;
        CredentialsCallback cb = TAKE_PTR(s->cb);
        AwsCredentials creds = {};
        int r = error;

        s->call = NULL;
        if (r < 0)
                log_warning_errno(r, "STS %s request failed: %m", s->action);
        else if (resp->status != 200) {
                _cleanup_free_ char *code = sts_parse_error_code(resp->body, resp->body_size);
                r = log_warning_errno(EACCES, "STS %s answered HTTP %ld (%s).", s->action, resp->status,
                                      strna(code));
        } else {
                r = sts_parse_credentials(resp->body, resp->body_size, &creds);
                if (r < 0)
                        log_warning_errno(r, "STS %s answered something that is not credentials.", s->action);
        }
        cb(r, r < 0 ? NULL : &creds, s->userdata);
        aws_credentials_done(&creds);
}

/* POSTs body (wiped by the caller) with the given extra header lines. */
static int sts_post(StsProvider *s, const char *url, const char *body, char *const *extra) {
        char *headers[8] = { (char *) "Content-Type: application/x-www-form-urlencoded; charset=utf-8" };
        size_t n = 1;

        for (; extra && *extra && n < ELEMENTSOF(headers) - 1; extra++)
                headers[n++] = *extra;
        HttpRequest req = {
                .method = "POST",
                .url = url,
                .headers = headers,
                .body = body,
                .body_size = strlen(body),
                .timeout_usec = CREDENTIALS_HTTP_TIMEOUT_SEC * USEC_PER_SEC,
        };
        return http_client_start(s->http, &req, on_sts_answer, s, &s->call);
}

/* Where the web identity settings come from: the environment, else the profile. */
static int web_identity_settings(StsProvider *s, char **ret_token_file, char **ret_role, char **ret_session) {
        const char *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), *role = getenv("AWS_ROLE_ARN");
        const char *session = getenv("AWS_ROLE_SESSION_NAME"), *profile = aws_profile_name(s->profile);
        int r;

        if (!isempty(file)) {
                if (isempty(role))
                        return log_warning_errno(EINVAL, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN "
                                                 "is not, ignoring.");
                *ret_token_file = strdup(file);
                *ret_role = strdup(role);
        } else {
                r = aws_shared_profile_get(profile, "web_identity_token_file", ret_token_file);
                if (r < 0)
                        return r;
                r = aws_shared_profile_get(profile, "role_arn", ret_role);
                if (r < 0)
                        return log_warning_errno(EINVAL, "Profile '%s' has web_identity_token_file but no "
                                                 "role_arn, ignoring.", profile);
                (void) aws_shared_profile_get(profile, "role_session_name", ret_session);
        }
        if (!*ret_session)
                *ret_session = strdup(!isempty(session) ? session : "cwlogd");
        return *ret_token_file && *ret_role && *ret_session ? 0 : -ENOMEM;
}

static int web_identity_body(StsProvider *s, char **ret) {
        _cleanup_free_ char *file = NULL, *role = NULL, *session = NULL, *role_enc = NULL, *session_enc = NULL;
        _cleanup_erase_ char *token = NULL, *token_enc = NULL;
        size_t size;
        int r;

        r = web_identity_settings(s, &file, &role, &session);
        if (r < 0)
                return r;
        r = aws_read_secret_file(file, WEB_IDENTITY_TOKEN_MAX, &token, &size);
        if (r < 0)
                return log_warning_errno(r, "Failed to read web identity token file '%s': %m", file);
        token[strcspn(token, "\r\n")] = 0;
        if (isempty(token))
                return log_warning_errno(EINVAL, "Web identity token file '%s' is empty.", file);
        if (form_urlencode(token, &token_enc) < 0 || form_urlencode(role, &role_enc) < 0 ||
            form_urlencode(session, &session_enc) < 0)
                return -ENOMEM;
        if (asprintf(ret, "Action=AssumeRoleWithWebIdentity&Version=" STS_VERSION "&RoleArn=%s&RoleSessionName=%s"
                     "&WebIdentityToken=%s", role_enc, session_enc, token_enc) < 0)
                return -ENOMEM;
        return 0;
}

static int web_identity_start(StsProvider *s) {
        _cleanup_erase_ char *body = NULL;
        _cleanup_free_ char *url = NULL;
        int r;

        r = web_identity_body(s, &body);
        if (r < 0)
                return r;
        r = sts_url(s->region, &url);
        if (r < 0)
                return r;
        s->action = "AssumeRoleWithWebIdentity";
        return sts_post(s, url, body, NULL);
}

/* "https://host[:port][/path]" into host (with port, as curl sends it) and path. */
static int url_host_path(const char *url, char **ret_host, const char **ret_path) {
        const char *h = strstr(url, "://"), *slash;

        if (!h)
                return -EINVAL;
        h += 3;
        slash = strchr(h, '/');
        *ret_host = slash ? strndup(h, (size_t) (slash - h)) : strdup(h);
        *ret_path = slash ? slash : "/";
        return *ret_host ? 0 : -ENOMEM;
}

typedef struct SourceKeys {
        char *id, *secret, *token;
} SourceKeys;

static void source_keys_done(SourceKeys *k) {
        k->id = erase_and_free(k->id);
        k->secret = erase_and_free(k->secret);
        k->token = erase_and_free(k->token);
}

/* role_arn + source_profile with static keys; -ENOENT when the profile assumes no role this way. */
static int assume_role_settings(const char *profile, char **ret_role, char **ret_session, SourceKeys *ret_keys) {
        _cleanup_free_ char *source = NULL, *chained = NULL;
        int r;

        r = aws_shared_profile_get(profile, "role_arn", ret_role);
        if (r < 0)
                return r;
        r = aws_shared_profile_get(profile, "source_profile", &source);
        if (r == -ENOENT) {
                _cleanup_free_ char *other = NULL;

                if (aws_shared_profile_get(profile, "credential_source", &other) >= 0)
                        return log_warning_errno(EOPNOTSUPP, "Profile '%s' uses credential_source, which cwlogd "
                                                 "does not support, ignoring.", profile);
                return -ENOENT; /* role_arn for web identity, or nothing we can use */
        }
        if (r < 0)
                return r;
        if (aws_shared_profile_get(source, "role_arn", &chained) >= 0 && !streq(source, profile))
                return log_warning_errno(EOPNOTSUPP, "Profile '%s' chains roles through source_profile '%s', "
                                         "which cwlogd does not support, ignoring.", profile, source);
        if (aws_shared_profile_get(source, "aws_access_key_id", &ret_keys->id) < 0 ||
            aws_shared_profile_get(source, "aws_secret_access_key", &ret_keys->secret) < 0) {
                source_keys_done(ret_keys);
                return log_warning_errno(EINVAL, "Source profile '%s' of profile '%s' has no keys, ignoring.",
                                         source, profile);
        }
        (void) aws_shared_profile_get(source, "aws_session_token", &ret_keys->token);
        (void) aws_shared_profile_get(profile, "role_session_name", ret_session);
        if (!*ret_session && !(*ret_session = strdup("cwlogd"))) {
                source_keys_done(ret_keys);
                return -ENOMEM;
        }
        return 0;
}

/* Signs the AssumeRole POST with the source keys and sends it. */
static int assume_role_send(StsProvider *s, const char *url, const char *body, const SourceKeys *k) {
        AwsCredentials creds = { .access_key_id = k->id, .secret_access_key = k->secret, .session_token = k->token };
        _cleanup_free_ char *host = NULL, *date_line = NULL, *authz_line = NULL;
        _cleanup_erase_ char *token_line = NULL;
        const char *path, *type = "application/x-www-form-urlencoded; charset=utf-8";
        SigV4Output out = {};
        int r;

        r = url_host_path(url, &host, &path);
        if (r < 0)
                return r;
        format_amz_date(now_usec(CLOCK_REALTIME), out.amz_date);
        SigV4Header h[] = { { "Host", host }, { "Content-Type", type }, { "X-Amz-Date", out.amz_date },
                            { "X-Amz-Security-Token", k->token } };
        SigV4Input in = { .method = "POST", .path = path, .headers = h, .n_headers = k->token ? 4 : 3,
                          .payload = body, .payload_size = strlen(body),
                          .region = aws_region_is_valid(s->region) ? s->region : "us-east-1", .service = "sts",
                          .now = now_usec(CLOCK_REALTIME), .creds = &creds };
        r = sigv4_sign(&in, &out);
        if (r < 0)
                return r;
        if (asprintf(&date_line, "X-Amz-Date: %s", out.amz_date) < 0 ||
            asprintf(&authz_line, "Authorization: %s", out.authorization) < 0 ||
            (k->token && asprintf(&token_line, "X-Amz-Security-Token: %s", k->token) < 0)) {
                sigv4_output_done(&out);
                return -ENOMEM;
        }
        sigv4_output_done(&out);
        s->action = "AssumeRole";
        return sts_post(s, url, body, (char *[]) { date_line, authz_line, token_line, NULL });
}

static int assume_role_start(StsProvider *s) {
        _cleanup_free_ char *role = NULL, *session = NULL, *role_enc = NULL, *session_enc = NULL, *url = NULL;
        _cleanup_free_ char *body = NULL;
        const char *profile = aws_profile_name(s->profile);
        SourceKeys keys = {};
        int r;

        r = assume_role_settings(profile, &role, &session, &keys);
        if (r < 0)
                return r;
        if (form_urlencode(role, &role_enc) < 0 || form_urlencode(session, &session_enc) < 0 ||
            asprintf(&body, "Action=AssumeRole&Version=" STS_VERSION "&RoleArn=%s&RoleSessionName=%s", role_enc,
                     session_enc) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = sts_url(s->region, &url);
        if (r >= 0)
                r = assume_role_send(s, url, body, &keys);
        source_keys_done(&keys);
        return r;
}

static int sts_fetch(CredentialProvider *base, CredentialsCallback cb, void *userdata) {
        StsProvider *s = (StsProvider *) base;
        int r;

        if (s->call)
                return -EBUSY;
        s->cb = cb;
        s->userdata = userdata;
        r = s->assume_role ? assume_role_start(s) : web_identity_start(s);
        if (r < 0) {
                s->cb = NULL;
                cb(r, NULL, userdata); /* -ENOENT: not configured; others were logged */
        }
        return 0;
}

static void sts_cancel(CredentialProvider *base) {
        StsProvider *s = (StsProvider *) base;

        http_call_cancel(TAKE_PTR(s->call));
        s->cb = NULL;
}

static void sts_destroy(CredentialProvider *base) {
        StsProvider *s = (StsProvider *) base;

        sts_cancel(base);
        free(s->profile);
        free(s->region);
        free(s);
}

static const CredentialProviderOps web_identity_ops = {
        .name = "web-identity",
        .fetch = sts_fetch,
        .cancel = sts_cancel,
        .destroy = sts_destroy,
};

static const CredentialProviderOps assume_role_ops = {
        .name = "assume-role",
        .fetch = sts_fetch,
        .cancel = sts_cancel,
        .destroy = sts_destroy,
};

static int sts_provider_new(HttpClient *http, const char *profile, const char *region, bool assume_role,
                            CredentialProvider **ret) {
        StsProvider *s;

        if (!http)
                return -EINVAL;
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        *s = (StsProvider) { .base.ops = assume_role ? &assume_role_ops : &web_identity_ops, .http = http,
                             .assume_role = assume_role };
        if ((!isempty(profile) && !(s->profile = strdup(profile))) ||
            (!isempty(region) && !(s->region = strdup(region)))) {
                sts_destroy(&s->base);
                return -ENOMEM;
        }
        *ret = &s->base;
        return 0;
}

int credential_provider_web_identity_new(HttpClient *http, const char *profile, const char *region,
                                         CredentialProvider **ret) {
        return sts_provider_new(http, profile, region, false, ret);
}

int credential_provider_assume_role_new(HttpClient *http, const char *profile, const char *region,
                                        CredentialProvider **ret) {
        return sts_provider_new(http, profile, region, true, ret);
}
