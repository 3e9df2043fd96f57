/* SPDX-License-Identifier: MIT */
/*
 * tail-writer: logs to a journald at a steady rate through its native protocol socket, one
 * datagram per entry ("MESSAGE=...\nPRIORITY=6\nSYSLOG_IDENTIFIER=bench-tail\n"), like
 * sd_journal_send() does, and meanwhile watches another process (the shipper under test):
 * its CPU time over exactly the writing window, and its peak RssAnon.
 *
 * Pacing: a batch every millisecond on an absolute clock, so the rate holds on average even
 * when one send is slow; if journald cannot keep up, sends block and the achieved rate is
 * what is reported. Messages are ~120 bytes and carry a sequence number.
 *
 * Usage: tail-writer --socket PATH --rate PER_S --seconds S [--watch PID]
 * Prints {"sent":..,"seconds":..,"rate":..,"watch_cpu_s":..,"watch_peak_rss_anon_kib":..}
 */

#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Reads /proc/PID/NAME into buf (NUL-terminated); its length, or -1. */
static ssize_t read_proc(int pid, const char *name, char *buf, size_t size) {
        char path[64];
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = 0;
        return n;
}

/* utime+stime of PID in seconds (from /proc/PID/stat), or -1. */
static double cpu_seconds(int pid) {
        char buf[2048], *p;
        unsigned long long ut, st;

        if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
                return -1;
        p = strrchr(buf, ')'); /* comm may contain spaces; fields 14 and 15 count from after it */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return -1;
        return (double) (ut + st) / (double) sysconf(_SC_CLK_TCK);
}

static long rss_anon_kib(int pid) {
        char buf[4096], *p;

        if (read_proc(pid, "status", buf, sizeof(buf)) < 0)
                return -1;
        p = strstr(buf, "\nRssAnon:");
        return p ? strtol(p + 9, NULL, 10) : -1;
}

static int parse_pos(const char *s, long *ret) {
        char *end;
        long v;

        if (!s)
                return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v <= 0)
                return -1;
        *ret = v;
        return 0;
}

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *socket_path = NULL;
        long rate = 0, seconds = 0, watch = 0, peak = 0;
        uint64_t sent = 0, target;
        double t0, cpu0 = -1, cpu1 = -1, elapsed;
        struct timespec tick;
        char buf[512];
        int fd;

        for (int i = 1; i < argc; i += 2) {
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                int r = -1;
                if (!strcmp(argv[i], "--socket") && v)
                        socket_path = v, r = 0;
                else if (!strcmp(argv[i], "--rate"))
                        r = parse_pos(v, &rate);
                else if (!strcmp(argv[i], "--seconds"))
                        r = parse_pos(v, &seconds);
                else if (!strcmp(argv[i], "--watch"))
                        r = parse_pos(v, &watch);
                if (r < 0) {
                        fprintf(stderr, "usage: tail-writer --socket PATH --rate PER_S --seconds S "
                                        "[--watch PID]\n");
                        return 2;
                }
        }
        if (!socket_path || rate == 0 || seconds == 0 || strlen(socket_path) >= sizeof(sa.sun_path))
                return fprintf(stderr, "tail-writer: --socket, --rate and --seconds are required\n"), 2;
        memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1); /* length checked above */
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return fprintf(stderr, "tail-writer: cannot connect to '%s': %m\n", socket_path), 1;

        target = (uint64_t) rate * (uint64_t) seconds;
        if (watch)
                cpu0 = cpu_seconds((int) watch);
        t0 = now();
        (void) clock_gettime(CLOCK_MONOTONIC, &tick);
        for (uint64_t ms = 1; sent < target; ms++) {
                uint64_t due = ms * (uint64_t) rate / 1000;
                for (; sent < due && sent < target; sent++) {
                        int n = snprintf(buf, sizeof(buf),
                                         "MESSAGE=tail %010" PRIu64 " worker=%u GET /api/v1/orders/%" PRIu64
                                         " 200 in %u ms user=ci-runner cache=hit region=eu-west-1 ok\n"
                                         "PRIORITY=6\nSYSLOG_IDENTIFIER=bench-tail\n",
                                         sent, (unsigned) (sent % 8), sent * 7919 % 1000000,
                                         (unsigned) (sent % 97));
                        while (send(fd, buf, (size_t) n, 0) < 0)
                                if (errno != EINTR && errno != EAGAIN)
                                        return fprintf(stderr, "tail-writer: send: %m\n"), 1;
                }
                if (watch && ms % 10 == 0) {
                        long kib = rss_anon_kib((int) watch);
                        if (kib > peak)
                                peak = kib;
                }
                tick.tv_nsec += 1000000;
                if (tick.tv_nsec >= 1000000000) {
                        tick.tv_nsec -= 1000000000;
                        tick.tv_sec++;
                }
                (void) clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
        }
        elapsed = now() - t0;
        if (watch)
                cpu1 = cpu_seconds((int) watch);
        printf("{\"sent\":%" PRIu64 ",\"seconds\":%.3f,\"rate\":%.0f,\"watch_cpu_s\":%.3f,"
               "\"watch_peak_rss_anon_kib\":%ld}\n",
               sent, elapsed, (double) sent / elapsed, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1.0, peak);
        return 0;
}
