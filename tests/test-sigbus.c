/* SPDX-License-Identifier: MIT */
/* The SIGBUS handler, for real: a mapped file is truncated under us and then touched. */

#include <fcntl.h>
#include <sys/mman.h>

#include "sigbus.h"
#include "test.h"

TEST(truncated_mapping_reads_zeros_and_counts) {
        char path[] = "/tmp/test-sigbus-XXXXXX";
        long ps = sysconf(_SC_PAGESIZE);
        volatile char *map;
        char *buf, *addrs[4];
        uint64_t before;
        int fd, fd2;

        ASSERT_OK(sigbus_install());
        ASSERT_OK(sigbus_install()); /* idempotent */

        fd = mkostemp(path, O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        buf = malloc(2 * ps);
        memset(buf, 'x', 2 * ps);
        ASSERT_EQ(write(fd, buf, 2 * ps), 2 * ps);
        free(buf);
        map = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd, 0);
        ASSERT_TRUE(map != MAP_FAILED);
        ASSERT_EQ(map[ps + 10], 'x');

        /* Someone else (journald) truncates the file. */
        fd2 = open(path, O_WRONLY | O_CLOEXEC);
        ASSERT_TRUE(fd2 >= 0);
        ASSERT_OK(ftruncate(fd2, 0));
        close(fd2);

        before = sigbus_count();
        ASSERT_EQ(map[ps + 10], 0); /* would have killed us without the handler */
        ASSERT_EQ(sigbus_count(), before + 1);
        ASSERT_EQ(map[ps + 11], 0); /* the page is repaired: no second fault */
        ASSERT_EQ(sigbus_count(), before + 1);
        ASSERT_EQ(sigbus_recent((void **) addrs, 4), 1);
        ASSERT_TRUE(addrs[0] == (char *) map + ps + 10);

        ASSERT_EQ(map[10], 0);
        ASSERT_EQ(sigbus_count(), before + 2);

        munmap((void *) map, 2 * ps);
        close(fd);
        unlink(path);
}

TEST_MAIN()
