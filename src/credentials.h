/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * AWS credentials and the provider chain (SPEC §6). A provider produces credentials
 * asynchronously; the chain asks each in order and caches the first answer until shortly
 * before it expires. Secrets are wiped when freed and never logged.
 */

#include <systemd/sd-event.h>

#include "shared/time-util.h"

typedef struct AwsCredentials {
        char *access_key_id;
        char *secret_access_key;
        char *session_token; /* NULL for long-term keys */
        usec_t expiration;   /* realtime; 0: never */
        const char *provider; /* static name of the provider that produced them */
} AwsCredentials;

void aws_credentials_done(AwsCredentials *c);
int aws_credentials_copy(const AwsCredentials *src, AwsCredentials *ret);

/* 0 on success with creds filled (borrowed for the duration of the call), -ENOENT when the
 * provider has nothing to offer (try the next), other -errno on failure. */
typedef void (*CredentialsCallback)(int error, const AwsCredentials *creds, void *userdata);

typedef struct CredentialProvider CredentialProvider;
typedef struct CredentialProviderOps {
        const char *name;
        /* Starts a fetch; cb is called exactly once, possibly before fetch returns. */
        int (*fetch)(CredentialProvider *p, CredentialsCallback cb, void *userdata);
        void (*cancel)(CredentialProvider *p);
        void (*destroy)(CredentialProvider *p);
} CredentialProviderOps;

struct CredentialProvider {
        const CredentialProviderOps *ops;
};

typedef struct HttpClient HttpClient;

typedef struct CredentialsOptions {
        const char *profile; /* from [general] profile; AWS_PROFILE wins */
        const char *region;  /* for regional STS */
} CredentialsOptions;

typedef struct CredentialChain CredentialChain;

int credential_chain_new(sd_event *event, HttpClient *http, const CredentialsOptions *opts,
                         CredentialChain **ret);
CredentialChain *credential_chain_free(CredentialChain *c);
/* Calls cb with cached credentials, or fetches through the chain. */
int credential_chain_get(CredentialChain *c, CredentialsCallback cb, void *userdata);
/* Withdraws a get() whose callback has not been called yet (matched by cb and userdata). */
void credential_chain_cancel(CredentialChain *c, CredentialsCallback cb, void *userdata);
/* Forget the cached credentials (the service rejected them). */
void credential_chain_invalidate(CredentialChain *c);
