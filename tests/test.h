/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A tiny self-registering test harness. In a test file:
 *
 *     TEST(parses_empty) { ASSERT_EQ(f(""), 0); }
 *
 * and at the end `TEST_MAIN()`. Each test runs in order; a failed ASSERT prints file:line
 * and the expression, abandons that test, and the run continues with the next one. The
 * binary prints "N passed, M failed" and exits non-zero if anything failed.
 * Environment: TEST_FILTER=substring runs only matching tests.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TestCase {
        const char *name;
        void (*func)(void);
} TestCase;

#define TEST_MAX 512
extern TestCase test_cases[TEST_MAX];
extern unsigned test_count;
extern jmp_buf test_jmp;
extern const char *test_srcdir;

#define TEST(n)                                                                            \
        static void test_##n(void);                                                        \
        __attribute__((constructor)) static void test_register_##n(void) {                 \
                if (test_count < TEST_MAX)                                                 \
                        test_cases[test_count++] = (TestCase) { #n, test_##n };            \
        }                                                                                  \
        static void test_##n(void)

#define TEST_FAIL_AT(...)                                                                  \
        do {                                                                               \
                fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                            \
                fprintf(stderr, __VA_ARGS__);                                              \
                fputc('\n', stderr);                                                       \
                longjmp(test_jmp, 1);                                                      \
        } while (0)

/* Ends the current test as skipped, printing why; for prerequisites a build may lack. */
#define TEST_SKIP(...)                                                                     \
        do {                                                                               \
                fprintf(stderr, "skipped: ");                                              \
                fprintf(stderr, __VA_ARGS__);                                              \
                fputc('\n', stderr);                                                       \
                longjmp(test_jmp, 2);                                                      \
        } while (0)

#define ASSERT_TRUE(e)                                                                     \
        do {                                                                               \
                if (!(e))                                                                  \
                        TEST_FAIL_AT("assertion failed: %s", #e);                          \
        } while (0)
#define ASSERT_FALSE(e) ASSERT_TRUE(!(e))

#define ASSERT_EQ(a, b)                                                                    \
        do {                                                                               \
                long long _a_ = (long long) (a), _b_ = (long long) (b);                    \
                if (_a_ != _b_)                                                            \
                        TEST_FAIL_AT("%s == %s failed: %lld != %lld", #a, #b, _a_, _b_);   \
        } while (0)
#define ASSERT_NE(a, b)                                                                    \
        do {                                                                               \
                long long _a_ = (long long) (a), _b_ = (long long) (b);                    \
                if (_a_ == _b_)                                                            \
                        TEST_FAIL_AT("%s != %s failed: both %lld", #a, #b, _a_);           \
        } while (0)
#define ASSERT_OK(e)                                                                       \
        do {                                                                               \
                long long _r_ = (long long) (e);                                           \
                if (_r_ < 0)                                                               \
                        TEST_FAIL_AT("%s failed: %lld (%s)", #e, _r_, strerror((int) -_r_)); \
        } while (0)
#define ASSERT_ERR(e, err)                                                                 \
        do {                                                                               \
                long long _r_ = (long long) (e);                                           \
                if (_r_ != -(long long) (err))                                             \
                        TEST_FAIL_AT("%s: expected -%s, got %lld", #e, #err, _r_);         \
        } while (0)
#define ASSERT_STREQ(a, b)                                                                 \
        do {                                                                               \
                const char *_a_ = (a), *_b_ = (b);                                         \
                if (!_a_ || !_b_ || strcmp(_a_, _b_) != 0)                                 \
                        TEST_FAIL_AT("%s == %s failed: \"%s\" != \"%s\"", #a, #b,          \
                                     _a_ ? _a_ : "(null)", _b_ ? _b_ : "(null)");          \
        } while (0)
#define ASSERT_NULL(e) ASSERT_TRUE((e) == NULL)
#define ASSERT_NOT_NULL(e) ASSERT_TRUE((e) != NULL)

#define TEST_MAIN()                                                                        \
        TestCase test_cases[TEST_MAX];                                                     \
        unsigned test_count;                                                               \
        jmp_buf test_jmp;                                                                  \
        const char *test_srcdir;                                                           \
        int main(void) {                                                                   \
                const char *filter = getenv("TEST_FILTER");                                \
                static unsigned passed, failed, skipped, i;                                \
                static int jr;                                                             \
                test_srcdir = getenv("TEST_SRCDIR") ?: ".";                                \
                for (i = 0; i < test_count; i++) {                                \
                        if (filter && !strstr(test_cases[i].name, filter))                 \
                                continue;                                                  \
                        if ((jr = setjmp(test_jmp)) == 0) {                                \
                                test_cases[i].func();                                      \
                                printf("ok %s\n", test_cases[i].name);                     \
                                passed++;                                                  \
                        } else if (jr == 2) {                                              \
                                printf("skip %s\n", test_cases[i].name);                   \
                                skipped++;                                                 \
                        } else {                                                           \
                                printf("FAIL %s\n", test_cases[i].name);                   \
                                failed++;                                                  \
                        }                                                                  \
                        fflush(stdout);                                                    \
                }                                                                          \
                if (skipped > 0)                                                           \
                        printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);    \
                else                                                                       \
                        printf("%u passed, %u failed\n", passed, failed);                  \
                return failed > 0 ? 1 : 0;                                                 \
        }
