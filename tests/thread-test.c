/* SPDX-License-Identifier: MIT */

#include <dirent.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "shared/macro.h"
#include "shared/parse-util.h"
#include "thread-test.h"

/* Reads /proc/self/task/TID/FILE into buf (NUL-terminated); false if it cannot. */
static bool read_task_file(const char *tid, const char *file, char *buf, size_t size) {
        char path[320];
        FILE *f;
        size_t n;

        (void) snprintf(path, sizeof path, "/proc/self/task/%s/%s", tid, file);
        f = fopen(path, "re");
        if (!f)
                return false;
        n = fread(buf, 1, size - 1, f);
        buf[n] = 0;
        (void) fclose(f);
        return true;
}

static bool blocks_every_signal(const char *tid) {
        static const int signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
                                       SIGCHLD, SIGBUS };
        char status[4096], *line;
        uint64_t blocked;

        /* Valgrind keeps the program's signal masks to itself: the kernel's view of the thread
         * says nothing then (the plain and sanitizer runs check it). */
        if (RUNNING_ON_VALGRIND)
                return true;
        if (!read_task_file(tid, "status", status, sizeof status))
                return false;
        line = strstr(status, "\nSigBlk:\t");
        if (!line)
                return false;
        line += STRLEN("\nSigBlk:\t");
        line[strcspn(line, "\n")] = 0;
        if (safe_atox64(line, &blocked) < 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                if (!(blocked & (UINT64_C(1) << (signals[i] - 1))))
                        return false;
        return (blocked & (UINT64_C(1) << (SIGRTMIN - 1))) && (blocked & (UINT64_C(1) << (SIGRTMAX - 1)));
}

static int count_named_once(const char *comm, bool *ret_all_blocked) {
        char want[32];
        DIR *d;
        struct dirent *de;
        int found = 0;

        *ret_all_blocked = true;
        (void) snprintf(want, sizeof want, "%s\n", comm);
        d = opendir("/proc/self/task");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char name[64];

                /* By name: a sanitizer's runtime may run threads of its own. */
                if (de->d_name[0] == '.' || !read_task_file(de->d_name, "comm", name, sizeof name) ||
                    strcmp(name, want) != 0)
                        continue;
                found++;
                if (!blocks_every_signal(de->d_name))
                        *ret_all_blocked = false;
        }
        (void) closedir(d);
        return found;
}

int thread_count_named(const char *comm, int expect, bool *ret_all_blocked) {
        int found = 0;

        /* pthread_join() returns when the kernel clears the thread's tid, a moment before the
         * task leaves /proc: a thread just joined can still be listed (measured: 6 in 20,000
         * joins). So a count that differs is read again, for up to 5 s. */
        for (int tries = 0; tries < 500; tries++) {
                found = count_named_once(comm, ret_all_blocked);
                if (found == expect)
                        break;
                (void) usleep(10 * 1000);
        }
        return found;
}

bool forbid_threads_supported(void) {
#if defined(__x86_64__)
        return true;
#else
        return false;
#endif
}

static int forbid_threads(void) {
#if defined(__x86_64__)
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 2, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(f), .filter = f };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                return -errno;
        return 0;
#else
        return -EOPNOTSUPP;
#endif
}

int run_without_threads(int (*fn)(void)) {
        pid_t pid;
        int status;

        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0)
                _exit(forbid_threads() < 0 ? 255 : fn());
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}
