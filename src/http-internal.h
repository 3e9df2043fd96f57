/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared between http.c (the client and its sd-event glue) and http-call.c (one request:
 * easy handle setup, response collection, error mapping). Not for other modules.
 */

#include <curl/curl.h>

#include "http.h"
#include "shared/strbuf.h"

typedef struct HttpClientConfig {
        char *ca_bundle; /* NULL: libcurl's built-in default (the system store) */
        char *user_agent;
} HttpClientConfig;

struct HttpCall {
        HttpClient *client; /* NULL once finished or before it was added */
        HttpCall *prev, *next;
        CURL *easy;
        struct curl_slist *req_headers;
        void *req_body;
        size_t req_body_size;

        StrBuf body;
        char **headers;
        size_t n_headers;
        int error; /* set by our curl callbacks when they abort a transfer */

        HttpCallback callback;
        void *userdata;
        char errbuf[CURL_ERROR_SIZE];
};

int http_call_new(const HttpClientConfig *cfg, const HttpRequest *req, HttpCallback cb,
                  void *userdata, HttpCall **ret);
HttpCall *http_call_free(HttpCall *call);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpCall *, http_call_free);

/* Runs the call's callback for a transfer that ended with result. Once. */
void http_call_complete(HttpCall *call, CURLcode result);

/* Maps a curl failure to the -errno the callback reports. */
int http_curl_code_to_errno(CURLcode code);
