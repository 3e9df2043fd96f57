/* SPDX-License-Identifier: MIT */
/*
 * CloudWatch Logs calls; see cw-client.h.
 *
 * A call first has its payload made on the payload worker's thread (for PutLogEvents also
 * the JSON body, from the batch's records; then gzip and the SHA-256 that the signature
 * covers), then waits for credentials, then goes out. Credentials are
 * fetched by the client, not per call: calls that arrive while a fetch is under way wait in
 * a list and all go out when it answers. The signature covers exactly the bytes and headers
 * sent, including the Host header, which we set ourselves so that it is the same string
 * curl would have sent. No header value is ever logged: they carry secrets.
 */

#include <systemd/sd-event.h>

#include "cw-client.h"
#include "cw-limits.h"
#include "payload-worker.h"
#include "shared/list.h"
#include "shared/log.h"
#include "shared/parse-util.h"
#include "shared/time-util.h"
#include "sigv4.h"

typedef enum CallState {
        CALL_PREPARING, /* on the payload worker */
        CALL_WAITING_CREDENTIALS,
        CALL_HTTP,
        CALL_DRY_RUN,
} CallState;

struct CwCall {
        CwCall *next, *prev;
        CwClient *client;
        CallState state;
        char operation[48];
        StrBuf body;    /* until handed to the payload worker */
        CwBuild build;  /* or this makes the body, on the payload worker's thread */
        void *build_data;
        size_t room;
        StrBuf payload; /* what is sent: the body, gzipped if the client uses gzip */
        char payload_hash[SIGV4_HASH_HEX_SIZE];
        CwCallback cb;
        void *userdata;
        PayloadJob *job;
        HttpCall *http;
        sd_event_source *defer; /* dry-run answer */
};

typedef struct CwClientOps {
        int (*dispatch)(CwCall *call);
} CwClientOps;

struct CwClient {
        const CwClientOps *ops;
        sd_event *event;
        HttpClient *http;
        CredentialChain *creds;
        PayloadWorker *worker;
        char *endpoint;
        char *host; /* authority part of the endpoint URL, as the Host header */
        char *path; /* path of the endpoint URL, "/" if none */
        char *region;
        bool use_gzip;
        uint64_t timeout_usec;
        FILE *dry_run_out;
        bool fetching;
        sd_event_source *kick;
        CwCall *calls; /* every call not yet answered */
};

static CwCall *call_free(CwCall *call) {
        if (!call)
                return NULL;
        LIST_REMOVE(call->client->calls, call);
        payload_job_cancel(call->job);
        http_call_cancel(call->http);
        sd_event_source_disable_unref(call->defer);
        strbuf_done(&call->body);
        strbuf_done(&call->payload);
        free(call);
        return NULL;
}

static void call_complete(CwCall *call, int error, const CwResult *result) {
        CwCallback cb = call->cb;
        void *userdata = call->userdata;

        /* Free first: the callback may start new calls or free the client. */
        call->http = NULL;
        call_free(call);
        cb(error, result, userdata);
}

/* Splits "scheme://authority/path" into host (authority) and path. */
static int endpoint_split(const char *url, char **ret_host, char **ret_path) {
        const char *p, *slash;
        char *host, *path;

        p = startswith(url, "https://") ?: startswith(url, "http://");
        if (!p || !*p)
                return -EINVAL;
        slash = strchr(p, '/');
        host = slash ? strndup(p, (size_t) (slash - p)) : strdup(p);
        path = strdup(slash ?: "/");
        if (!host || !path || !*host || strpbrk(host, "?#@ ")) {
                free(host);
                free(path);
                return -EINVAL;
        }
        *ret_host = host;
        *ret_path = path;
        return 0;
}

static void http_done(int error, const HttpResponse *resp, void *userdata) {
        CwCall *call = userdata;
        CwResult result = {};
        int r;

        if (error < 0) {
                log_debug_errno(error, "%s to %s failed: %m", call->operation, call->client->host);
                call_complete(call, error, NULL);
                return;
        }
        r = cw_classify(resp->status, http_response_header(resp, "x-amzn-requestid"), resp->body,
                        resp->body_size, &result);
        if (r < 0) {
                call_complete(call, r, NULL);
                return;
        }
        call_complete(call, 0, &result);
        cw_result_done(&result);
}

static int call_send(CwCall *call, const AwsCredentials *creds) {
        CwClient *c = call->client;
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_free_ char *target = NULL;
        SigV4Output sig = {};
        SigV4Header headers[6];
        size_t n = 0;
        usec_t now = now_usec(CLOCK_REALTIME);
        int r;

        if (asprintf(&target, CW_TARGET_PREFIX "%s", call->operation) < 0)
                return -ENOMEM;
        format_amz_date(now, sig.amz_date);
        headers[n++] = (SigV4Header) { "Host", c->host };
        headers[n++] = (SigV4Header) { "X-Amz-Date", sig.amz_date };
        headers[n++] = (SigV4Header) { "X-Amz-Target", target };
        headers[n++] = (SigV4Header) { "Content-Type", CW_CONTENT_TYPE };
        if (c->use_gzip)
                headers[n++] = (SigV4Header) { "Content-Encoding", "gzip" };
        if (creds->session_token)
                headers[n++] = (SigV4Header) { "X-Amz-Security-Token", creds->session_token };

        r = sigv4_sign(&(SigV4Input) {
                               .method = "POST",
                               .path = c->path,
                               .query = NULL,
                               .headers = headers,
                               .n_headers = n,
                               .payload = call->payload.data,
                               .payload_size = call->payload.len,
                               .payload_hash = call->payload_hash,
                               .region = c->region,
                               .service = "logs",
                               .now = now,
                               .creds = creds,
                       },
                       &sig);
        if (r < 0)
                goto finish;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *l = NULL;

                if (asprintf(&l, "%s: %s", headers[i].name, headers[i].value) < 0 || strv_extend(&lines, l) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
        }
        {
                _cleanup_erase_ char *auth = NULL;

                if (asprintf(&auth, "Authorization: %s", sig.authorization) < 0 || strv_extend(&lines, auth) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
        }
        /* No "Expect: 100-continue" round trip for large bodies. */
        r = strv_extend(&lines, "Expect:");
        if (r < 0)
                goto finish;

        {
                _cleanup_free_ char *url = NULL;

                if (asprintf(&url, "%s://%s%s", startswith(c->endpoint, "https://") ? "https" : "http", c->host,
                             c->path) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
                call->state = CALL_HTTP;
                r = http_client_start(c->http,
                                      &(HttpRequest) {
                                              .method = "POST",
                                              .url = url,
                                              .headers = lines,
                                              .body = call->payload.data ?: "",
                                              .body_size = call->payload.len,
                                              .timeout_usec = c->timeout_usec,
                                      },
                                      http_done, call, &call->http);
                /* The HTTP layer keeps its own copy of the body. */
                if (r >= 0)
                        strbuf_done(&call->payload);
        }
finish:
        /* The Authorization line holds no secret, but the session token header does. */
        STRV_FOREACH(l, lines)
                explicit_bzero(*l, strlen(*l));
        sigv4_output_done(&sig);
        return r;
}

static CwCall *first_waiting(CwClient *c) {
        for (CwCall *call = c->calls; call; call = call->next)
                if (call->state == CALL_WAITING_CREDENTIALS)
                        return call;
        return NULL;
}

static void credentials_done(int error, const AwsCredentials *creds, void *userdata) {
        CwClient *c = userdata;
        CwCall *call;
        int r;

        c->fetching = false;
        /* Callbacks may cancel or start calls, so look the list up afresh every time. */
        while ((call = first_waiting(c))) {
                if (error < 0) {
                        call_complete(call, error, NULL);
                        continue;
                }
                r = call_send(call, creds);
                if (r < 0)
                        call_complete(call, r, NULL);
        }
}

/* Runs from the loop, never from inside cw_client_call(), so no callback fires before
 * cw_client_call() has returned. */
static int on_kick(sd_event_source *s, void *userdata) {
        CwClient *c = userdata;
        int r;

        if (c->fetching || !first_waiting(c))
                return 0;
        c->fetching = true;
        r = credential_chain_get(c->creds, credentials_done, c);
        if (r < 0) {
                CwCall *call;

                c->fetching = false;
                while ((call = first_waiting(c)))
                        call_complete(call, r, NULL);
        }
        return 0;
}

static void payload_ready(int error, StrBuf *payload, const char *sha256_hex, void *userdata) {
        CwCall *call = userdata;
        int r;

        call->job = NULL;
        if (error < 0) {
                call_complete(call, error, NULL);
                return;
        }
        call->payload = *payload;
        *payload = (StrBuf) {};
        (void) snprintf(call->payload_hash, sizeof call->payload_hash, "%s", sha256_hex);
        call->state = CALL_WAITING_CREDENTIALS;
        r = sd_event_source_set_enabled(call->client->kick, SD_EVENT_ONESHOT);
        if (r < 0)
                call_complete(call, r, NULL);
}

static int real_dispatch(CwCall *call) {
        CwClient *c = call->client;
        int level = c->use_gzip ? -1 : PAYLOAD_NO_GZIP;

        call->state = CALL_PREPARING;
        if (call->build)
                return payload_worker_submit_build(c->worker, call->build, call->build_data, call->room, level,
                                                   payload_ready, call, &call->job);
        return payload_worker_submit(c->worker, &call->body, level, payload_ready, call, &call->job);
}

static const CwClientOps real_ops = {
        .dispatch = real_dispatch,
};

static int dry_run_answer(sd_event_source *s, void *userdata) {
        CwCall *call = userdata;
        CwResult result = { .outcome = CW_OK, .too_new_start = -1, .too_old_end = -1, .expired_end = -1 };

        call_complete(call, 0, &result);
        return 0;
}

static int dry_run_dispatch(CwCall *call) {
        CwClient *c = call->client;
        int r;

        if (call->build) {
                r = call->build(&call->body, call->build_data);
                if (r < 0)
                        return r;
        }
        /* Only what would be shipped goes to the output; group/stream creation is implied. */
        if (streq(call->operation, "PutLogEvents")) {
                (void) fwrite(call->body.data, 1, call->body.len, c->dry_run_out);
                (void) fputc('\n', c->dry_run_out);
                if (fflush(c->dry_run_out) == EOF && errno == EPIPE)
                        return -EPIPE;
        }
        call->state = CALL_DRY_RUN;
        return sd_event_add_defer(c->event, &call->defer, dry_run_answer, call);
}

static const CwClientOps dry_run_ops = {
        .dispatch = dry_run_dispatch,
};

int cw_client_new(sd_event *event, HttpClient *http, CredentialChain *creds, const CwClientOptions *opts,
                  CwClient **ret) {
        _cleanup_(cw_client_freep) CwClient *c = NULL;
        int r;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->ops = &real_ops;
        c->event = sd_event_ref(event);
        c->http = http;
        c->creds = creds;
        c->use_gzip = opts->use_gzip;
        c->timeout_usec = opts->timeout_usec;
        c->endpoint = strdup(opts->endpoint);
        c->region = strdup(opts->region);
        if (!c->endpoint || !c->region)
                return -ENOMEM;
        r = endpoint_split(opts->endpoint, &c->host, &c->path);
        if (r < 0)
                return r;
        r = sd_event_add_defer(event, &c->kick, on_kick, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(c->kick, SD_EVENT_OFF);
        r = payload_worker_new(event, &c->worker);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int cw_client_new_dry_run(sd_event *event, FILE *out, CwClient **ret) {
        CwClient *c;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->ops = &dry_run_ops;
        c->event = sd_event_ref(event);
        c->dry_run_out = out;
        *ret = c;
        return 0;
}

CwClient *cw_client_free(CwClient *c) {
        if (!c)
                return NULL;
        while (c->calls)
                call_free(c->calls);
        if (c->fetching)
                credential_chain_cancel(c->creds, credentials_done, c);
        sd_event_source_disable_unref(c->kick);
        payload_worker_free(c->worker);
        sd_event_unref(c->event);
        free(c->endpoint);
        free(c->host);
        free(c->path);
        free(c->region);
        free(c);
        return NULL;
}

static CwCall *call_new(CwClient *c, const char *operation, CwCallback cb, void *userdata) {
        CwCall *call;

        call = calloc(1, sizeof *call);
        if (!call)
                return NULL;
        call->client = c;
        (void) snprintf(call->operation, sizeof call->operation, "%s", operation);
        call->cb = cb;
        call->userdata = userdata;
        LIST_PREPEND(c->calls, call);
        return call;
}

static int call_dispatch(CwCall *call, CwCall **ret_call) {
        int r;

        r = call->client->ops->dispatch(call);
        if (r < 0) {
                call_free(call);
                return r;
        }
        if (ret_call)
                *ret_call = call;
        return 0;
}

int cw_client_call(CwClient *c, const char *operation, StrBuf *body, CwCallback cb, void *userdata,
                   CwCall **ret_call) {
        CwCall *call;

        call = call_new(c, operation, cb, userdata);
        if (!call)
                return -ENOMEM;
        call->body = *body;
        *body = (StrBuf) { .cap = body->cap };
        return call_dispatch(call, ret_call);
}

int cw_client_call_build(CwClient *c, const char *operation, CwBuild build, void *build_data, size_t room,
                         CwCallback cb, void *userdata, CwCall **ret_call) {
        CwCall *call;

        call = call_new(c, operation, cb, userdata);
        if (!call)
                return -ENOMEM;
        call->build = build;
        call->build_data = build_data;
        call->room = room;
        return call_dispatch(call, ret_call);
}

void cw_call_cancel(CwCall *call) {
        call_free(call);
}

void cw_client_invalidate_credentials(CwClient *c) {
        if (c->creds)
                credential_chain_invalidate(c->creds);
}
