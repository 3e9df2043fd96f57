/* SPDX-License-Identifier: MIT */
/*
 * measure: runs one command and reports what it cost, as one JSON line:
 *   {"wall_s":..,"user_s":..,"sys_s":..,"peak_rss_anon_kib":..,"samples":..,"exit":..,"signal":..,
 *    "threads":[{"name":..,"cpu_s":..},..]}
 *
 * - wall_s: fork to reaped exit (the exit is seen at once through a pidfd, not at the next tick);
 * - user_s, sys_s: the child's own rusage from wait4() (not its children's);
 * - peak_rss_anon_kib: the largest RssAnon of /proc/PID/status over samples taken every
 *   --interval-ms (default 10). RssAnon, not VmHWM: VmHWM counts file-backed pages, and a
 *   journal reader maps its journal files, which is page cache, not memory it allocated.
 *   A spike shorter than the interval can be missed; steady-state use cannot.
 * - threads: user+sys CPU per thread name (threads of one name summed), from
 *   /proc/PID/task/TID/stat at the same samples: what each thread had used when last seen, so
 *   up to one interval (and one clock tick) short of its total. To tell which thread limits.
 *
 * SIGTERM/SIGINT sent to measure are passed on to the child, so a caller can stop a daemon
 * and still get its numbers. Exits with the child's exit status (128+N if killed by N).
 * Deliberately Linux only; measures one process, not a process tree (exec the real program).
 *
 * --trace FILE also writes every sample as "SECONDS KIB" lines, to tell a plateau from growth.
 *
 * Usage: measure [--json FILE] [--pid-file FILE] [--trace FILE] [--interval-ms N] -- COMMAND [ARGS...]
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

#define MAX_THREADS 64

typedef struct ThreadSeen {
        int tid;
        char name[32];
        unsigned long long ticks; /* utime + stime, last seen */
} ThreadSeen;

static ThreadSeen threads[MAX_THREADS];
static int n_threads;

/* Reads "TID (comm) S ... utime stime" of one thread; false if it is gone. */
static bool read_thread(int pid, int tid, char *name, size_t size, unsigned long long *ticks) {
        char path[96], buf[1024], *open_paren, *close_paren;
        unsigned long long utime, stime;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = 0;
        open_paren = strchr(buf, '(');
        close_paren = strrchr(buf, ')'); /* the name may hold parentheses itself */
        if (!open_paren || !close_paren || close_paren < open_paren)
                return false;
        snprintf(name, size, "%.*s", (int) (close_paren - open_paren - 1), open_paren + 1);
        /* After ") ": state is field 3; utime and stime are fields 14 and 15. */
        if (sscanf(close_paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
                return false;
        *ticks = utime + stime;
        return true;
}

static void sample_threads(int pid) {
        char path[64];
        struct dirent *de;
        DIR *d;

        snprintf(path, sizeof(path), "/proc/%d/task", pid);
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char name[32];
                unsigned long long ticks;
                int tid = atoi(de->d_name), k;

                if (tid <= 0 || !read_thread(pid, tid, name, sizeof(name), &ticks))
                        continue;
                for (k = 0; k < n_threads && threads[k].tid != tid; k++)
                        ;
                if (k == n_threads) {
                        if (n_threads == MAX_THREADS)
                                continue;
                        n_threads++;
                }
                threads[k].tid = tid;
                snprintf(threads[k].name, sizeof(threads[k].name), "%s", name);
                threads[k].ticks = ticks;
        }
        closedir(d);
}

/* "threads":[...] with the CPU of same-named threads summed, in order of first appearance. */
static void print_threads(FILE *out) {
        double hz = (double) sysconf(_SC_CLK_TCK);
        bool first = true;

        fputs(",\"threads\":[", out);
        for (int i = 0; i < n_threads; i++) {
                unsigned long long sum = 0;
                bool seen_before = false;

                for (int j = 0; j < i; j++)
                        seen_before = seen_before || !strcmp(threads[j].name, threads[i].name);
                if (seen_before)
                        continue;
                for (int j = i; j < n_threads; j++)
                        if (!strcmp(threads[j].name, threads[i].name))
                                sum += threads[j].ticks;
                fprintf(out, "%s{\"name\":\"", first ? "" : ",");
                for (const char *c = threads[i].name; *c; c++) /* JSON-safe: no quotes or controls */
                        fputc(*c == '"' || *c == '\\' || (unsigned char) *c < 0x20 ? '_' : *c, out);
                fprintf(out, "\",\"cpu_s\":%.2f}", (double) sum / hz);
                first = false;
        }
        fputs("]", out);
}

static void forward(int sig) {
        if (child_pid > 0)
                (void) kill(child_pid, sig);
}

static double now(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* RssAnon of PID in KiB, or -1 when the process is gone or not readable. */
static long rss_anon_kib(int status_fd) {
        char buf[4096];
        ssize_t n = pread(status_fd, buf, sizeof(buf) - 1, 0);
        char *p;

        if (n <= 0)
                return -1;
        buf[n] = 0;
        p = strstr(buf, "\nRssAnon:");
        if (!p)
                return -1;
        return strtol(p + strlen("\nRssAnon:"), NULL, 10);
}

static double tv(struct timeval t) {
        return (double) t.tv_sec + (double) t.tv_usec / 1e6;
}

/* A positive number of milliseconds up to 1000, else -1. */
static int parse_ms(const char *s) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > 1000)
                return -1;
        return (int) v;
}

static int usage(void) {
        fprintf(stderr, "usage: measure [--json FILE] [--pid-file FILE] [--trace FILE] [--interval-ms N] "
                        "-- COMMAND [ARGS...]\n");
        return 2;
}

int main(int argc, char *argv[]) {
        const char *json = NULL, *pid_file = NULL, *trace_path = NULL;
        FILE *trace = NULL;
        int interval_ms = 10, i, status = 0, pidfd, status_fd;
        long peak = 0, samples = 0;
        struct rusage ru;
        struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
        char path[64];
        double start, wall;
        FILE *out;
        pid_t pid;

        for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
                if (i + 1 >= argc)
                        return usage();
                if (!strcmp(argv[i], "--json"))
                        json = argv[++i];
                else if (!strcmp(argv[i], "--pid-file"))
                        pid_file = argv[++i];
                else if (!strcmp(argv[i], "--trace"))
                        trace_path = argv[++i];
                else if (!strcmp(argv[i], "--interval-ms"))
                        interval_ms = parse_ms(argv[++i]);
                else
                        return usage();
        }
        if (i + 1 >= argc || interval_ms <= 0)
                return usage();

        start = now();
        pid = fork();
        if (pid < 0)
                return perror("measure: fork"), 1;
        if (pid == 0) {
                execvp(argv[i + 1], argv + i + 1);
                fprintf(stderr, "measure: cannot run '%s': %s\n", argv[i + 1], strerror(errno));
                _exit(127);
        }
        child_pid = pid;
        (void) sigaction(SIGTERM, &sa, NULL);
        (void) sigaction(SIGINT, &sa, NULL);
        if (pid_file) {
                FILE *f = fopen(pid_file, "we");
                if (f) {
                        fprintf(f, "%d\n", (int) pid);
                        fclose(f);
                }
        }
        if (trace_path)
                trace = fopen(trace_path, "we");
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        status_fd = open(path, O_RDONLY | O_CLOEXEC);

        for (;;) {
                long kib = status_fd >= 0 ? rss_anon_kib(status_fd) : -1;
                sample_threads((int) pid);
                if (kib >= 0) {
                        samples++;
                        if (kib > peak)
                                peak = kib;
                        if (trace)
                                fprintf(trace, "%.3f %ld\n", now() - start, kib);
                }
                if (pidfd >= 0) {
                        struct pollfd p = { .fd = pidfd, .events = POLLIN };
                        if (poll(&p, 1, interval_ms) > 0)
                                break; /* exited; EINTR from a forwarded signal just samples again */
                } else {
                        siginfo_t si = {};
                        struct timespec ts = { 0, interval_ms * 1000000L };
                        if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
                                break;
                        (void) nanosleep(&ts, NULL);
                }
        }
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR)
                        return perror("measure: wait4"), 1;
        wall = now() - start;
        child_pid = 0;
        if (trace)
                fclose(trace);

        out = json ? fopen(json, "we") : stderr;
        if (!out)
                return perror("measure: --json"), 1;
        fprintf(out, "{\"wall_s\":%.3f,\"user_s\":%.3f,\"sys_s\":%.3f,\"peak_rss_anon_kib\":%ld,"
                     "\"samples\":%ld,\"exit\":%d,\"signal\":%d",
                wall, tv(ru.ru_utime), tv(ru.ru_stime), peak, samples,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        print_threads(out);
        fputs("}\n", out);
        if (json)
                fclose(out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
