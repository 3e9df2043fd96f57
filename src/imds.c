/* SPDX-License-Identifier: MIT */
/*
 * The IMDSv2 client; see imds.h. One get at a time: token (if none is held, or it is about to
 * expire, or the endpoint changed), then the GET with it. A 401 on the GET means the token
 * went stale: a new one is fetched once. Transport failures and 5xx answers are tried
 * IMDS_ATTEMPTS times with IMDS_TIMEOUT_MSEC each, so off EC2 a get gives up within about
 * two seconds. Until a token has been obtained once, no answer means "not on EC2" (-ENOENT,
 * debug); after that the same failure is an outage worth a warning.
 *
 * Deliberately not here: IMDSv1 (a GET without token) — an instance that allows only v1 is
 * misconfigured and AWS recommends requiring v2; retry timers (the caller asks again).
 * Invariants: the token is wiped when dropped and never logged; only paths (no query, no
 * body) appear in messages; c->cb is set exactly while a get is in flight.
 */

#include <arpa/inet.h>
#include <jansson.h>

#include "aws-region.h"
#include "cw-limits.h"
#include "imds.h"
#include "shared/log.h"
#include "shared/parse-util.h"
#include "shared/time-util.h"

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TOKEN_PATH "/latest/api/token"

struct ImdsClient {
        HttpClient *http;
        HttpCall *call;
        char *endpoint, *path;      /* of the get in flight */
        char *token, *token_endpoint;
        usec_t token_expires;       /* CLOCK_MONOTONIC */
        bool token_step;            /* the request in flight is the token PUT */
        bool reauthorized;          /* a 401 already made us fetch a new token in this get */
        bool on_ec2;                /* a token was obtained once */
        unsigned attempt;
        ImdsCallback cb;
        void *userdata;
};

bool imds_disabled(void) {
        const char *v = getenv("AWS_EC2_METADATA_DISABLED");

        return v && parse_boolean(v) > 0;
}

int imds_client_new(HttpClient *http, ImdsClient **ret) {
        ImdsClient *c;

        if (!http || !ret)
                return -EINVAL;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->http = http;
        *ret = c;
        return 0;
}

static void token_drop(ImdsClient *c) {
        c->token = erase_and_free(c->token);
        c->token_endpoint = mfree(c->token_endpoint);
        c->token_expires = 0;
}

static void get_reset(ImdsClient *c) {
        http_call_cancel(TAKE_PTR(c->call));
        c->endpoint = mfree(c->endpoint);
        c->path = mfree(c->path);
        c->cb = NULL;
        c->userdata = NULL;
}

void imds_cancel(ImdsClient *c) {
        if (c)
                get_reset(c);
}

ImdsClient *imds_client_free(ImdsClient *c) {
        if (!c)
                return NULL;
        get_reset(c);
        token_drop(c);
        return mfree(c);
}

static void get_finish(ImdsClient *c, int error, const char *body, size_t size) {
        ImdsCallback cb = c->cb;
        void *userdata = c->userdata;

        get_reset(c);
        cb(error, body, size, userdata);
}

static void on_answer(int error, const HttpResponse *resp, void *userdata);

static int imds_send(ImdsClient *c) {
        _cleanup_free_ char *url = NULL;
        _cleanup_erase_ char *header = NULL;
        int r;

        if (c->token_step)
                r = asprintf(&url, "%s" IMDS_TOKEN_PATH, c->endpoint) < 0 ||
                    asprintf(&header, "X-aws-ec2-metadata-token-ttl-seconds: %u", IMDS_TOKEN_TTL_SEC) < 0;
        else
                r = asprintf(&url, "%s%s", c->endpoint, c->path) < 0 ||
                    asprintf(&header, "X-aws-ec2-metadata-token: %s", c->token) < 0;
        if (r)
                return -ENOMEM;
        HttpRequest req = {
                .method = c->token_step ? "PUT" : "GET",
                .url = url,
                .headers = (char *[]) { header, NULL },
                .timeout_usec = IMDS_TIMEOUT_MSEC * USEC_PER_MSEC,
                .no_proxy = true, /* link-local: a proxy would answer for another machine */
        };
        return http_client_start(c->http, &req, on_answer, c, &c->call);
}

/* The token of a 200 answer: one line of base64-ish characters. */
static int token_take(ImdsClient *c, const HttpResponse *resp) {
        static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-";
        size_t n = strcspn(resp->body, "\r\n");

        if (n == 0 || n > IMDS_TOKEN_MAX || strspn(resp->body, allowed) < n)
                return log_warning_errno(EBADMSG, "EC2 metadata service answered an invalid session token.");
        token_drop(c);
        c->token = strndup(resp->body, n);
        c->token_endpoint = strdup(c->endpoint);
        if (!c->token || !c->token_endpoint) {
                token_drop(c);
                return -ENOMEM;
        }
        c->token_expires = now_usec(CLOCK_MONOTONIC) + (IMDS_TOKEN_TTL_SEC - IMDS_TOKEN_REFRESH_AHEAD_SEC) * USEC_PER_SEC;
        c->on_ec2 = true;
        return 0;
}

/* A request that got no usable answer: retry, or say what it means. */
static int answer_failed(ImdsClient *c, int error, long status) {
        const char *what = c->token_step ? IMDS_TOKEN_PATH : c->path;

        if ((error < 0 || status >= 500) && c->attempt < IMDS_ATTEMPTS) {
                c->attempt++;
                return imds_send(c);
        }
        if (!c->on_ec2 && (error < 0 || (c->token_step && (status == 403 || status == 404)))) {
                log_debug("No EC2 metadata service (IMDSv2) at %s, not on EC2.", c->endpoint);
                return -ENOENT;
        }
        if (!c->token_step && status == 404) {
                log_debug("EC2 metadata service has no %s.", what);
                return -ENOENT;
        }
        if (error < 0)
                return log_warning_errno(error, "EC2 metadata service request for %s failed: %m", what);
        return log_warning_errno(status >= 500 ? EIO : EACCES, "EC2 metadata service answered HTTP %ld for %s.",
                                 status, what);
}

/* Returns 1 when the get finished (callback called), 0 when a request is in flight, < 0 on failure. */
static int answer_handle(ImdsClient *c, int error, const HttpResponse *resp) {
        long status = error < 0 ? 0 : resp->status;
        int r;

        if (c->token_step && status == 200) {
                r = token_take(c, resp);
                if (r < 0)
                        return r;
                c->token_step = false;
                c->attempt = 1;
                return imds_send(c);
        }
        if (!c->token_step && status == 200) {
                get_finish(c, 0, resp->body, resp->body_size);
                return 1;
        }
        if (!c->token_step && status == 401 && !c->reauthorized) {
                log_debug("EC2 metadata service refused the session token, getting a new one.");
                token_drop(c);
                c->reauthorized = c->token_step = true;
                c->attempt = 1;
                return imds_send(c);
        }
        return answer_failed(c, error, status);
}

static void on_answer(int error, const HttpResponse *resp, void *userdata) {
        ImdsClient *c = userdata;
        int r;

        c->call = NULL;
        r = answer_handle(c, error, resp);
        if (r < 0)
                get_finish(c, r, NULL, 0);
}

static int endpoint_get(char **ret) {
        const char *e = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
        char *s;

        s = strdup(isempty(e) ? IMDS_DEFAULT_ENDPOINT : e);
        if (!s)
                return -ENOMEM;
        while (*s && s[strlen(s) - 1] == '/')
                s[strlen(s) - 1] = 0;
        *ret = s;
        return 0;
}

int imds_get(ImdsClient *c, const char *path, ImdsCallback cb, void *userdata) {
        int r;

        if (!c || !path || path[0] != '/' || !cb)
                return -EINVAL;
        if (imds_disabled())
                return -ENOENT;
        if (c->cb)
                return -EBUSY;
        r = endpoint_get(&c->endpoint);
        if (r < 0)
                return r;
        c->path = strdup(path);
        if (!c->path) {
                get_reset(c);
                return -ENOMEM;
        }
        if (c->token && (!streq_ptr(c->token_endpoint, c->endpoint) ||
                         now_usec(CLOCK_MONOTONIC) >= c->token_expires))
                token_drop(c);
        c->token_step = !c->token;
        c->reauthorized = false;
        c->attempt = 1;
        c->cb = cb;
        c->userdata = userdata;
        r = imds_send(c);
        if (r < 0)
                get_reset(c);
        return r;
}

/* ---- the instance identity document ------------------------------------------------------ */

static const char *json_string_member(json_t *root, const char *key) {
        json_t *v = json_object_get(root, key);

        if (!json_is_string(v) || json_string_length(v) == 0 ||
            strlen(json_string_value(v)) != json_string_length(v))
                return NULL;
        return json_string_value(v);
}

static bool instance_id_valid(const char *s) {
        /* "i-" and hex digits today; allow what a stream name and a log line can carry safely. */
        return s && strlen(s) <= IMDS_INSTANCE_ID_MAX &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == strlen(s);
}

static bool ip_valid(const char *s) {
        unsigned char buf[sizeof(struct in6_addr)];

        return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int imds_parse_identity(const char *json, size_t size, ImdsIdentity *ret) {
        ImdsIdentity id = {};
        const char *region, *instance, *ip;
        json_t *root;
        int r = -EBADMSG;

        root = json ? json_loadb(json, size, JSON_REJECT_DUPLICATES, NULL) : NULL;
        if (!json_is_object(root))
                goto finish;
        region = json_string_member(root, "region");
        instance = json_string_member(root, "instanceId");
        ip = json_string_member(root, "privateIp");
        if (!aws_region_is_valid(region) || !instance_id_valid(instance) ||
            (json_object_get(root, "privateIp") && !json_is_null(json_object_get(root, "privateIp")) &&
             !(ip && ip_valid(ip))))
                goto finish;
        id.region = strdup(region);
        id.instance_id = strdup(instance);
        id.private_ip = ip ? strdup(ip) : NULL;
        if (!id.region || !id.instance_id || (ip && !id.private_ip)) {
                imds_identity_done(&id);
                r = -ENOMEM;
                goto finish;
        }
        *ret = id;
        r = 0;
finish:
        json_decref(root);
        return r;
}

void imds_identity_done(ImdsIdentity *i) {
        if (!i)
                return;
        free(i->region);
        free(i->instance_id);
        free(i->private_ip);
        *i = (ImdsIdentity) {};
}
