/* SPDX-License-Identifier: MIT */
/*
 * Credentials from the profile's `credential_process`: the command runs through
 * `/bin/sh -c` (as the AWS CLI runs it) without ever blocking the event loop. Its stdout is
 * a non-blocking pipe watched by an sd-event io source, its exit an sd-event child source,
 * and a timer kills it (its whole process group) when it runs too long. Its stderr is ours,
 * so whatever the helper complains about reaches the journal; stdin is /dev/null.
 *
 * SIGCHLD must be blocked for sd_event_add_child(); the provider blocks it in the calling
 * thread before it spawns (the daemon blocks it at start anyway). The child gets an empty
 * signal mask and default dispositions back.
 *
 * Deliberately not here: caching (the chain caches), parsing (credentials-process-output.c).
 * Invariants: at most one process at a time; the process is always reaped, also on cancel and
 * destroy; its output is wiped when dropped; the command line is never logged (people put
 * tokens in arguments).
 */

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "aws-shared-files.h"
#include "credentials-process.h"
#include "cw-limits.h"
#include "shared/log.h"
#include "shared/strbuf.h"

extern char **environ;

typedef struct ProcessProvider {
        CredentialProvider base;
        sd_event *event;
        char *profile;
        usec_t timeout;

        /* The run in flight; pid 0 when idle. */
        pid_t pid;
        int fd;
        sd_event_source *io, *child, *timer;
        StrBuf out;
        bool timed_out, too_long;
        CredentialsCallback cb;
        void *userdata;
} ProcessProvider;

static void wipe_output(ProcessProvider *p) {
        if (p->out.data)
                explicit_bzero(p->out.data, p->out.allocated);
        strbuf_done(&p->out);
}

/* Ends the run: kills and reaps a process still running, drops sources and output. */
static void run_reset(ProcessProvider *p) {
        p->io = sd_event_source_disable_unref(p->io);
        p->timer = sd_event_source_disable_unref(p->timer);
        if (p->child) {
                p->child = sd_event_source_disable_unref(p->child);
                (void) kill(-p->pid, SIGKILL);
                (void) waitpid(p->pid, NULL, 0);
        }
        p->pid = 0;
        p->fd = safe_close(p->fd);
        wipe_output(p);
        p->timed_out = p->too_long = false;
}

/* Reads what is there; returns true at end of file. Output past the cap ends the run. */
static bool drain(ProcessProvider *p) {
        for (;;) {
                char buf[4096];
                ssize_t n = read(p->fd, buf, sizeof buf);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n == 0 || errno != EAGAIN;
                if (strbuf_append(&p->out, buf, (size_t) n) < 0) {
                        p->too_long = true;
                        (void) kill(-p->pid, SIGKILL);
                        explicit_bzero(buf, sizeof buf);
                        return true;
                }
                explicit_bzero(buf, sizeof buf);
        }
}

static int on_stdout(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ProcessProvider *p = userdata;

        if (drain(p))
                p->io = sd_event_source_disable_unref(p->io);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        ProcessProvider *p = userdata;

        p->timed_out = true;
        (void) kill(-p->pid, SIGKILL); /* the child source reaps it and finishes */
        return 0;
}

/* The outcome of a finished run: 0 with *ret filled, or -errno with the reason logged. */
static int run_result(ProcessProvider *p, const siginfo_t *si, AwsCredentials *ret) {
        const char *profile = aws_profile_name(p->profile), *reason = NULL;
        int r;

        if (p->timed_out)
                return log_warning_errno(ETIME, "credential_process of profile '%s' did not finish within %.3g s and "
                                         "was killed, ignoring.", profile, (double) p->timeout / USEC_PER_SEC);
        if (p->too_long)
                return log_warning_errno(EFBIG, "credential_process of profile '%s' printed more than %u bytes, "
                                         "ignoring.", profile, CREDENTIAL_PROCESS_OUTPUT_MAX);
        if (si->si_code != CLD_EXITED)
                return log_warning_errno(EIO, "credential_process of profile '%s' was killed by signal %s, "
                                         "ignoring.", profile, strsignal(si->si_status));
        if (si->si_status != 0)
                return log_warning_errno(EIO, "credential_process of profile '%s' exited with status %i, "
                                         "ignoring.", profile, si->si_status);
        r = credential_process_parse_output(strempty(p->out.data), p->out.len, ret, &reason);
        if (r < 0)
                return log_warning_errno(r, "credential_process of profile '%s' %s, ignoring.", profile, reason);
        if (ret->expiration != 0 && ret->expiration <= now_usec(CLOCK_REALTIME)) {
                aws_credentials_done(ret);
                return log_warning_errno(ESTALE, "credential_process of profile '%s' printed credentials that "
                                         "already expired, ignoring.", profile);
        }
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        ProcessProvider *p = userdata;
        CredentialsCallback cb = p->cb;
        void *cb_userdata = p->userdata;
        AwsCredentials creds = {};
        int r;

        /* Reaped by sd-event: forget the child before run_reset() would kill and wait. */
        p->child = sd_event_source_disable_unref(p->child);
        if (p->io && !p->too_long)
                (void) drain(p);
        r = run_result(p, si, &creds);
        run_reset(p);
        p->cb = NULL;
        cb(r, r < 0 ? NULL : &creds, cb_userdata);
        aws_credentials_done(&creds);
        return 0;
}

/* posix_spawn of /bin/sh -c CMD: own process group (so a timeout kills what it started),
 * stdout to the pipe, stdin /dev/null, stderr shared, clean signal state. */
static int spawn(const char *cmd, int out_fd, pid_t *ret) {
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) cmd, NULL };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, dfl;
        int r;

        (void) sigemptyset(&none);
        (void) sigfillset(&dfl);
        (void) sigdelset(&dfl, SIGKILL);
        (void) sigdelset(&dfl, SIGSTOP);
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                (void) posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        if (r == 0)
                r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                            POSIX_SPAWN_SETSIGDEF);
        if (r == 0)
                r = posix_spawnattr_setpgroup(&attr, 0);
        if (r == 0)
                r = posix_spawnattr_setsigmask(&attr, &none);
        if (r == 0)
                r = posix_spawnattr_setsigdefault(&attr, &dfl);
        if (r == 0)
                r = posix_spawn(ret, argv[0], &fa, &attr, argv, environ);
        (void) posix_spawn_file_actions_destroy(&fa);
        (void) posix_spawnattr_destroy(&attr);
        return -r;
}

static int start_run(ProcessProvider *p, const char *cmd) {
        _cleanup_close_ int write_fd = -1;
        int fds[2], r;
        sigset_t chld;
        usec_t now;

        (void) sigemptyset(&chld);
        (void) sigaddset(&chld, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
                return -errno;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        p->fd = fds[0];
        write_fd = fds[1];
        if (fcntl(p->fd, F_SETFL, O_NONBLOCK) < 0)
                return -errno;
        strbuf_init(&p->out, CREDENTIAL_PROCESS_OUTPUT_MAX);

        r = spawn(cmd, write_fd, &p->pid);
        if (r < 0)
                return r;
        write_fd = safe_close(write_fd); /* the child holds the only write end now */
        r = sd_event_add_child(p->event, &p->child, p->pid, WEXITED, on_child, p);
        if (r < 0) {
                (void) kill(-p->pid, SIGKILL);
                (void) waitpid(p->pid, NULL, 0);
                return r;
        }
        r = sd_event_add_io(p->event, &p->io, p->fd, EPOLLIN, on_stdout, p);
        if (r >= 0)
                r = sd_event_now(p->event, CLOCK_MONOTONIC, &now);
        if (r >= 0)
                r = sd_event_add_time(p->event, &p->timer, CLOCK_MONOTONIC, now + p->timeout, 0, on_timeout, p);
        return r;
}

static int process_fetch(CredentialProvider *base, CredentialsCallback cb, void *userdata) {
        ProcessProvider *p = (ProcessProvider *) base;
        const char *profile = aws_profile_name(p->profile);
        _cleanup_erase_ char *cmd = NULL;
        int r;

        if (p->pid > 0)
                return -EBUSY;
        r = aws_shared_profile_get(profile, "credential_process", &cmd);
        if (r < 0) {
                cb(r, NULL, userdata); /* -ENOENT: not configured; file errors were logged */
                return 0;
        }
        r = start_run(p, cmd);
        if (r < 0) {
                run_reset(p);
                return log_warning_errno(r, "Failed to start credential_process of profile '%s': %m", profile);
        }
        log_debug("Started credential_process of profile '%s' as PID %i.", profile, (int) p->pid);
        p->cb = cb;
        p->userdata = userdata;
        return 0;
}

static void process_cancel(CredentialProvider *base) {
        ProcessProvider *p = (ProcessProvider *) base;

        run_reset(p);
        p->cb = NULL;
        p->userdata = NULL;
}

static void process_destroy(CredentialProvider *base) {
        ProcessProvider *p = (ProcessProvider *) base;

        process_cancel(base);
        sd_event_unref(p->event);
        free(p->profile);
        free(p);
}

static const CredentialProviderOps process_ops = {
        .name = "credential-process",
        .fetch = process_fetch,
        .cancel = process_cancel,
        .destroy = process_destroy,
};

int credential_provider_process_new(sd_event *event, const char *profile, usec_t timeout,
                                    CredentialProvider **ret) {
        ProcessProvider *p;

        if (!event || timeout == 0)
                return -EINVAL;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        *p = (ProcessProvider) { .base.ops = &process_ops, .event = sd_event_ref(event), .timeout = timeout,
                                 .fd = -1 };
        if (!isempty(profile) && !(p->profile = strdup(profile))) {
                process_destroy(&p->base);
                return -ENOMEM;
        }
        *ret = &p->base;
        return 0;
}
