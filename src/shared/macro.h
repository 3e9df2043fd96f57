/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Small macros used everywhere: scope-bound cleanup, ownership transfer, array sizes.
 * Deliberately tiny; anything with logic lives in its own module.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))
#define _const_ __attribute__((const))
#define _pure_ __attribute__((pure))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))

#define STRLEN(s) (sizeof(s) - 1)

/* Hands the pointer over to the caller: returns it and leaves NULL behind. */
#define TAKE_PTR(p)                          \
        ({                                   \
                typeof(p) *_pp_ = &(p);      \
                typeof(p) _p_ = *_pp_;       \
                *_pp_ = NULL;                \
                _p_;                         \
        })

#define TAKE_FD(fd)                          \
        ({                                   \
                int *_fdp_ = &(fd);          \
                int _fd_ = *_fdp_;           \
                *_fdp_ = -1;                 \
                _fd_;                        \
        })

/* Defines NAME##p(type **p) that calls func(*p) when *p is not NULL, for _cleanup_. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)      \
        static inline void func##p(type *p) {        \
                if (*p)                              \
                        func(*p);                    \
        }

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -1;
}

static inline void closep(int *fd) {
        (void) safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static inline const char *strempty(const char *s) {
        return s ?: "";
}

static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* Returns a pointer after the prefix, or NULL if s does not start with it. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

/* Overwrite memory that held a secret before it is freed. */
static inline void *erase_and_free(char *s) {
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
        return NULL;
}
static inline void erase_and_freep(char **s) {
        erase_and_free(*s);
}
#define _cleanup_erase_ _cleanup_(erase_and_freep)

#define USEC_PER_SEC ((uint64_t) 1000000ULL)
#define USEC_PER_MSEC ((uint64_t) 1000ULL)
#define MSEC_PER_SEC ((uint64_t) 1000ULL)
#define NSEC_PER_USEC ((uint64_t) 1000ULL)
#define USEC_INFINITY ((uint64_t) UINT64_MAX)
