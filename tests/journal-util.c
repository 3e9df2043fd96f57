/* SPDX-License-Identifier: MIT */
/*
 * Writing real journal files for tests (see journal-util.h). The child process is always
 * reaped before returning; nothing is left running.
 */

#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "journal-util.h"

#define TEST_BOOT_ID "0123456789abcdef0123456789abcdef"

const char *journal_util_remote_binary(void) {
        static const char *const candidates[] = {
                "/lib/systemd/systemd-journal-remote",
                "/usr/lib/systemd/systemd-journal-remote",
        };

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
                if (access(candidates[i], X_OK) == 0)
                        return candidates[i];
        return NULL;
}

int journal_util_append_entry(StrBuf *b, uint64_t realtime_usec, const char *const *fields) {
        int r;

        r = strbuf_printf(b, "__REALTIME_TIMESTAMP=%" PRIu64 "\n__MONOTONIC_TIMESTAMP=%" PRIu64 "\n_BOOT_ID=%s\n",
                          realtime_usec, realtime_usec / 1000, TEST_BOOT_ID);
        if (r < 0)
                return r;
        for (size_t i = 0; fields && fields[i]; i++) {
                if (strchr(fields[i], '\n') || !strchr(fields[i], '='))
                        return -EINVAL;
                r = strbuf_printf(b, "%s\n", fields[i]);
                if (r < 0)
                        return r;
        }
        return strbuf_putc(b, '\n');
}

static _noreturn_ void run_remote(const char *binary, const char *path, int input) {
        _cleanup_free_ char *arg = NULL;
        int null;

        null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (dup2(input, STDIN_FILENO) < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            dup2(null, STDERR_FILENO) < 0)
                _exit(127);
        if (asprintf(&arg, "--output=%s", path) < 0)
                _exit(127);
        execl(binary, "systemd-journal-remote", arg, "-", (char *) NULL);
        _exit(127);
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int journal_util_write(const char *path, const char *export_text) {
        const char *binary = journal_util_remote_binary();
        int fds[2], status, r;
        pid_t pid;

        if (!binary)
                return -ENOENT;
        /* If the tool dies early, fail the write instead of the whole test binary. */
        (void) signal(SIGPIPE, SIG_IGN);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                (void) safe_close(fds[0]);
                (void) safe_close(fds[1]);
                return r;
        }
        if (pid == 0)
                run_remote(binary, path, fds[0]);
        (void) safe_close(fds[0]);
        r = write_all(fds[1], export_text, strlen(export_text));
        (void) safe_close(fds[1]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0)
                return r;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static _noreturn_ void run_child(char *const *argv, int output) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(output, STDOUT_FILENO) < 0 ||
            dup2(null, STDERR_FILENO) < 0)
                _exit(127);
        execvp(argv[0], argv);
        _exit(127);
}

int test_run_capture(char *const *argv, char **ret_stdout) {
        _cleanup_(strbuf_done) StrBuf out = STRBUF_INIT(16 * 1024 * 1024);
        int fds[2], status, r = 0;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                (void) safe_close(fds[0]);
                (void) safe_close(fds[1]);
                return r;
        }
        if (pid == 0)
                run_child(argv, fds[1]);
        (void) safe_close(fds[1]);
        for (;;) {
                char buf[4096];
                ssize_t n = read(fds[0], buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (n < 0 && r >= 0)
                                r = -errno;
                        break;
                }
                if (r >= 0)
                        r = strbuf_append(&out, buf, (size_t) n);
        }
        (void) safe_close(fds[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0)
                return r;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -EIO;
        if (strbuf_append(&out, "", 0) < 0) /* a terminated buffer even for empty output */
                return -ENOMEM;
        *ret_stdout = strbuf_steal(&out, NULL);
        return 0;
}

int test_mkdtemp(char **ret) {
        char *d = strdup("/tmp/cwlogd-test-XXXXXX");

        if (!d)
                return -ENOMEM;
        if (!mkdtemp(d)) {
                free(d);
                return -errno;
        }
        *ret = d;
        return 0;
}

void test_rm_rf(const char *dir) {
        DIR *d;
        struct dirent *de;

        if (!dir)
                return;
        d = opendir(dir);
        if (d) {
                while ((de = readdir(d))) {
                        _cleanup_free_ char *p = NULL;

                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        if (asprintf(&p, "%s/%s", dir, de->d_name) >= 0)
                                (void) unlink(p);
                }
                (void) closedir(d);
        }
        (void) rmdir(dir);
}
