/* SPDX-License-Identifier: MIT */
/*
 * stderr logger. When stderr is the journal stream systemd gave us (JOURNAL_STREAM names
 * the same device:inode), each line starts with "<N>" so journald keeps the priority;
 * otherwise lines read "cwlogd: message" (or "cwlogd[level]: message" at debug level).
 * It never allocates on the error path beyond a fixed stack buffer.
 */

#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

#define LOG_LINE_MAX 2048

static int max_level = LOG_INFO;
static bool use_prefix = false;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",   [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit",
        [LOG_ERR] = "err",       [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",     [LOG_DEBUG] = "debug",
};

void log_set_max_level(int level) {
        max_level = CLAMP(level, LOG_EMERG, LOG_DEBUG);
}

int log_get_max_level(void) {
        return max_level;
}

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (streq(s, level_names[i]))
                        return (int) i;
        if (streq(s, "error"))
                return LOG_ERR;
        if (streq(s, "warn"))
                return LOG_WARNING;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || (size_t) level >= ELEMENTSOF(level_names))
                return NULL;
        return level_names[level];
}

void log_open(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        use_prefix = false;
        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return;
        if (fstat(STDERR_FILENO, &st) < 0)
                return;
        use_prefix = (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

const char *errno_text(int error) {
        switch (error) {
        case ECONFIG:
                return "Invalid configuration";
        case EBADRESPONSE:
                return "Unexpected response from peer";
        case ENOCREDS:
                return "No AWS credentials available";
        default:
                return strerror(error);
        }
}

/* Copies fmt into buf replacing each "%m" by the error text (with '%' doubled). */
static void expand_percent_m(char *buf, size_t size, const char *fmt, int error) {
        const char *text = errno_text(error);
        size_t o = 0;

        for (const char *p = fmt; *p && o + 1 < size; p++) {
                if (p[0] == '%' && p[1] == '%') {
                        if (o + 2 >= size)
                                break;
                        buf[o++] = '%';
                        buf[o++] = '%';
                        p++;
                } else if (p[0] == '%' && p[1] == 'm') {
                        for (const char *t = text; *t && o + 2 < size; t++) {
                                if (*t == '%')
                                        buf[o++] = '%';
                                buf[o++] = *t;
                        }
                        p++;
                } else
                        buf[o++] = *p;
        }
        buf[o] = 0;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        char fmt[LOG_LINE_MAX], msg[LOG_LINE_MAX];
        int saved_errno = errno;
        va_list ap;

        error = abs(error);
        if (level > max_level)
                return -error;

        expand_percent_m(fmt, sizeof fmt, format, error ?: saved_errno);
        va_start(ap, format);
        (void) vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);

        /* One write per line so concurrent writers never interleave within a line. */
        if (use_prefix)
                (void) fprintf(stderr, "<%i>%s\n", level, msg);
        else if (max_level >= LOG_DEBUG)
                (void) fprintf(stderr, "cwlogd[%s] %s:%i %s(): %s\n", strna(log_level_to_string(level)),
                               file, line, func, msg);
        else
                (void) fprintf(stderr, "cwlogd: %s\n", msg);
        (void) fflush(stderr);

        errno = saved_errno;
        return -error;
}

bool ratelimit_below(RateLimit *rl) {
        struct timespec ts;
        uint64_t now;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;

        if (rl->begin == 0 || now - rl->begin >= rl->interval_usec) {
                unsigned suppressed = rl->suppressed;

                rl->begin = now;
                rl->num = 1;
                rl->suppressed = 0;
                if (suppressed > 0)
                        log_notice("Suppressed %u similar log messages.", suppressed);
                return true;
        }
        if (rl->num < rl->burst) {
                rl->num++;
                return true;
        }
        rl->suppressed++;
        return false;
}
