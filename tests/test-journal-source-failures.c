/* SPDX-License-Identifier: MIT */
/*
 * The journal source when things go wrong: read failures (injected by interposing
 * sd_journal_next()), corrupt and newer-format files, a file truncated under its mapping
 * (real SIGBUS), and a state directory that cannot be written.
 */

#include <dlfcn.h>
#include <endian.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "journal-source-fixture.h"
#include "cw-limits.h"
#include "state.h"
#include "test.h"
#include "shared/fileio.h"
#include "sigbus.h"

/* ---- sd_journal_next() failure injection (interposes the libsystemd symbol) ---- */

static unsigned inject_after;  /* real calls to let through first */
static unsigned inject_count;  /* then fail this many times */
static int inject_error;

int sd_journal_next(sd_journal *j) {
        static int (*real)(sd_journal *);

        if (!real)
                real = (int (*)(sd_journal *)) dlsym(RTLD_NEXT, "sd_journal_next");
        if (inject_count > 0) {
                if (inject_after == 0) {
                        inject_count--;
                        return inject_error;
                }
                inject_after--;
        }
        return real(j);
}

TEST(corrupt_file_beside_good_ones) {
        Fixture f;
        char *good, *bad;
        char junk[4096];
        uint64_t hdr[18], objects, tail;
        int fd;

        fixture_init(&f);
        add_numbered(&f, 1, 200);
        fixture_flush(&f); /* f000 */
        add_numbered(&f, 201, 400);
        fixture_flush(&f); /* f001 */

        /* A third file: a copy of the first, its middle overwritten with garbage. */
        good = path_join(f.jdir, "f000.journal");
        bad = path_join(f.jdir, "zz-corrupt.journal");
        {
                char *cmd;
                ASSERT_OK(asprintf(&cmd, "cp '%s' '%s'", good, bad));
                ASSERT_EQ(system(cmd), 0);
                free(cmd);
        }
        /* Aim at the objects (entries, data), between the hash table and the tail object. */
        fd = open(bad, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(pread(fd, hdr, sizeof hdr, 0), (ssize_t) sizeof hdr);
        objects = le64toh(hdr[104 / 8]) + le64toh(hdr[112 / 8]);
        tail = le64toh(hdr[136 / 8]);
        ASSERT_TRUE(tail > objects + sizeof junk);
        memset(junk, 0xa5, sizeof junk);
        ASSERT_EQ(pwrite(fd, junk, sizeof junk, (off_t) (objects + (tail - objects) / 2)), (ssize_t) sizeof junk);
        close(fd);

        fixture_start(&f);
        run_idle(&f);
        /* Every entry of the good files is there, in order (the copy may add duplicates). */
        {
                unsigned next = 1;
                for (size_t i = 0; i < f.sink.n && next <= 400; i++) {
                        char m[32];
                        (void) snprintf(m, sizeof m, "entry %u", next);
                        if (streq(f.sink.recs[i].message, m))
                                next++;
                }
                ASSERT_EQ(next, 401);
        }
        ASSERT_TRUE(f.source->ops->caught_up(f.source));
        free(good);
        free(bad);
        fixture_done(&f);
}

/* Ten entries in the journal, the first five shipped and acknowledged: a position is saved. */
static void start_with_five_of_ten_acked(Fixture *f) {
        fixture_init(f);
        add_numbered(f, 1, 10);
        fixture_flush(f);
        f->sink.limit = 5;
        fixture_start(f);
        run_idle(f);
        sink_settle(&f->sink, 5);
        run_idle(f);
}

TEST(state_write_failure_keeps_old_state_and_retries) {
        Fixture f;
        char *c, *moved, *log;
        int fd;

        start_with_five_of_ten_acked(&f);
        c = state_cursor(&f);
        ASSERT_NOT_NULL(c);

        /* The state directory turns into a regular file. */
        moved = path_join(f.root, "state.moved");
        ASSERT_OK(rename(f.state, moved));
        fd = open(f.state, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        close(fd);

        f.sink.limit = 0;
        log_source_wake(f.source);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 10);
        capture_start();
        sink_settle(&f.sink, 10);
        run_idle(&f);
        log = capture_stop();
        ASSERT_TRUE(strstr(log, "Failed to save journal position") != NULL);
        ASSERT_EQ(f.source->last_error, -ENOTDIR);
        free(log);

        /* The old state is untouched... */
        {
                char *old = NULL;
                ASSERT_OK(state_cursor_load(moved, "test-section", &old));
                ASSERT_STREQ(old, c);
                free(old);
        }
        /* ...and once the directory is back, the kept position is written. */
        ASSERT_OK(unlink(f.state));
        ASSERT_OK(rename(moved, f.state));
        fixture_stop(&f);
        free(c);
        assert_saved_at_last_entry(&f);
        free(moved);
        fixture_done(&f);
}

/* Runs the loop (not the state writer's flush, which would wait for the hung write) for ms. */
static void run_for(Fixture *f, unsigned ms) {
        usec_t until = now_usec(CLOCK_MONOTONIC) + ms * USEC_PER_MSEC;

        while (now_usec(CLOCK_MONOTONIC) < until)
                (void) sd_event_run(f->event, 10 * USEC_PER_MSEC);
}

TEST(a_hung_state_write_holds_shipping_back_only_for_a_while) {
        Fixture f;
        char *fifo, *log;
        int fd;

        start_with_five_of_ten_acked(&f);
        ASSERT_FALSE(log_source_saving(f.source));

        /* The next write's temporary file is a FIFO: its open() waits for a reader, as a
         * write to a hung disk or NFS server would wait. */
        ASSERT_TRUE(asprintf(&fifo, "%s/test-section.cursor.tmp.%ld", f.state, (long) getpid()) > 0);
        ASSERT_OK(mkfifo(fifo, 0600));
        f.source->state_stall_usec = 300 * USEC_PER_MSEC;
        f.sink.limit = 0;
        log_source_wake(f.source);
        run_for(&f, 50);
        ASSERT_EQ(f.sink.n, 10);
        capture_start();
        sink_settle(&f.sink, 10);
        /* The shipper would start no new batch now... */
        run_for(&f, 100);
        ASSERT_TRUE(log_source_saving(f.source));
        ASSERT_EQ(f.source->last_error, 0);
        /* ...but not for longer than the stall limit. */
        run_for(&f, 400);
        ASSERT_FALSE(log_source_saving(f.source));
        ASSERT_EQ(f.source->last_error, -ETIMEDOUT);

        /* The disk answers: the writer's open() goes through, and fsync() of a FIFO fails. */
        fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        run_for(&f, 200);
        close(fd);
        log = capture_stop();
        ASSERT_TRUE(strstr(log, "has not finished after") != NULL);
        ASSERT_TRUE(strstr(log, "The stalled write of the journal position finished") != NULL);
        ASSERT_TRUE(strstr(log, "Failed to save journal position") != NULL);
        ASSERT_EQ(f.source->last_error, -EINVAL);
        free(log);

        /* The kept position is written when the source goes. */
        fixture_stop(&f);
        assert_saved_at_last_entry(&f);
        ASSERT_TRUE(access(fifo, F_OK) < 0);
        free(fifo);
        fixture_done(&f);
}

TEST(read_failure_once_is_retried_without_loss_or_duplicates) {
        Fixture f;

        fixture_init(&f);
        add_numbered(&f, 1, 10);
        fixture_flush(&f);
        inject_after = 4;
        inject_count = 1;
        inject_error = -EBADMSG;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(inject_count, 0);
        ASSERT_EQ(f.sink.n, 10);
        assert_numbered(&f, 0, 1, 10);
        fixture_done(&f);
}

TEST(read_failing_at_one_place_is_skipped_by_time_never_from_head) {
        Fixture f;
        char *log;

        fixture_init(&f);
        add_numbered(&f, 1, 10);
        fixture_flush(&f);
        inject_after = 5;
        inject_count = JOURNAL_READ_FAILURES_BEFORE_SKIP;
        inject_error = -EIO;
        capture_start();
        fixture_start(&f);
        run_idle(&f);
        log = capture_stop();
        ASSERT_EQ(inject_count, 0);
        ASSERT_EQ(f.sink.n, 10);
        assert_numbered(&f, 0, 1, 10);
        ASSERT_TRUE(strstr(log, "skipping past it") != NULL);
        free(log);
        fixture_done(&f);
}

TEST(read_failing_for_good_does_not_spin) {
        Fixture f;

        fixture_init(&f);
        add_numbered(&f, 1, 3);
        fixture_flush(&f);
        inject_after = 0;
        inject_count = 1000000;
        inject_error = -EIO;
        fixture_start(&f);
        run_idle(&f); /* returns: the reader waits for its retry timer */
        ASSERT_TRUE(1000000 - inject_count <= 2 * JOURNAL_READ_FAILURES_BEFORE_SKIP);
        inject_count = 0;
        run_until_count(&f, 3); /* the retry timer brings it back */
        ASSERT_EQ(f.sink.n, 3);
        fixture_done(&f);
}

TEST(newer_journal_format_is_reported_loudly) {
        Fixture f;
        char *src, *dst, *cmd, *log;
        uint32_t flags;
        int fd;

        fixture_init(&f);
        add_numbered(&f, 1, 3);
        fixture_flush(&f);
        add_numbered(&f, 4, 6);
        fixture_flush(&f);
        /* Pretend f001 was written by a future systemd with an unknown incompatible feature. */
        src = path_join(f.jdir, "f001.journal");
        dst = path_join(f.staging, "future.journal");
        ASSERT_OK(asprintf(&cmd, "mv '%s' '%s'", src, dst));
        ASSERT_EQ(system(cmd), 0);
        free(cmd);
        fd = open(dst, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(pread(fd, &flags, 4, 12), 4);
        flags = htole32(le32toh(flags) | (1U << 20));
        ASSERT_EQ(pwrite(fd, &flags, 4, 12), 4);
        close(fd);
        ASSERT_OK(rename(dst, src));

        capture_start();
        fixture_start(&f);
        run_idle(&f);
        log = capture_stop();
        ASSERT_EQ(f.sink.n, 3);
        assert_numbered(&f, 0, 1, 3);
        ASSERT_EQ(f.source->last_error, -EPROTONOSUPPORT);
        ASSERT_TRUE(strstr(log, "format newer than this libsystemd") != NULL);
        ASSERT_TRUE(strstr(log, "f001.journal") != NULL);
        free(log);
        free(src);
        free(dst);
        fixture_done(&f);
}

TEST(truncated_file_sigbus_reopens_and_goes_on) {
        Fixture f;
        char *a, *log, *line = malloc(2001);
        uint64_t before;
        int fd;

        fixture_init(&f);
        for (unsigned i = 1; i <= 3000; i++) {
                for (unsigned k = 0; k < 2000; k++)
                        line[k] = (char) ('A' + (i * 7 + k * 13) % 53 % 26);
                (void) snprintf(line, 2000, "entry %u ", i);
                line[strlen(line)] = 'x';
                line[2000] = 0;
                jwriter_simple(&f.w, T0 + i * SEC, line, NULL);
        }
        fixture_flush(&f); /* f000: big */
        add_numbered(&f, 5001, 5010);
        fixture_flush(&f); /* f001: later entries */
        f.sink.limit = 100;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 100);

        /* journald truncates the file we have mapped. */
        a = path_join(f.jdir, "f000.journal");
        fd = open(a, O_WRONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(ftruncate(fd, 65536));
        close(fd);

        before = sigbus_count();
        capture_start();
        f.sink.limit = 0;
        log_source_wake(f.source);
        run_until_count(&f, 110);
        log = capture_stop();
        /* The later file arrives whole; nothing was shipped twice. */
        assert_numbered(&f, f.sink.n - 10, 5001, 5010);
        for (size_t i = 1; i < f.sink.n; i++)
                ASSERT_TRUE(strcmp(f.sink.recs[i - 1].message, f.sink.recs[i].message) != 0);
        if (sigbus_count() > before)
                ASSERT_TRUE(strstr(log, "re-opening the journal") != NULL);
        printf("sigbus faults handled: %llu\n", (unsigned long long) (sigbus_count() - before));
        free(log);
        free(a);
        free(line);
        fixture_done(&f);
}

TEST_MAIN()
