/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One CloudWatch Logs operation, end to end: credentials from the chain, optional gzip,
 * SigV4 signature, the HTTP exchange, and classification of the answer. The caller (the
 * shipper) decides what an outcome means; this module never retries.
 *
 * Two implementations behind one interface: the real client, and --dry-run, which writes
 * each PutLogEvents body as one JSON line to a FILE and answers success without any network.
 */

#include <stdio.h>
#include <systemd/sd-event.h>

#include "cloudwatch.h"
#include "credentials.h"
#include "http.h"
#include "shared/strbuf.h"

typedef struct CwClient CwClient;
typedef struct CwCall CwCall;

/* error: 0 with result set, or a -errno transport failure (no credentials: -ENOCREDS). */
typedef void (*CwCallback)(int error, const CwResult *result, void *userdata);

typedef struct CwClientOptions {
        const char *endpoint; /* "https://logs.eu-west-1.amazonaws.com", "http://127.0.0.1:4566" */
        const char *region;
        bool use_gzip;
        uint64_t timeout_usec; /* 0: default */
} CwClientOptions;

int cw_client_new(sd_event *event, HttpClient *http, CredentialChain *creds, const CwClientOptions *opts,
                  CwClient **ret);
int cw_client_new_dry_run(sd_event *event, FILE *out, CwClient **ret);
/* Cancels every call in flight (their callbacks are not called). Accepts NULL. */
CwClient *cw_client_free(CwClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(CwClient *, cw_client_free);

/* operation: "PutLogEvents", "CreateLogGroup", … The body is taken over (b is left empty). */
int cw_client_call(CwClient *c, const char *operation, StrBuf *body, CwCallback cb, void *userdata,
                   CwCall **ret_call);
/* Like cw_client_call(), but the body is built by build() on the payload worker's thread
 * (on the loop with --dry-run): build() may read only memory that stays unchanged until the
 * callback runs or the call is cancelled. room: a guess of the body's size, reserved
 * beforehand. */
typedef int (*CwBuild)(StrBuf *body, void *data);
int cw_client_call_build(CwClient *c, const char *operation, CwBuild build, void *build_data, size_t room,
                         CwCallback cb, void *userdata, CwCall **ret_call);
/* The callback of a cancelled call is not called; once this returns, nothing of the call's
 * build() runs any more. Accepts NULL. */
void cw_call_cancel(CwCall *call);
/* The service rejected our credentials: fetch fresh ones for the next calls. */
void cw_client_invalidate_credentials(CwClient *c);
