/* SPDX-License-Identifier: MIT */
/* File fingerprints; expected digests computed with Python's hashlib.sha256. */

#include <fcntl.h>
#include <sys/stat.h>

#include "fingerprint.h"
#include "test.h"

#define HEADER_SHA "5916f846cb50bb88856f0f8ffbc8224d56accdbf4b336f4475db337b1f394a4a"
#define TWO_THREE_SHA "f3952ccd5acbc3122b2fdc39d122b73e55f403fcb49dc411de7da4b4e987c07f"

static char dir[] = "/tmp/test-fingerprint-XXXXXX";

static int temp_file(const char *content, size_t n) {
        char path[128];
        int fd;

        if (strstr(dir, "XXXXXX"))
                ASSERT_NOT_NULL(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/f", dir);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, content, n), (ssize_t) n);
        (void) unlink(path);
        return fd;
}

TEST(first_line) {
        char hex[FINGERPRINT_HEX_SIZE];
        _cleanup_close_ int fd = temp_file("header line\nsecond\n", 19);

        ASSERT_OK(fingerprint_file(fd, 1, 1, hex));
        ASSERT_STREQ(hex, HEADER_SHA);
        /* the fd position is untouched */
        ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 19);
}

TEST(line_range) {
        char hex[FINGERPRINT_HEX_SIZE];
        const char *s = "one\ntwo\nthree\nfour";

        ASSERT_OK(fingerprint_data(s, strlen(s), 2, 3, hex));
        ASSERT_STREQ(hex, TWO_THREE_SHA);
}

TEST(incomplete_lines_have_no_fingerprint) {
        char hex[FINGERPRINT_HEX_SIZE] = "unchanged";
        _cleanup_close_ int fd = temp_file("header li", 9);

        ASSERT_ERR(fingerprint_file(fd, 1, 1, hex), ENODATA);
        ASSERT_STREQ(hex, "unchanged");
        ASSERT_ERR(fingerprint_data("one\ntwo", 7, 1, 2, hex), ENODATA);
        ASSERT_ERR(fingerprint_data("", 0, 1, 1, hex), ENODATA);
        /* and once the newline arrives, it has one */
        ASSERT_EQ(write(fd, "ne\n", 3), 3);
        ASSERT_OK(fingerprint_file(fd, 1, 1, hex));
        ASSERT_STREQ(hex, HEADER_SHA);
}

TEST(different_files_differ) {
        char a[FINGERPRINT_HEX_SIZE], b[FINGERPRINT_HEX_SIZE];

        ASSERT_OK(fingerprint_data("2024-01-01 a\n", 13, 1, 1, a));
        ASSERT_OK(fingerprint_data("2024-01-02 a\n", 13, 1, 1, b));
        ASSERT_TRUE(strcmp(a, b) != 0);
}

TEST(huge_first_line_hashes_capped_head) {
        char hex[FINGERPRINT_HEX_SIZE];
        size_t n = 70000;
        char *big = malloc(n);
        int fd;

        ASSERT_NOT_NULL(big);
        memset(big, 'x', n);
        fd = temp_file(big, n);
        free(big);
        ASSERT_OK(fingerprint_file(fd, 1, 1, hex));
        ASSERT_STREQ(hex, "1f8745f0d2d1387ec1af2211a3cf417b2e9e885e853472649c1d979d0e9370e3");
        safe_close(fd);
}

TEST(bad_range) {
        char hex[FINGERPRINT_HEX_SIZE];

        ASSERT_ERR(fingerprint_data("a\n", 2, 0, 1, hex), EINVAL);
        ASSERT_ERR(fingerprint_data("a\n", 2, 3, 2, hex), EINVAL);
}

TEST(cleanup) {
        if (!strstr(dir, "XXXXXX"))
                ASSERT_OK(rmdir(dir));
}

TEST_MAIN()
