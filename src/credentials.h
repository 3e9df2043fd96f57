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
 * provider has nothing to offer (try the next), other -errno on failure. A callback must not
 * free the chain or provider that calls it. */
typedef void (*CredentialsCallback)(int error, const AwsCredentials *creds, void *userdata);

typedef struct CredentialProvider CredentialProvider;
typedef struct CredentialProviderOps {
        const char *name;
        /* Starts a fetch; cb is called exactly once, possibly before fetch returns. If fetch
         * returns < 0, cb is not called. At most one fetch per provider at a time. */
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

/* Builds the SPEC §6 chain: environment, systemd credential, shared files, credential_process
 * (then, with http, web identity, ECS, IMDS). opts is copied. */
int credential_chain_new(sd_event *event, HttpClient *http, const CredentialsOptions *opts,
                         CredentialChain **ret);
/* A chain over the given providers, asked in order; takes ownership of them (also on failure). */
int credential_chain_new_with_providers(CredentialProvider **providers, size_t n, CredentialChain **ret);
CredentialChain *credential_chain_free(CredentialChain *c);
/* Calls cb with cached credentials (before returning), or fetches through the chain: one fetch
 * at a time, every caller waiting meanwhile is answered by it. Credentials are cached until
 * CREDENTIALS_REFRESH_AHEAD_SEC before they expire; if a refresh then fails, the old ones
 * are served while they are still valid. If no provider answers, cb gets -ENOCREDS and the
 * next get asks the chain again. Callbacks still waiting when the chain is freed are dropped. */
int credential_chain_get(CredentialChain *c, CredentialsCallback cb, void *userdata);
/* Withdraws a get() whose callback has not been called yet (matched by cb and userdata). */
void credential_chain_cancel(CredentialChain *c, CredentialsCallback cb, void *userdata);
/* Forget the cached credentials (the service rejected them). */
void credential_chain_invalidate(CredentialChain *c);

/* Name of the profile to use: AWS_PROFILE, else configured, else "default". */
const char *aws_profile_name(const char *configured);

CredentialProvider *credential_provider_free(CredentialProvider *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(CredentialProvider *, credential_provider_free);

/* The providers (credentials-*.c). Each reads the environment and files when it fetches, not
 * when it is created, so a changed file is seen on the next refresh. profile is the configured
 * one (may be NULL); aws_profile_name() applies AWS_PROFILE at fetch time. */
int credential_provider_env_new(CredentialProvider **ret);
int credential_provider_systemd_new(const char *profile, CredentialProvider **ret);
int credential_provider_shared_files_new(const char *profile, CredentialProvider **ret);
/* timeout: how long the process may run (CREDENTIAL_PROCESS_TIMEOUT_SEC in production).
 * Needs SIGCHLD blocked (sd_event_add_child requires it); the provider blocks it in the
 * calling thread when it spawns, the daemon should block it at start before any thread. */
int credential_provider_process_new(sd_event *event, const char *profile, usec_t timeout,
                                    CredentialProvider **ret);

/* Network providers (need http.c). region: for the regional STS endpoint, may be NULL. */
int credential_provider_assume_role_new(HttpClient *http, const char *profile, const char *region,
                                        CredentialProvider **ret);
int credential_provider_web_identity_new(HttpClient *http, const char *profile, const char *region,
                                         CredentialProvider **ret);
int credential_provider_ecs_new(HttpClient *http, CredentialProvider **ret);
int credential_provider_imds_new(HttpClient *http, CredentialProvider **ret);
