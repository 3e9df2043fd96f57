/* SPDX-License-Identifier: MIT */
/*
 * AwsCredentials helpers and the provider chain; see credentials.h.
 *
 * The chain asks its providers in order, one at a time: the first that answers 0 wins and is
 * cached; -ENOENT ("nothing configured for me") and failures both move on to the next. A
 * provider that fails logs why itself (it knows the file, line or process); the chain only
 * logs at debug, and the caller decides what a final -ENOCREDS means to the operator.
 * Only one fetch runs at a time; every get() arriving meanwhile waits for it.
 *
 * Deliberately not here: retry timers or backoff (the caller asks again), any provider logic.
 * Invariants: secrets are wiped when replaced or freed and never formatted into a message;
 * only the access key id is ever logged, at debug.
 */

#include "credentials.h"
#include "cw-limits.h"
#include "shared/log.h"

typedef struct Waiter {
        struct Waiter *next;
        CredentialsCallback cb;
        void *userdata;
} Waiter;

struct CredentialChain {
        CredentialProvider **providers;
        size_t n_providers;
        size_t current;  /* provider being asked while fetching */
        bool fetching;
        bool have_cached;
        AwsCredentials cached;
        Waiter *waiters, *waiters_tail;
        Waiter *answering; /* waiters being answered by chain_finish() */
};

void aws_credentials_done(AwsCredentials *c) {
        if (!c)
                return;
        c->access_key_id = erase_and_free(c->access_key_id);
        c->secret_access_key = erase_and_free(c->secret_access_key);
        c->session_token = erase_and_free(c->session_token);
        *c = (AwsCredentials) {};
}

int aws_credentials_copy(const AwsCredentials *src, AwsCredentials *ret) {
        AwsCredentials c = { .expiration = src->expiration, .provider = src->provider };

        if (isempty(src->access_key_id) || isempty(src->secret_access_key))
                return -EINVAL;
        c.access_key_id = strdup(src->access_key_id);
        c.secret_access_key = strdup(src->secret_access_key);
        c.session_token = src->session_token ? strdup(src->session_token) : NULL;
        if (!c.access_key_id || !c.secret_access_key || (src->session_token && !c.session_token)) {
                aws_credentials_done(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

const char *aws_profile_name(const char *configured) {
        const char *e = getenv("AWS_PROFILE");

        if (!isempty(e))
                return e;
        return isempty(configured) ? "default" : configured;
}

CredentialProvider *credential_provider_free(CredentialProvider *p) {
        if (p)
                p->ops->destroy(p);
        return NULL;
}

int credential_chain_new_with_providers(CredentialProvider **providers, size_t n, CredentialChain **ret) {
        CredentialChain *c;

        c = calloc(1, sizeof *c);
        if (c)
                c->providers = calloc(MAX(n, (size_t) 1), sizeof *c->providers);
        if (!c || !c->providers) {
                for (size_t i = 0; i < n; i++)
                        credential_provider_free(providers[i]);
                free(c);
                return -ENOMEM;
        }
        memcpy(c->providers, providers, n * sizeof *providers);
        c->n_providers = n;
        *ret = c;
        return 0;
}

CredentialChain *credential_chain_free(CredentialChain *c) {
        if (!c)
                return NULL;
        if (c->fetching && c->current < c->n_providers && c->providers[c->current]->ops->cancel)
                c->providers[c->current]->ops->cancel(c->providers[c->current]);
        for (size_t i = 0; i < c->n_providers; i++)
                credential_provider_free(c->providers[i]);
        free(c->providers);
        while (c->waiters) {
                Waiter *w = c->waiters;
                c->waiters = w->next;
                free(w);
        }
        aws_credentials_done(&c->cached);
        return mfree(c);
}

static bool cached_fresh(const CredentialChain *c, usec_t now) {
        return c->have_cached &&
               (c->cached.expiration == 0 ||
                now + CREDENTIALS_REFRESH_AHEAD_SEC * USEC_PER_SEC < c->cached.expiration);
}

static bool cached_valid(const CredentialChain *c, usec_t now) {
        return c->have_cached && (c->cached.expiration == 0 || now < c->cached.expiration);
}

/* Answers every waiter. The list is detached first so a callback may call get() again. */
static void chain_finish(CredentialChain *c, int error) {
        Waiter *w;

        c->answering = TAKE_PTR(c->waiters);
        c->waiters_tail = NULL;
        c->fetching = false;
        if (error < 0 && cached_valid(c, now_usec(CLOCK_REALTIME))) {
                log_debug("Refreshing credentials failed, using the current ones until they expire.");
                error = 0;
        }
        /* A callback may cancel a waiter still in this list (credential_chain_cancel). */
        while ((w = c->answering)) {
                c->answering = w->next;
                if (w->cb)
                        w->cb(error, error < 0 ? NULL : &c->cached, w->userdata);
                free(w);
        }
}

void credential_chain_cancel(CredentialChain *c, CredentialsCallback cb, void *userdata) {
        Waiter *prev = NULL;

        if (!c)
                return;
        for (Waiter *w = c->answering; w; w = w->next)
                if (w->cb == cb && w->userdata == userdata)
                        w->cb = NULL;
        for (Waiter *w = c->waiters; w; prev = w, w = w->next)
                if (w->cb == cb && w->userdata == userdata) {
                        if (prev)
                                prev->next = w->next;
                        else
                                c->waiters = w->next;
                        if (c->waiters_tail == w)
                                c->waiters_tail = prev;
                        free(w);
                        return;
                }
}

static void chain_ask(CredentialChain *c);

static void provider_done(int error, const AwsCredentials *creds, void *userdata) {
        CredentialChain *c = userdata;
        const char *name = c->providers[c->current]->ops->name;
        AwsCredentials copy;
        int r;

        if (error >= 0) {
                r = creds ? aws_credentials_copy(creds, &copy) : -EINVAL;
                if (r >= 0) {
                        copy.provider = copy.provider ?: name;
                        aws_credentials_done(&c->cached);
                        c->cached = copy;
                        c->have_cached = true;
                        log_debug("Using credentials from %s (access key id %s).", name, copy.access_key_id);
                        chain_finish(c, 0);
                        return;
                }
                error = r;
        }
        if (error == -ENOENT)
                log_debug("Credential provider %s has nothing configured.", name);
        else
                log_debug_errno(error, "Credential provider %s failed, trying the next: %m", name);
        c->current++;
        chain_ask(c);
}

static void chain_ask(CredentialChain *c) {
        while (c->current < c->n_providers) {
                CredentialProvider *p = c->providers[c->current];
                int r;

                r = p->ops->fetch(p, provider_done, c);
                if (r >= 0)
                        return; /* provider_done was or will be called */
                log_debug_errno(r, "Credential provider %s could not start, trying the next: %m", p->ops->name);
                c->current++;
        }
        chain_finish(c, -ENOCREDS);
}

int credential_chain_get(CredentialChain *c, CredentialsCallback cb, void *userdata) {
        Waiter *w;

        if (!c || !cb)
                return -EINVAL;
        if (cached_fresh(c, now_usec(CLOCK_REALTIME))) {
                cb(0, &c->cached, userdata);
                return 0;
        }
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        *w = (Waiter) { .cb = cb, .userdata = userdata };
        if (c->waiters_tail)
                c->waiters_tail->next = w;
        else
                c->waiters = w;
        c->waiters_tail = w;
        if (!c->fetching) {
                c->fetching = true;
                c->current = 0;
                chain_ask(c);
        }
        return 0;
}

void credential_chain_invalidate(CredentialChain *c) {
        if (!c)
                return;
        aws_credentials_done(&c->cached);
        c->have_cached = false;
}

int credential_chain_new(sd_event *event, HttpClient *http, const CredentialsOptions *opts,
                         CredentialChain **ret) {
        CredentialProvider *p[8] = {};
        const char *profile = opts ? opts->profile : NULL, *region = opts ? opts->region : NULL;
        size_t n = 0;
        int r;

        /* SPEC §6 order: environment, systemd credential, shared files (static keys, then a
         * role to assume), credential_process, web identity, ECS/EKS container, EC2 IMDS. */
        r = credential_provider_env_new(&p[n++]);
        if (r >= 0)
                r = credential_provider_systemd_new(profile, &p[n++]);
        if (r >= 0)
                r = credential_provider_shared_files_new(profile, &p[n++]);
        if (r >= 0 && http)
                r = credential_provider_assume_role_new(http, profile, region, &p[n++]);
        if (r >= 0)
                r = credential_provider_process_new(event, profile, CREDENTIAL_PROCESS_TIMEOUT_SEC * USEC_PER_SEC,
                                                    &p[n++]);
        if (r >= 0 && http)
                r = credential_provider_web_identity_new(http, profile, region, &p[n++]);
        if (r >= 0 && http)
                r = credential_provider_ecs_new(http, &p[n++]);
        if (r >= 0 && http)
                r = credential_provider_imds_new(http, &p[n++]);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        credential_provider_free(p[i]);
                return r;
        }
        return credential_chain_new_with_providers(p, n, ret);
}
