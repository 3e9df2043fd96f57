/* SPDX-License-Identifier: MIT */
/*
 * Credential providers (environment, systemd credential, shared files) and the chain: order,
 * profiles, broken files, caching and expiry, one fetch for many waiters; region and endpoint
 * precedence. credential_process has its own file (test-credentials-process.c).
 */

#include "aws-region.h"
#include "cw-limits.h"
#include "shared/log.h"
#include "test-credentials.h"

/* Runs one provider synchronously (these providers answer before fetch returns). */
static void fetch_sync(CredentialProvider *p, Answer *a) {
        answer_done(a);
        if (p->ops->fetch(p, on_answer, a) < 0)
                TEST_FAIL_AT("fetch failed to start");
        ASSERT_EQ(a->calls, 1);
}

static CredentialChain *default_chain(const char *profile) {
        CredentialChain *c = NULL;
        sd_event *e = NULL;

        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(credential_chain_new(e, NULL, &(CredentialsOptions) { .profile = profile }, &c));
        sd_event_unref(e); /* the process provider holds its own reference */
        return c;
}

TEST(env_provider) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL;
        Answer a = {};

        env_reset();
        ASSERT_OK(credential_provider_env_new(&p));
        fetch_sync(p, &a);
        ASSERT_ERR(a.error, ENOENT);

        setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
        fetch_sync(p, &a);
        ASSERT_ERR(a.error, EINVAL); /* half a pair is a mistake, not "nothing configured" */

        setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
        setenv("AWS_SESSION_TOKEN", "envtoken", 1);
        fetch_sync(p, &a);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDENV");
        ASSERT_STREQ(a.creds.secret_access_key, "envsecret");
        ASSERT_STREQ(a.creds.session_token, "envtoken");
        ASSERT_STREQ(a.creds.provider, "environment");
        ASSERT_EQ(a.creds.expiration, 0);
        answer_done(&a);
        scratch_cleanup();
}

TEST(shared_files_follow_the_profile) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL, *q = NULL;
        Answer a = {};

        env_reset();
        free(write_scratch(".aws/credentials",
                           "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = s1\n"
                           "[work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = s2\n"
                           "aws_session_token = t2\n", 0600));
        free(write_scratch(".aws/config", "[profile cfg]\naws_access_key_id = AKIDCFG\n"
                                          "aws_secret_access_key = s3\n", 0600));
        ASSERT_OK(credential_provider_shared_files_new(NULL, &p));
        ASSERT_OK(credential_provider_shared_files_new("work", &q));

        fetch_sync(p, &a);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDDEF");
        ASSERT_NULL(a.creds.session_token);

        fetch_sync(q, &a); /* the configured profile */
        ASSERT_STREQ(a.creds.access_key_id, "AKIDWORK");
        ASSERT_STREQ(a.creds.session_token, "t2");

        setenv("AWS_PROFILE", "cfg", 1); /* AWS_PROFILE beats the configured one; keys from config */
        fetch_sync(q, &a);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDCFG");

        setenv("AWS_PROFILE", "nosuch", 1);
        fetch_sync(q, &a);
        ASSERT_ERR(a.error, ENOENT);
        answer_done(&a);
        scratch_cleanup();
}

TEST(shared_files_from_environment_paths_and_without_home) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL;
        _cleanup_free_ char *path = NULL;
        Answer a = {};

        env_reset();
        path = write_scratch("elsewhere/creds", "[default]\naws_access_key_id=AKIDX\naws_secret_access_key=x\n",
                             0600);
        ASSERT_OK(credential_provider_shared_files_new(NULL, &p));
        unsetenv("HOME");
        fetch_sync(p, &a);
        ASSERT_ERR(a.error, ENOENT); /* no HOME, no variables: nothing to read, no error */
        setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
        fetch_sync(p, &a);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDX");
        answer_done(&a);
        scratch_cleanup();
}

TEST(broken_file_is_reported_with_file_and_line) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL;
        _cleanup_free_ char *path = NULL, *err = NULL;
        Capture cap;
        Answer a = {};

        env_reset();
        path = write_scratch(".aws/credentials", "[default]\naws_access_key_id = AKID\nthis is garbage\n", 0600);
        ASSERT_OK(credential_provider_shared_files_new(NULL, &p));
        stderr_begin(&cap);
        fetch_sync(p, &a);
        err = stderr_end(&cap);
        ASSERT_ERR(a.error, EBADMSG);
        ASSERT_NOT_NULL(strstr(err, path));
        ASSERT_NOT_NULL(strstr(err, "credentials:3: expected 'key = value'"));

        /* A broken credentials file does not hide keys in the config file. */
        free(write_scratch(".aws/config", "[default]\naws_access_key_id = AKIDCFG\naws_secret_access_key = s\n",
                           0600));
        fetch_sync(p, &a);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDCFG");
        answer_done(&a);
        scratch_cleanup();
}

TEST(half_a_key_pair_in_a_file_is_an_error) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL;
        _cleanup_free_ char *err = NULL;
        Capture cap;
        Answer a = {};

        env_reset();
        free(write_scratch(".aws/credentials", "[default]\naws_access_key_id = AKID\n", 0600));
        ASSERT_OK(credential_provider_shared_files_new(NULL, &p));
        stderr_begin(&cap);
        fetch_sync(p, &a);
        err = stderr_end(&cap);
        ASSERT_ERR(a.error, EINVAL);
        ASSERT_NOT_NULL(strstr(err, "Profile 'default'"));
        scratch_cleanup();
}

TEST(systemd_credential) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL;
        _cleanup_free_ char *dir = NULL, *err = NULL;
        Capture cap;
        Answer a = {};

        env_reset();
        ASSERT_OK(credential_provider_systemd_new("svc", &p));
        fetch_sync(p, &a);
        ASSERT_ERR(a.error, ENOENT); /* no $CREDENTIALS_DIRECTORY */
        ASSERT_TRUE(asprintf(&dir, "%s/creds", scratch) > 0);
        setenv("CREDENTIALS_DIRECTORY", dir, 1);
        fetch_sync(p, &a);
        ASSERT_ERR(a.error, ENOENT); /* directory without aws-credentials */

        free(write_scratch("creds/aws-credentials", "[svc]\naws_access_key_id = AKIDSD\n"
                                                    "aws_secret_access_key = sdsecret\n", 0400));
        fetch_sync(p, &a);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDSD");
        ASSERT_STREQ(a.creds.provider, "systemd-credential");

        setenv("AWS_PROFILE", "other", 1);
        fetch_sync(p, &a);
        ASSERT_ERR(a.error, ENOENT);

        free(write_scratch("creds/aws-credentials", "[other\n", 0600));
        stderr_begin(&cap);
        fetch_sync(p, &a);
        err = stderr_end(&cap);
        ASSERT_ERR(a.error, EBADMSG);
        ASSERT_NOT_NULL(strstr(err, "creds/aws-credentials:1: section header without closing ']'"));
        answer_done(&a);
        scratch_cleanup();
}

TEST(chain_order_env_then_systemd_then_files) {
        CredentialChain *c;
        _cleanup_free_ char *dir = NULL;
        Answer a = {};

        env_reset();
        free(write_scratch(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n",
                           0600));
        free(write_scratch("creds/aws-credentials", "[default]\naws_access_key_id = AKIDSD\n"
                                                    "aws_secret_access_key = s\n", 0600));
        ASSERT_TRUE(asprintf(&dir, "%s/creds", scratch) > 0);
        setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
        setenv("AWS_SECRET_ACCESS_KEY", "e", 1);
        setenv("CREDENTIALS_DIRECTORY", dir, 1);

        c = default_chain(NULL);
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_STREQ(a.creds.access_key_id, "AKIDENV");

        unsetenv("AWS_ACCESS_KEY_ID");
        unsetenv("AWS_SECRET_ACCESS_KEY");
        credential_chain_invalidate(c);
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_STREQ(a.creds.access_key_id, "AKIDSD");

        unsetenv("CREDENTIALS_DIRECTORY");
        credential_chain_invalidate(c);
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_STREQ(a.creds.access_key_id, "AKIDFILE");

        scratch_cleanup();
        credential_chain_invalidate(c);
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_ERR(a.error, ENOCREDS);
        ASSERT_EQ(a.calls, 4);
        credential_chain_free(c);
        answer_done(&a);
}

/* A scripted provider: answers from a queue, synchronously or when the test says so. */
typedef struct Fake {
        CredentialProvider base;
        unsigned fetches;
        int error;          /* what the next answer is */
        usec_t expiration;  /* of the credentials it hands out */
        bool async;
        CredentialsCallback pending;
        void *pending_userdata;
} Fake;

static void fake_answer(Fake *f, CredentialsCallback cb, void *userdata) {
        char id[32];

        (void) snprintf(id, sizeof id, "AKIDFAKE%u", f->fetches);
        cb(f->error, f->error < 0 ? NULL : &(AwsCredentials) { .access_key_id = id,
                                                               .secret_access_key = (char *) "fakesecret",
                                                               .expiration = f->expiration },
           userdata);
}

static int fake_fetch(CredentialProvider *p, CredentialsCallback cb, void *userdata) {
        Fake *f = (Fake *) p;

        f->fetches++;
        if (f->async) {
                f->pending = cb;
                f->pending_userdata = userdata;
        } else
                fake_answer(f, cb, userdata);
        return 0;
}

static void fake_release(Fake *f) {
        CredentialsCallback cb = TAKE_PTR(f->pending);

        fake_answer(f, cb, f->pending_userdata);
}

static void fake_destroy(CredentialProvider *p) {
        (void) p; /* lives on the test's stack */
}

static const CredentialProviderOps fake_ops = { .name = "fake", .fetch = fake_fetch, .destroy = fake_destroy };

static CredentialChain *fake_chain(Fake *first, Fake *second) {
        CredentialProvider *p[] = { &first->base, &second->base };
        CredentialChain *c = NULL;

        first->base.ops = second->base.ops = &fake_ops;
        ASSERT_OK(credential_chain_new_with_providers(p, 2, &c));
        return c;
}

TEST(chain_caches_until_shortly_before_expiry) {
        Fake none = { .error = -ENOENT }, f = { .expiration = now_usec(CLOCK_REALTIME) + 3600 * USEC_PER_SEC };
        CredentialChain *c = fake_chain(&none, &f);
        Answer a = {};

        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_EQ(f.fetches, 1);
        ASSERT_EQ(none.fetches, 1);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDFAKE1");
        ASSERT_STREQ(a.creds.provider, "fake");

        credential_chain_invalidate(c); /* the service said no: ask again */
        f.expiration = now_usec(CLOCK_REALTIME) + (CREDENTIALS_REFRESH_AHEAD_SEC - 60) * USEC_PER_SEC;
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_EQ(f.fetches, 2);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDFAKE2");

        /* Inside the refresh window: every get refreshes... */
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_EQ(f.fetches, 3);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDFAKE3");
        /* ...and if refreshing fails, the still-valid ones are served. */
        f.error = -EIO;
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_EQ(f.fetches, 4);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDFAKE3");

        /* Long-term keys (no expiration) are kept for good. */
        f.error = 0;
        f.expiration = 0;
        credential_chain_invalidate(c);
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_EQ(f.fetches, 5);
        ASSERT_EQ(a.calls, 7);
        credential_chain_free(c);
        answer_done(&a);
}

TEST(chain_without_answer_fails_and_retries_next_time) {
        Fake none = { .error = -ENOENT }, broken = { .error = -EBADMSG };
        CredentialChain *c = fake_chain(&none, &broken);
        Answer a = {};

        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_ERR(a.error, ENOCREDS);
        ASSERT_EQ(broken.fetches, 1);
        broken.error = 0;
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_OK(a.error);
        ASSERT_EQ(broken.fetches, 2);
        ASSERT_EQ(a.calls, 2);
        credential_chain_free(c);
        answer_done(&a);
}

TEST(chain_fetches_once_for_many_waiters) {
        Fake none = { .error = -ENOENT }, slow = { .async = true };
        CredentialChain *c = fake_chain(&none, &slow);
        Answer a = {}, b = {};

        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_OK(credential_chain_get(c, on_answer, &b));
        ASSERT_EQ(slow.fetches, 1);
        ASSERT_EQ(a.calls + b.calls, 0);
        fake_release(&slow);
        ASSERT_EQ(a.calls, 1);
        ASSERT_EQ(b.calls, 1);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDFAKE1");
        ASSERT_STREQ(b.creds.access_key_id, "AKIDFAKE1");

        /* Freeing the chain mid-fetch drops the waiter without calling it. */
        credential_chain_invalidate(c);
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        ASSERT_EQ(slow.fetches, 2);
        credential_chain_free(c);
        ASSERT_EQ(a.calls, 1);
        answer_done(&a);
        answer_done(&b);
}

TEST(secrets_are_never_logged) {
        CredentialChain *c;
        _cleanup_free_ char *err = NULL;
        Capture cap;
        Answer a = {};

        env_reset();
        setenv("AWS_ACCESS_KEY_ID", "AKIDVISIBLE", 1);
        setenv("AWS_SECRET_ACCESS_KEY", "SECRETxyzzy", 1);
        setenv("AWS_SESSION_TOKEN", "TOKENplugh", 1);
        log_set_max_level(LOG_DEBUG);
        stderr_begin(&cap);
        c = default_chain(NULL);
        ASSERT_OK(credential_chain_get(c, on_answer, &a));
        credential_chain_free(c);
        err = stderr_end(&cap);
        log_set_max_level(LOG_INFO);
        ASSERT_OK(a.error);
        ASSERT_NOT_NULL(strstr(err, "AKIDVISIBLE"));
        ASSERT_NULL(strstr(err, "SECRETxyzzy"));
        ASSERT_NULL(strstr(err, "TOKENplugh"));
        answer_done(&a);
        scratch_cleanup();
}

TEST(region_precedence) {
        char *r = NULL;

        env_reset();
        ASSERT_ERR(aws_resolve_region(NULL, NULL, NULL, &r), ENOENT);
        free(write_scratch(".aws/config", "[default]\nregion = eu-north-1\n[profile p]\nregion = ap-south-1\n", 0600));
        ASSERT_OK(aws_resolve_region(NULL, NULL, NULL, &r));
        ASSERT_STREQ(r, "eu-north-1");
        free(r);
        ASSERT_OK(aws_resolve_region(NULL, NULL, "p", &r));
        ASSERT_STREQ(r, "ap-south-1");
        free(r);
        setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
        ASSERT_OK(aws_resolve_region(NULL, NULL, "p", &r));
        ASSERT_STREQ(r, "us-west-1");
        free(r);
        setenv("AWS_REGION", "us-west-2", 1);
        ASSERT_OK(aws_resolve_region(NULL, NULL, "p", &r));
        ASSERT_STREQ(r, "us-west-2");
        free(r);
        ASSERT_OK(aws_resolve_region(NULL, "ca-central-1", "p", &r));
        ASSERT_STREQ(r, "ca-central-1");
        free(r);
        ASSERT_OK(aws_resolve_region("sa-east-1", "ca-central-1", "p", &r));
        ASSERT_STREQ(r, "sa-east-1");
        free(r);
        r = NULL;
        ASSERT_ERR(aws_resolve_region("evil.example.com/", NULL, NULL, &r), EINVAL);
        ASSERT_NULL(r);
        scratch_cleanup();
}

TEST(endpoint_precedence) {
        char *u = NULL;

        env_reset();
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, "eu-west-1", &u));
        ASSERT_STREQ(u, "https://logs.eu-west-1.amazonaws.com");
        free(u);
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, "cn-north-1", &u));
        ASSERT_STREQ(u, "https://logs.cn-north-1.amazonaws.com.cn");
        free(u);
        setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, "us-east-1", &u));
        ASSERT_STREQ(u, "https://logs-fips.us-east-1.amazonaws.com");
        free(u);
        setenv("AWS_USE_DUALSTACK_ENDPOINT", "true", 1);
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, "us-east-1", &u));
        ASSERT_STREQ(u, "https://logs-fips.us-east-1.api.aws");
        free(u);
        setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, "us-east-1", &u));
        ASSERT_STREQ(u, "https://logs.us-east-1.api.aws");
        free(u);
        ASSERT_ERR(aws_resolve_endpoint(NULL, NULL, NULL, &u), EINVAL);

        setenv("AWS_ENDPOINT_URL", "http://all.local", 1);
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, "us-east-1", &u));
        ASSERT_STREQ(u, "http://all.local");
        free(u);
        setenv("AWS_ENDPOINT_URL_LOGS", "http://logs.local", 1);
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, NULL, &u));
        ASSERT_STREQ(u, "http://logs.local");
        free(u);
        setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
        ASSERT_OK(aws_resolve_endpoint(NULL, NULL, "us-east-1", &u));
        ASSERT_STREQ(u, "https://logs.us-east-1.api.aws");
        free(u);
        ASSERT_OK(aws_resolve_endpoint(NULL, "https://config.local", "us-east-1", &u));
        ASSERT_STREQ(u, "https://config.local");
        free(u);
        ASSERT_OK(aws_resolve_endpoint("http://127.0.0.1:9000", "https://config.local", "us-east-1", &u));
        ASSERT_STREQ(u, "http://127.0.0.1:9000");
        free(u);
        scratch_cleanup();
}

TEST_MAIN()
