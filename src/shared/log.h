/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The daemon's own log: stderr, with "<N>" syslog priority prefixes when stderr is
 * connected to journald (JOURNAL_STREAM matches), plain "cwlogd: " text otherwise.
 * Messages are rate limited per call site class so a flood of identical trouble can
 * never turn into a feedback loop through the journal we read.
 *
 * log_*_errno(r, ...) log with errno set to -r (so %m prints it) and return -abs(r),
 * which lets callers write `return log_error_errno(r, "...: %m");`. Synthetic errnos
 * (see below) print as their own text.
 */

#include <syslog.h>

#include "macro.h"

/* Errors of our own making, outside the kernel's errno range: returned like -errno,
 * printed by %m through log_* as the text below rather than as strerror(). */
enum {
        ESYNTHETIC_BASE = 10000,
        ECONFIG,   /* configuration is invalid (already reported with FILE:LINE) */
        EBADRESPONSE, /* a peer answered something we could not understand */
        ENOCREDS,  /* no credential provider produced credentials */
        ESYNTHETIC_END,
};

void log_set_max_level(int level);
int log_get_max_level(void);
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* Decide between "<N>" prefixes and plain output; call once at start. */
void log_open(void);

/* Returns -abs(error) if error != 0, else 0. */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);

/* Suppresses repeats: at most `burst` messages per `interval_usec` for this key; prints
 * how many were suppressed when the window reopens. Returns true if the caller may log. */
typedef struct RateLimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin;
        unsigned num;
        unsigned suppressed;
} RateLimit;
#define RATELIMIT_INIT(interval, b) { .interval_usec = (interval), .burst = (b) }
bool ratelimit_below(RateLimit *rl);

/* Text of a synthetic or ordinary errno value (positive). */
const char *errno_text(int error);

#define log_full_errno(level, error, ...)                                                        \
        ({                                                                                       \
                int _level_ = (level), _e_ = (error);                                            \
                _level_ <= log_get_max_level()                                                   \
                        ? log_internal(_level_, _e_, __FILE__, __LINE__, __func__, __VA_ARGS__) \
                        : -abs(_e_);                                                             \
        })
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
