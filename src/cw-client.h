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
/* The callback of a cancelled call is not called. Accepts NULL. */
void cw_call_cancel(CwCall *call);
/* The service rejected our credentials: fetch fresh ones for the next calls. */
void cw_client_invalidate_credentials(CwClient *c);
