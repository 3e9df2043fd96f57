/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * An EC2 instance metadata service (IMDSv2) client on the event loop, shared by the instance
 * profile credential provider and the daemon's region and host facts: a session token is
 * obtained with PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds), kept until
 * shortly before its TTL ends, and sent with every GET. AWS_EC2_METADATA_SERVICE_ENDPOINT
 * moves the service, AWS_EC2_METADATA_DISABLED=true turns it off; both are read per request.
 * IMDSv1 (a GET without a token) is never used.
 */

#include "http.h"
#include "shared/macro.h"

#define IMDS_IDENTITY_PATH "/latest/dynamic/instance-identity/document"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

typedef struct ImdsClient ImdsClient;

/* Called once, from the event loop: 0 with the body of a 200 answer (borrowed, NUL
 * terminated); -ENOENT when there is no such path (404), or no metadata service answered and
 * none ever did (not on EC2; logged at debug); another -errno when the service is there but
 * failing (logged as a warning, with the HTTP status or the transport error). */
typedef void (*ImdsCallback)(int error, const char *body, size_t size, void *userdata);

int imds_client_new(HttpClient *http, ImdsClient **ret);
ImdsClient *imds_client_free(ImdsClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImdsClient *, imds_client_free);

/* Whether AWS_EC2_METADATA_DISABLED says true. */
bool imds_disabled(void);

/* GETs path (starting with '/'). -ENOENT without calling cb when IMDS is disabled, -EBUSY
 * while another get is in flight; otherwise cb is called once, never from inside imds_get(). */
int imds_get(ImdsClient *c, const char *path, ImdsCallback cb, void *userdata);
/* Drops the get in flight without calling its callback. Accepts NULL. */
void imds_cancel(ImdsClient *c);

/* What the instance identity document says about this instance. */
typedef struct ImdsIdentity {
        char *region;
        char *instance_id;
        char *private_ip; /* NULL if absent */
} ImdsIdentity;

/* Pure. -EBADMSG unless the JSON object has a valid "region" and "instanceId" (and, if
 * present, a "privateIp" that is an IP address). Never quotes the input. */
int imds_parse_identity(const char *json, size_t size, ImdsIdentity *ret);
void imds_identity_done(ImdsIdentity *i);
