/* SPDX-License-Identifier: MIT */
/*
 * credential_process: a real /bin/sh script run from a real sd-event loop, answering JSON,
 * garbage, failing, hanging; and the pure parser of its output.
 */

#include <signal.h>

#include "credentials-process.h"
#include "cw-limits.h"
#include "shared/parse-util.h"
#include "test-credentials.h"

/* Runs the loop until the answer arrives; gives up (failing) after many idle rounds. */
static void run_until_answer(sd_event *e, Answer *a) {
        for (unsigned i = 0; a->calls == 0 && i < 600; i++)
                ASSERT_OK(sd_event_run(e, 100 * USEC_PER_MSEC));
        ASSERT_EQ(a->calls, 1);
}

/* Writes an executable script and a config naming it as the profile's credential_process. */
static void setup_process(const char *profile_header, const char *script) {
        _cleanup_free_ char *path = NULL, *config = NULL;

        path = write_scratch("helper.sh", script, 0700);
        ASSERT_TRUE(asprintf(&config, "[%s]\ncredential_process = %s --flag\n", profile_header, path) > 0);
        free(write_scratch(".aws/config", config, 0600));
}

static void fetch_process(const char *profile, usec_t timeout, Answer *a) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL;
        sd_event *e = NULL;

        answer_done(a);
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(credential_provider_process_new(e, profile, timeout, &p));
        ASSERT_OK(p->ops->fetch(p, on_answer, a));
        run_until_answer(e, a);
        p = credential_provider_free(p);
        sd_event_unref(e);
}

TEST(process_prints_credentials) {
        Answer a = {};

        env_reset();
        setup_process("profile ext",
                      "#!/bin/sh\n"
                      "[ \"$1\" = --flag ] || exit 9\n"
                      "echo 'helper speaks on stderr' >&2\n"
                      "cat <<EOF\n"
                      "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"procsecret\",\n"
                      " \"SessionToken\": \"proctoken\", \"Expiration\": \"2999-01-02T03:04:05Z\"}\n"
                      "EOF\n");
        fetch_process("ext", 10 * USEC_PER_SEC, &a);
        ASSERT_OK(a.error);
        ASSERT_STREQ(a.creds.access_key_id, "AKIDPROC");
        ASSERT_STREQ(a.creds.secret_access_key, "procsecret");
        ASSERT_STREQ(a.creds.session_token, "proctoken");
        ASSERT_EQ(a.creds.expiration, 32472241445ULL * USEC_PER_SEC /* 2999-01-02T03:04:05Z */);
        answer_done(&a);
        scratch_cleanup();
}

TEST(process_not_configured) {
        Answer a = {};

        env_reset();
        free(write_scratch(".aws/config", "[default]\nregion = eu-west-1\n", 0600));
        fetch_process(NULL, 10 * USEC_PER_SEC, &a);
        ASSERT_ERR(a.error, ENOENT);
        scratch_cleanup();
}

TEST(process_stderr_passes_through) {
        _cleanup_free_ char *err = NULL;
        Capture cap;
        Answer a = {};

        env_reset();
        setup_process("default", "#!/bin/sh\necho 'helper: token expired, run login' >&2\nexit 3\n");
        stderr_begin(&cap);
        fetch_process(NULL, 10 * USEC_PER_SEC, &a);
        err = stderr_end(&cap);
        ASSERT_ERR(a.error, EIO);
        ASSERT_NOT_NULL(strstr(err, "helper: token expired, run login"));
        ASSERT_NOT_NULL(strstr(err, "credential_process of profile 'default' exited with status 3"));
        ASSERT_NULL(strstr(err, "--flag")); /* the command line is never logged */
        scratch_cleanup();
}

TEST(process_garbage_is_refused_without_echoing_it) {
        _cleanup_free_ char *err = NULL;
        Capture cap;
        Answer a = {};

        env_reset();
        setup_process("default", "#!/bin/sh\necho 'SecretAccessKey=leakme not json'\n");
        stderr_begin(&cap);
        fetch_process(NULL, 10 * USEC_PER_SEC, &a);
        err = stderr_end(&cap);
        ASSERT_ERR(a.error, EBADMSG);
        ASSERT_NOT_NULL(strstr(err, "printed something that is not JSON"));
        ASSERT_NULL(strstr(err, "leakme"));

        setup_process("default", "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}'\n");
        fetch_process(NULL, 10 * USEC_PER_SEC, &a);
        ASSERT_ERR(a.error, EPROTONOSUPPORT);

        setup_process("default", "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\", "
                                 "\"Expiration\": \"2001-01-01T00:00:00Z\"}'\n");
        fetch_process(NULL, 10 * USEC_PER_SEC, &a);
        ASSERT_ERR(a.error, ESTALE);
        scratch_cleanup();
}

static bool process_gone(pid_t pid) {
        _cleanup_free_ char *path = NULL, *stat = NULL;
        const char *state;

        if (asprintf(&path, "/proc/%i/stat", (int) pid) < 0)
                return false;
        if (read_full_file(path, 4096, &stat, NULL) < 0)
                return true;
        state = strrchr(stat, ')'); /* an orphan may linger as a zombie of PID 1 */
        return state && state[1] == ' ' && state[2] == 'Z';
}

TEST(process_that_hangs_is_killed_with_its_children) {
        _cleanup_free_ char *pidfile = NULL, *pidtext = NULL, *script = NULL, *err = NULL;
        Capture cap;
        Answer a = {};
        int pid;

        env_reset();
        ASSERT_TRUE(asprintf(&pidfile, "%s/sleeper.pid", scratch) > 0);
        ASSERT_TRUE(asprintf(&script, "#!/bin/sh\nsleep 120 &\necho $! > %s\nwait\n", pidfile) > 0);
        setup_process("default", script);
        stderr_begin(&cap);
        fetch_process(NULL, 300 * USEC_PER_MSEC, &a);
        err = stderr_end(&cap);
        ASSERT_ERR(a.error, ETIME);
        ASSERT_NOT_NULL(strstr(err, "did not finish within 0.3 s and was killed"));
        ASSERT_OK(read_full_file(pidfile, 64, &pidtext, NULL));
        pidtext[strcspn(pidtext, "\n")] = 0;
        ASSERT_OK(safe_atoi(pidtext, &pid));
        ASSERT_TRUE(pid > 1);
        for (unsigned i = 0; i < 100 && !process_gone(pid); i++)
                usleep(10000);
        ASSERT_TRUE(process_gone(pid));
        scratch_cleanup();
}

TEST(process_cancel_reaps_the_child) {
        _cleanup_(credential_provider_freep) CredentialProvider *p = NULL;
        sd_event *e = NULL;
        Answer a = {};

        env_reset();
        setup_process("default", "#!/bin/sh\nexec sleep 120\n");
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(credential_provider_process_new(e, NULL, 60 * USEC_PER_SEC, &p));
        ASSERT_OK(p->ops->fetch(p, on_answer, &a));
        ASSERT_ERR(p->ops->fetch(p, on_answer, &a), EBUSY); /* one at a time */
        p->ops->cancel(p);
        ASSERT_EQ(a.calls, 0);
        ASSERT_TRUE(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD); /* nothing left to reap */
        p = credential_provider_free(p);
        sd_event_unref(e);
        scratch_cleanup();
}

TEST(parser_accepts_minimal_and_full_documents) {
        static const char minimal[] = "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Extra\":[1]}";
        static const char nulls[] = "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
                                    "\"SessionToken\":null,\"Expiration\":null}";
        AwsCredentials c = {};

        ASSERT_OK(credential_process_parse_output(minimal, strlen(minimal), &c, NULL));
        ASSERT_STREQ(c.access_key_id, "A");
        ASSERT_NULL(c.session_token);
        ASSERT_EQ(c.expiration, 0);
        aws_credentials_done(&c);
        ASSERT_OK(credential_process_parse_output(nulls, strlen(nulls), &c, NULL));
        aws_credentials_done(&c);
}

TEST(parser_rejects_bad_documents) {
        static const struct {
                const char *json, *reason;
        } bad[] = {
                { "", "printed something that is not JSON" },
                { "[1]", "did not print a JSON object" },
                { "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}", "printed no integer \"Version\"" },
                { "{\"Version\":\"1\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}", "printed no integer \"Version\"" },
                { "{\"Version\":1,\"SecretAccessKey\":\"S\"}", "printed no valid \"AccessKeyId\"" },
                { "{\"Version\":1,\"AccessKeyId\":\"\",\"SecretAccessKey\":\"S\"}", "printed no valid \"AccessKeyId\"" },
                { "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":5}", "printed no valid \"SecretAccessKey\"" },
                { "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"SessionToken\":1}",
                  "printed an invalid \"SessionToken\"" },
                { "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"tomorrow\"}",
                  "printed an invalid \"Expiration\" (want ISO 8601)" },
                { "{\"Version\":1,\"AccessKeyId\":\"A\",\"AccessKeyId\":\"B\",\"SecretAccessKey\":\"S\"}",
                  "printed something that is not JSON" },
                { "{\"Version\":1,\"AccessKeyId\":\"A\\u0000B\",\"SecretAccessKey\":\"S\"}",
                  "printed something that is not JSON" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                AwsCredentials c = {};
                const char *reason = NULL;

                ASSERT_ERR(credential_process_parse_output(bad[i].json, strlen(bad[i].json), &c, &reason), EBADMSG);
                ASSERT_STREQ(reason, bad[i].reason);
                ASSERT_NULL(c.access_key_id);
        }
}

TEST_MAIN()
