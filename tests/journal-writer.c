/* SPDX-License-Identifier: MIT */
/* Journal files for tests, via systemd-journal-remote; see journal-writer.h. */

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "journal-writer.h"

#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"
/* Monotonic = realtime - this, so it grows with realtime across files. */
#define MONOTONIC_BASE 1000000000000000ULL

static void check(int r) {
        if (r < 0)
                abort();
}

void jwriter_init(JWriter *w) {
        *w = (JWriter) {};
        strbuf_init(&w->buf, 0);
}

void jwriter_done(JWriter *w) {
        strbuf_done(&w->buf);
}

void jwriter_entry(JWriter *w, uint64_t realtime_usec) {
        if (w->entries > 0)
                check(strbuf_putc(&w->buf, '\n'));
        check(strbuf_printf(&w->buf, "__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n_BOOT_ID=%s\n",
                            (unsigned long long) realtime_usec,
                            (unsigned long long) (realtime_usec - MONOTONIC_BASE), JWRITER_BOOT_ID));
        w->entries++;
}

void jwriter_field_binary(JWriter *w, const char *name, const void *data, size_t size) {
        uint64_t le = htole64((uint64_t) size);

        check(strbuf_printf(&w->buf, "%s\n", name));
        check(strbuf_append(&w->buf, &le, sizeof le));
        check(strbuf_append(&w->buf, data, size));
        check(strbuf_putc(&w->buf, '\n'));
}

void jwriter_field(JWriter *w, const char *name, const char *value) {
        for (const char *p = value; *p; p++)
                if ((unsigned char) *p < ' ' && *p != '\t') {
                        jwriter_field_binary(w, name, value, strlen(value));
                        return;
                }
        check(strbuf_printf(&w->buf, "%s=%s\n", name, value));
}

void jwriter_simple(JWriter *w, uint64_t realtime_usec, const char *message, ...) {
        va_list ap;

        jwriter_entry(w, realtime_usec);
        if (message)
                jwriter_field(w, "MESSAGE", message);
        va_start(ap, message);
        for (const char *f; (f = va_arg(ap, const char *));) {
                const char *eq = strchr(f, '=');
                char *name;

                if (!eq)
                        abort();
                name = strndup(f, (size_t) (eq - f));
                jwriter_field(w, name, eq + 1);
                free(name);
        }
        va_end(ap);
}

static int spawn_remote(const char *path, int *ret_stdin, pid_t *ret_pid) {
        char *arg;
        int p[2];
        pid_t pid;

        if (asprintf(&arg, "--output=%s", path) < 0)
                return -ENOMEM;
        if (pipe2(p, O_CLOEXEC) < 0) {
                free(arg);
                return -errno;
        }
        pid = fork();
        if (pid < 0) {
                free(arg);
                return -errno;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                (void) dup2(p[0], STDIN_FILENO);
                (void) dup2(null, STDOUT_FILENO);
                (void) dup2(null, STDERR_FILENO);
                execl(JOURNAL_REMOTE, JOURNAL_REMOTE, arg, "-", (char *) NULL);
                _exit(127);
        }
        free(arg);
        close(p[0]);
        *ret_stdin = p[1];
        *ret_pid = pid;
        return 0;
}

int jwriter_write(JWriter *w, const char *path) {
        const char *data = w->buf.data ?: "";
        size_t left = w->buf.len;
        int fd = -1, status, r = 0;
        pid_t pid = 0;

        (void) signal(SIGPIPE, SIG_IGN);
        r = spawn_remote(path, &fd, &pid);
        if (r < 0)
                return r;
        while (left > 0) {
                ssize_t n = write(fd, data, left);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                data += n;
                left -= (size_t) n;
        }
        /* A final empty line ends the last entry. */
        if (r >= 0 && write(fd, "\n", 1) != 1)
                r = -EIO;
        close(fd);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (r >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                r = -EIO;
        strbuf_reset(&w->buf);
        w->entries = 0;
        return r;
}
