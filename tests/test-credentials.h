/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared helpers of the credential tests: a scratch directory, a clean AWS environment,
 * capturing what a provider answers and what we print on stderr. */

#include <fcntl.h>
#include <sys/stat.h>

#include "credentials.h"
#include "shared/fileio.h"
#include "test.h"

static const char *const aws_env_vars[] = {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "CREDENTIALS_DIRECTORY", "AWS_REGION",
        "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LOGS", "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
};

static char scratch[64];

/* A fresh scratch directory as $HOME and no AWS variables. */
static inline void env_reset(void) {
        for (size_t i = 0; i < ELEMENTSOF(aws_env_vars); i++)
                (void) unsetenv(aws_env_vars[i]);
        (void) snprintf(scratch, sizeof scratch, "/tmp/test-credentials-XXXXXX");
        if (!mkdtemp(scratch))
                TEST_FAIL_AT("mkdtemp: %m");
        (void) setenv("HOME", scratch, 1);
}

static inline void scratch_cleanup(void) {
        char cmd[128];

        if (!scratch[0])
                return;
        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
        (void) system(cmd);
        scratch[0] = 0;
}

/* Writes scratch/name (creating scratch/.aws or other parents one level deep). */
static inline char *write_scratch(const char *name, const char *content, int mode) {
        char *path = NULL, *slash;
        int fd;

        if (asprintf(&path, "%s/%s", scratch, name) < 0)
                TEST_FAIL_AT("asprintf");
        slash = strrchr(path, '/');
        *slash = 0;
        (void) mkdir(path, 0700);
        *slash = '/';
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t) strlen(content))
                TEST_FAIL_AT("write %s: %m", path);
        close(fd);
        return path;
}

typedef struct Answer {
        unsigned calls;
        int error;
        AwsCredentials creds;
} Answer;

static inline void answer_done(Answer *a) {
        aws_credentials_done(&a->creds);
        *a = (Answer) {};
}

static inline void on_answer(int error, const AwsCredentials *creds, void *userdata) {
        Answer *a = userdata;

        a->calls++;
        a->error = error;
        aws_credentials_done(&a->creds);
        if (error >= 0 && aws_credentials_copy(creds, &a->creds) < 0)
                a->error = -ENOMEM;
}

/* Redirects our stderr into a file until stderr_end(), which returns what was written. */
typedef struct Capture {
        int saved, fd;
        char path[64];
} Capture;

static inline void stderr_begin(Capture *c) {
        (void) snprintf(c->path, sizeof c->path, "/tmp/test-credentials-stderr-XXXXXX");
        c->fd = mkostemp(c->path, O_CLOEXEC);
        if (c->fd < 0)
                TEST_FAIL_AT("mkostemp: %m");
        fflush(stderr);
        c->saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        dup2(c->fd, STDERR_FILENO);
}

static inline char *stderr_end(Capture *c) {
        char *text = NULL;

        fflush(stderr);
        dup2(c->saved, STDERR_FILENO);
        close(c->saved);
        close(c->fd);
        if (read_full_file(c->path, 1024 * 1024, &text, NULL) < 0)
                text = strdup("");
        (void) unlink(c->path);
        fputs(text, stderr); /* still show it in the test log */
        return text;
}
