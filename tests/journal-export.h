/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Test helpers for real journal files: write a Journal Export Format stream
 * (https://systemd.io/JOURNAL_EXPORT_FORMATS/), turn it into a journal file with
 * systemd-journal-remote, and run a command (journalctl) capturing its stdout.
 *
 * Header-only (static inline) so a test uses it without build changes. Not for production
 * code: it blocks, and children are plain fork+exec waited for before returning.
 * Invariants: every value is written byte-exact (the length-prefixed binary form is used for
 * anything with control bytes); every child is reaped before a helper returns.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <sys/wait.h>

#include "shared/strbuf.h"

#define JOURNAL_REMOTE_PATH "/lib/systemd/systemd-journal-remote"
#define JOURNALCTL_PATH "journalctl"

/* Starts an entry. The __ fields must be in the text form for journal-remote to use them. */
static inline int jexport_begin(StrBuf *b, uint64_t realtime, uint64_t monotonic, const char *boot_id) {
        return strbuf_printf(b, "__REALTIME_TIMESTAMP=%" PRIu64 "\n__MONOTONIC_TIMESTAMP=%" PRIu64 "\n_BOOT_ID=%s\n",
                             realtime, monotonic, boot_id);
}

static inline int jexport_field(StrBuf *b, const char *name, const void *value, size_t n) {
        const uint8_t *v = value;
        bool binary = false;
        uint8_t le[8];
        int r;

        for (size_t i = 0; i < n && !binary; i++)
                binary = v[i] < 0x20 && v[i] != '\t';
        r = strbuf_puts(b, name);
        if (r < 0)
                return r;
        if (!binary) {
                r = strbuf_putc(b, '=');
                if (r >= 0)
                        r = strbuf_append(b, value, n);
        } else {
                for (size_t i = 0; i < 8; i++)
                        le[i] = (uint8_t) ((uint64_t) n >> (8 * i));
                r = strbuf_putc(b, '\n');
                if (r >= 0)
                        r = strbuf_append(b, le, sizeof(le));
                if (r >= 0)
                        r = strbuf_append(b, value, n);
        }
        if (r < 0)
                return r;
        return strbuf_putc(b, '\n');
}

static inline int jexport_str(StrBuf *b, const char *name, const char *value) {
        return jexport_field(b, name, value, strlen(value));
}

/* Ends an entry (an empty line). */
static inline int jexport_end(StrBuf *b) {
        return strbuf_putc(b, '\n');
}

/* Runs argv (execvp) with extra "NAME=value" settings added to the environment, feeding
 * input (may be NULL: /dev/null) and, if out is not NULL, capturing stdout into it (stdout
 * goes to /dev/null otherwise; stderr is always discarded). Returns the exit status (>= 0)
 * or -errno. The input is written before stdout is read, so callers use one or the other. */
static inline int jexport_run(char *const argv[], char *const env[], const StrBuf *input, StrBuf *out) {
        int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status, r = 0;
        pid_t pid;

        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
                r = -errno;
                goto finish;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto finish;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0 || dup2(in[0], 0) < 0 || dup2(out ? outp[1] : null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(127);
                for (char *const *e = env; e && *e; e++)
                        (void) putenv(*e);
                execvp(argv[0], argv);
                _exit(127);
        }
        in[0] = safe_close(in[0]);
        outp[1] = safe_close(outp[1]);
        for (size_t done = 0; input && done < input->len;) {
                ssize_t k = write(in[1], input->data + done, input->len - done);

                if (k < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                done += k > 0 ? (size_t) k : 0;
        }
        in[1] = safe_close(in[1]);
        for (char buf[65536];;) {
                ssize_t k = read(outp[0], buf, sizeof(buf));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (out && r >= 0)
                        r = strbuf_append(out, buf, (size_t) k);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        goto finish;
                }
        if (r >= 0)
                r = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
finish:
        (void) safe_close(in[0]);
        (void) safe_close(in[1]);
        (void) safe_close(outp[0]);
        (void) safe_close(outp[1]);
        return r;
}

/* Writes the export stream into the journal file path (must end in ".journal"). */
static inline int jexport_write_journal(const char *path, const StrBuf *stream) {
        _cleanup_free_ char *output = NULL;
        int r;

        if (asprintf(&output, "--output=%s", path) < 0)
                return -ENOMEM;
        char *argv[] = { (char *) JOURNAL_REMOTE_PATH, output, (char *) "-", NULL };
        r = jexport_run(argv, NULL, stream, NULL);
        if (r < 0)
                return r;
        return r == 0 ? 0 : -EIO;
}
