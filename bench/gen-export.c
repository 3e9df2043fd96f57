/* SPDX-License-Identifier: MIT */
/*
 * gen-export: writes N journal entries in the Journal Export Format to stdout, for
 * `systemd-journal-remote --output=FILE -` to turn into a journal file.
 *
 * The entries look like a busy server's journal: a handful of units (web server, sshd,
 * cron, the kernel, an application), ~120-byte messages with varying numbers, IPs and
 * paths, and the fields journalctl users filter on (_SYSTEMD_UNIT, SYSLOG_IDENTIFIER,
 * PRIORITY, _PID, _HOSTNAME, _BOOT_ID). Realtime timestamps are spread evenly over
 * [--end - --span, --end) and strictly increase, as do monotonic ones, so several
 * files generated with --first/--total cover disjoint slices of one timeline.
 *
 * Deliberately not a general tool: no binary fields, no options beyond what bench/run
 * needs. Output is deterministic for a given --seed.
 *
 * Usage: gen-export --entries N [--first K --total T] [--end USEC] [--span USEC]
 *                   [--boot-id HEX32] [--seed S]
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Unit {
        const char *unit;
        const char *ident;
        int priority;
        unsigned pid;
        unsigned weight; /* relative share of entries */
} Unit;

static const Unit units[] = {
        { "nginx.service", "nginx", 6, 1187, 40 },
        { "app.service", "app", 6, 2204, 25 },
        { "sshd.service", "sshd", 6, 913, 10 },
        { "cron.service", "CRON", 6, 655, 10 },
        { "postgresql@15-main.service", "postgres", 4, 1502, 10 },
        { "systemd-logind.service", "systemd-logind", 5, 502, 5 },
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void) {
        /* xorshift64*: fast, good enough to make messages differ */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545f4914f6cdd1dULL;
}

static const char *pick(const char *const *v, size_t n) {
        return v[rnd() % n];
}

#define PICK(v) pick(v, sizeof(v) / sizeof((v)[0]))

static const char *const paths[] = {
        "/api/v1/orders", "/api/v1/users/me", "/static/app.8f3c1e.js", "/healthz",
        "/api/v1/search?q=shoes&page=2", "/login", "/api/v2/cart/items", "/favicon.ico",
};
static const char *const agents[] = { "curl/7.88.1", "Mozilla/5.0 (X11; Linux x86_64)", "okhttp/4.12.0" };
static const char *const users[] = { "deploy", "admin", "ci-runner", "backup" };
static const char *const tables[] = { "orders", "users", "sessions", "inventory" };

static int message(char *buf, size_t size, size_t unit) {
        unsigned a = (unsigned) rnd(), b = (unsigned) rnd();

        switch (unit) {
        case 0:
                return snprintf(buf, size,
                                "10.%u.%u.%u - - \"GET %s HTTP/1.1\" %u %u \"https://shop.example.com/\" "
                                "\"%s\" rt=%u.%03u",
                                a & 255, (a >> 8) & 255, (a >> 16) & 255, PICK(paths), (a & 7) ? 200 : 404,
                                200 + (a >> 20) % 40000, PICK(agents), (a >> 3) % 2, (a >> 5) % 1000);
        case 1:
                return snprintf(buf, size,
                                "request_id=%08x%08x handled POST /api/v1/orders: order %u for customer %u "
                                "in %u ms, items=%u payment=card status=ok",
                                a, b, a % 1000000, (a >> 7) % 100000, a % 900, 1 + a % 9);
        case 2:
                return snprintf(buf, size,
                                "Accepted publickey for %s from 192.168.%u.%u port %u ssh2 "
                                "(session opened): ED25519 SHA256:%08x%08x",
                                PICK(users), a & 255, (a >> 8) & 255, 1024 + (a >> 16) % 60000, b, a);
        case 3:
                return snprintf(buf, size,
                                "pam_unix(cron:session): session opened for user %s(uid=%u) by (uid=0); "
                                "running /usr/local/bin/rotate-reports --job %u --quiet",
                                PICK(users), 1000 + a % 20, a % 100000);
        case 4:
                return snprintf(buf, size,
                                "LOG:  duration: %u.%03u ms  statement: SELECT id, status, updated_at "
                                "FROM %s WHERE id = %u ORDER BY updated_at LIMIT 1",
                                a % 2000, (a >> 11) % 1000, PICK(tables), a % 10000000);
        default:
                return snprintf(buf, size,
                                "New session %u of user %s (leader %u, class user, seat seat0, remote host "
                                "10.0.4.17, service sshd) started.",
                                a % 10000, PICK(users), 1000 + (a >> 9) % 50000);
        }
}

static size_t pick_unit(void) {
        unsigned total = 0, r;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                total += units[i].weight;
        r = (unsigned) (rnd() % total);
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                if (r < units[i].weight)
                        return i;
                r -= units[i].weight;
        }
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s)
                return -1;
        v = strtoull(s, &end, 0);
        if (*end)
                return -1;
        *ret = v;
        return 0;
}

int main(int argc, char *argv[]) {
        uint64_t entries = 0, first = 0, total = 0, end = 0, span = 3600ULL * 1000000ULL, seed = 1;
        const char *boot_id = "3c1f0d2a9b8e4f6a8d7c6b5a49382716";
        struct timespec ts;
        char msg[512];

        for (int i = 1; i < argc; i += 2) {
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                int r = 0;
                if (!strcmp(argv[i], "--entries"))
                        r = parse_u64(v, &entries);
                else if (!strcmp(argv[i], "--first"))
                        r = parse_u64(v, &first);
                else if (!strcmp(argv[i], "--total"))
                        r = parse_u64(v, &total);
                else if (!strcmp(argv[i], "--end"))
                        r = parse_u64(v, &end);
                else if (!strcmp(argv[i], "--span"))
                        r = parse_u64(v, &span);
                else if (!strcmp(argv[i], "--seed"))
                        r = parse_u64(v, &seed);
                else if (!strcmp(argv[i], "--boot-id") && v && strlen(v) == 32)
                        boot_id = v;
                else
                        r = -1;
                if (r < 0) {
                        fprintf(stderr, "usage: gen-export --entries N [--first K --total T] [--end USEC] "
                                        "[--span USEC] [--boot-id HEX32] [--seed S]\n");
                        return 2;
                }
        }
        if (total == 0)
                total = first + entries;
        if (end == 0) {
                (void) clock_gettime(CLOCK_REALTIME, &ts);
                end = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
        }
        rng_state ^= seed * 0xbf58476d1ce4e5b9ULL + first;
        static char out[1 << 20];
        (void) setvbuf(stdout, out, _IOFBF, sizeof(out));

        for (uint64_t k = first; k < first + entries; k++) {
                uint64_t offset = span / total * k; /* strictly increasing while span >= total */
                size_t u = pick_unit();
                int n = message(msg, sizeof(msg), u);
                if (n < 0 || (size_t) n >= sizeof(msg))
                        return 1;
                printf("__REALTIME_TIMESTAMP=%" PRIu64 "\n"
                       "__MONOTONIC_TIMESTAMP=%" PRIu64 "\n"
                       "_BOOT_ID=%s\n"
                       "_HOSTNAME=bench-host\n"
                       "_TRANSPORT=stdout\n"
                       "_SYSTEMD_UNIT=%s\n"
                       "SYSLOG_IDENTIFIER=%s\n"
                       "PRIORITY=%d\n"
                       "_PID=%u\n"
                       "MESSAGE=%s\n\n",
                       end - span + offset, (uint64_t) 1000000000 + offset, boot_id, units[u].unit,
                       units[u].ident, units[u].priority, units[u].pid + (unsigned) (k >> 17), msg);
        }
        return fflush(stdout) == 0 ? 0 : 1;
}
