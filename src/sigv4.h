/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * AWS Signature Version 4 (header-based), pure: canonical request, string to sign,
 * signature, Authorization header. No clock, no I/O: the caller passes the time.
 */

#include "credentials.h"

typedef struct SigV4Header {
        const char *name;  /* any case; canonicalised to lower case */
        const char *value; /* trimmed and inner whitespace runs folded when canonicalised */
} SigV4Header;

typedef struct SigV4Input {
        const char *method;
        const char *path;  /* as sent on the wire (already percent-encoded), e.g. "/" */
        const char *query; /* without '?', may be NULL or "" */
        const SigV4Header *headers; /* every header that is sent and signed, including host */
        size_t n_headers;
        const void *payload;
        size_t payload_size;
        const char *payload_hash; /* sigv4_hash_payload() of the payload if already known, else NULL */
        const char *region;
        const char *service;
        usec_t now; /* realtime */
        const AwsCredentials *creds;
        /* S3-style services do not normalise the path; everything else does. */
        bool no_path_normalization;
} SigV4Input;

typedef struct SigV4Output {
        char *canonical_request;
        char *string_to_sign;
        char *signature;     /* hex */
        char *authorization; /* full value of the Authorization header */
        char amz_date[17];   /* X-Amz-Date value the signature is for */
} SigV4Output;

/* The caller must also send X-Amz-Date = out->amz_date (include it in headers to sign it;
 * sigv4_sign does not add headers) and X-Amz-Security-Token when creds has a session token. */
int sigv4_sign(const SigV4Input *in, SigV4Output *ret);
void sigv4_output_done(SigV4Output *o);

#define SIGV4_HASH_HEX_SIZE 65 /* 64 hex digits and NUL */
/* Hex SHA-256, the form SigV4 signs a payload in. Thread-safe (the payload worker uses it). */
int sigv4_hash_payload(const void *p, size_t n, char out[static SIGV4_HASH_HEX_SIZE]);
