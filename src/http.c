/* SPDX-License-Identifier: MIT */
/*
 * HttpClient: one CURLM driven by sd-event. curl tells us which sockets it wants watched
 * (CURLMOPT_SOCKETFUNCTION -> one io source per socket) and when it next needs a kick
 * (CURLMOPT_TIMERFUNCTION -> one CLOCK_MONOTONIC time source); both call
 * curl_multi_socket_action(), after which finished transfers are drained from
 * curl_multi_info_read() and their callbacks run. How one request is set up and its
 * response collected lives in http-call.c.
 *
 * Deliberately not here: retries, redirects, HTTP/2, cookies, any way to switch TLS
 * verification off. Proxies are whatever libcurl reads from the environment.
 *
 * Invariants: user callbacks never run inside a curl callback, so from a callback the user
 * may start, cancel, or free anything, including the client. A call is in c->calls exactly
 * while its easy handle is in the multi handle. A callback runs once, unless cancelled.
 */

#include <curl/curl.h>
#include <sys/epoll.h>

#include "build-config.h"
#include "http-internal.h"
#include "cw-limits.h"
#include "shared/list.h"
#include "shared/log.h"
#include "shared/time-util.h"

typedef struct HttpSocket HttpSocket;
struct HttpSocket {
        sd_event_source *source;
        HttpSocket *prev, *next;
};

struct HttpClient {
        unsigned n_ref;
        bool freed;
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        HttpSocket *sockets;
        HttpCall *calls;
        unsigned n_calls;
        HttpClientConfig config;
};

static HttpClient *client_unref(HttpClient *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        free(c->config.ca_bundle);
        free(c->config.user_agent);
        sd_event_unref(c->event);
        return mfree(c);
}

static HttpSocket *socket_free(HttpClient *c, HttpSocket *s) {
        if (!s)
                return NULL;
        (void) sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
        sd_event_source_unref(s->source);
        if (s->prev)
                s->prev->next = s->next;
        else
                c->sockets = s->next;
        if (s->next)
                s->next->prev = s->prev;
        return mfree(s);
}

static void call_unlink(HttpCall *call) {
        HttpClient *c = call->client;

        (void) curl_multi_remove_handle(c->multi, call->easy);
        LIST_REMOVE(c->calls, call);
        call->client = NULL;
        c->n_calls--;
}

/* Runs the callbacks of every finished transfer. The client may be freed by a callback, so
 * the caller holds a reference and we stop as soon as that happens. */
static void client_dispatch_done(HttpClient *c) {
        CURLMsg *msg;
        int left;

        while (!c->freed && (msg = curl_multi_info_read(c->multi, &left))) {
                HttpCall *call = NULL;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &call) != CURLE_OK ||
                    !call)
                        continue;

                call_unlink(call);
                http_call_complete(call, msg->data.result);
                http_call_free(call);
        }
}

static void client_socket_action(HttpClient *c, curl_socket_t fd, int action) {
        int running;

        c->n_ref++;
        if (curl_multi_socket_action(c->multi, fd, action, &running) != CURLM_OK)
                log_debug("curl_multi_socket_action() failed, ignoring.");
        client_dispatch_done(c);
        (void) client_unref(c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        int action = 0;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;

        client_socket_action(userdata, fd, action);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        client_socket_action(userdata, CURL_SOCKET_TIMEOUT, 0);
        return 0;
}

static uint32_t poll_to_epoll(int what) {
        return (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? EPOLLIN : 0) |
               (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? EPOLLOUT : 0);
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one of curl's sockets. */
static int curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userdata, void *socketp) {
        HttpClient *c = userdata;
        HttpSocket *s = socketp;
        int r;

        if (what == CURL_POLL_REMOVE) {
                (void) curl_multi_assign(c->multi, fd, NULL);
                (void) socket_free(c, s);
                return 0;
        }

        if (s)
                return sd_event_source_set_io_events(s->source, poll_to_epoll(what)) < 0 ? -1 : 0;

        s = calloc(1, sizeof *s);
        if (!s)
                return -1;
        r = sd_event_add_io(c->event, &s->source, fd, poll_to_epoll(what), on_io, c);
        if (r < 0) {
                log_debug_errno(r, "Failed to watch curl socket %i: %m", fd);
                free(s);
                return -1;
        }
        (void) sd_event_source_set_description(s->source, "http-socket");
        s->next = c->sockets;
        if (s->next)
                s->next->prev = s;
        c->sockets = s;
        if (curl_multi_assign(c->multi, fd, s) != CURLM_OK) {
                (void) socket_free(c, s);
                return -1;
        }
        return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT) after
 * timeout_ms (0: as soon as possible, but not from inside this callback; -1: never). */
static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userdata) {
        HttpClient *c = userdata;
        uint64_t when;
        int r;

        if (timeout_ms < 0)
                return c->timer && sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0;

        /* Round up, so we never wake before curl considers the timer expired. */
        when = now_usec(CLOCK_MONOTONIC) + (uint64_t) timeout_ms * USEC_PER_MSEC + USEC_PER_MSEC - 1;
        if (c->timer) {
                r = sd_event_source_set_time(c->timer, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        } else {
                /* Accuracy 1 ms, not 0: 0 means sd-event's default of 250 ms, and curl's
                 * "now" (a new request, a connection to retry) would wait up to that long
                 * whenever nothing else wakes the loop. */
                r = sd_event_add_time(c->event, &c->timer, CLOCK_MONOTONIC, when, USEC_PER_MSEC, on_timer, c);
                if (r >= 0)
                        (void) sd_event_source_set_description(c->timer, "http-timer");
        }
        if (r < 0) {
                log_debug_errno(r, "Failed to arm curl timer: %m");
                return -1;
        }
        return 0;
}

static int client_config_init(HttpClientConfig *cfg, const HttpClientOptions *opts) {
        const char *ca = opts && opts->ca_bundle ? opts->ca_bundle : secure_getenv("AWS_CA_BUNDLE");
        const char *ua = opts && opts->user_agent ? opts->user_agent : "cwlogd/" PACKAGE_VERSION;

        if (!isempty(ca)) {
                cfg->ca_bundle = strdup(ca);
                if (!cfg->ca_bundle)
                        return -ENOMEM;
        }
        cfg->user_agent = strdup(ua);
        return cfg->user_agent ? 0 : -ENOMEM;
}

int http_client_new(sd_event *event, const HttpClientOptions *opts, HttpClient **ret) {
        static bool curl_initialized = false;
        _cleanup_(http_client_freep) HttpClient *c = NULL;
        int r;

        if (!event || !ret)
                return -EINVAL;

        if (!curl_initialized) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return -EIO;
                curl_initialized = true;
        }

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->n_ref = 1;
        c->event = sd_event_ref(event);

        r = client_config_init(&c->config, opts);
        if (r < 0)
                return r;

        c->multi = curl_multi_init();
        if (!c->multi)
                return -ENOMEM;
        if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, HTTP_MAX_HOST_CONNECTIONS) != CURLM_OK)
                return -EIO;

        *ret = TAKE_PTR(c);
        return 0;
}

HttpClient *http_client_free(HttpClient *c) {
        if (!c || c->freed)
                return NULL;

        /* Order matters: curl calls our socket and timer callbacks while it tears down, so
         * the sources are only dropped after curl_multi_cleanup(). */
        c->freed = true;
        while (c->calls) {
                HttpCall *call = c->calls;

                call_unlink(call);
                http_call_free(call);
        }
        if (c->multi)
                (void) curl_multi_cleanup(c->multi);
        c->multi = NULL;
        while (c->sockets)
                (void) socket_free(c, c->sockets);
        (void) sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        c->timer = sd_event_source_unref(c->timer);

        return client_unref(c);
}

int http_client_start(HttpClient *c, const HttpRequest *req, HttpCallback cb, void *userdata,
                      HttpCall **ret_call) {
        _cleanup_(http_call_freep) HttpCall *call = NULL;
        int r;

        if (!c || c->freed || !req || !cb)
                return -EINVAL;

        r = http_call_new(&c->config, req, cb, userdata, &call);
        if (r < 0)
                return r;

        /* Adding arms curl's timer at 0, so the transfer starts on the next loop iteration
         * and the callback can never run before we return. */
        if (curl_multi_add_handle(c->multi, call->easy) != CURLM_OK)
                return -ENOMEM;

        call->client = c;
        LIST_PREPEND(c->calls, call);
        c->n_calls++;

        if (ret_call)
                *ret_call = call;
        TAKE_PTR(call);
        return 0;
}

void http_call_cancel(HttpCall *call) {
        /* A call whose callback is running is already finished: nothing to cancel. */
        if (!call || !call->client)
                return;
        call_unlink(call);
        http_call_free(call);
}

unsigned http_client_in_flight(const HttpClient *c) {
        return c ? c->n_calls : 0;
}
