/* SPDX-License-Identifier: MIT */
/* The state writer: what lands in the file and in what order, what a failed write leaves
 * behind, what shutdown writes, the thread, and the same without a thread. */

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/fileio.h"
#include "state-writer.h"
#include "test.h"
#include "thread-test.h"

#define N_PUTS 200

typedef struct Seen {
        int calls, failures, last_error;
        unsigned last_value; /* the file's number when the last successful write was answered */
        bool out_of_order;
        const char *path;
} Seen;

static char root[] = "/tmp/test-state-writer-XXXXXX";

static char *at(const char *name) {
        char *p;

        ASSERT_TRUE(asprintf(&p, "%s/%s", root, name) > 0);
        return p;
}

static char *text_of(unsigned n) {
        char *t;

        ASSERT_TRUE(asprintf(&t, "# test\nvalue=%u\n", n) > 0);
        return t;
}

/* The number in the file, or 0 if there is no file. */
static unsigned file_value(const char *path) {
        _cleanup_free_ char *text = NULL;
        unsigned v = 0;

        if (read_full_file(path, 4096, &text, NULL) < 0)
                return 0;
        ASSERT_EQ(sscanf(text, "# test\nvalue=%u\n", &v), 1);
        return v;
}

/* Each answer looks at the file: values may only go up, writes land in the order put. */
static void on_written(int error, void *userdata) {
        Seen *s = userdata;
        unsigned v;

        s->calls++;
        s->last_error = error;
        if (error < 0) {
                s->failures++;
                return;
        }
        v = file_value(s->path);
        if (v < s->last_value)
                s->out_of_order = true;
        s->last_value = v;
}

static void run_idle(sd_event *e, StateWriter *w) {
        for (int round = 0; round < 2; round++) {
                while (sd_event_run(e, 0) > 0)
                        ;
                state_writer_flush(w);
        }
}

typedef struct Harness {
        sd_event *e;
        StateWriter *w;
        StateSlot *slot;
        Seen seen;
        char *path, *dir; /* dir: made by the test, removed at the end; may be NULL */
} Harness;

/* A loop, a writer and one slot for ROOT/name (ROOT/dir/name when dir is given). */
static void harness_start(Harness *h, const char *dir, const char *name) {
        *h = (Harness) {};
        if (dir) {
                h->dir = at(dir);
                ASSERT_TRUE(asprintf(&h->path, "%s/%s", h->dir, name) > 0);
        } else
                h->path = at(name);
        h->seen.path = h->path;
        ASSERT_OK(sd_event_new(&h->e));
        ASSERT_OK(state_writer_new(h->e, &h->w));
        ASSERT_OK(state_slot_new(h->w, h->path, on_written, &h->seen, &h->slot));
}

/* Frees it all, and removes the state file and the directory, which must exist. */
static void harness_stop(Harness *h) {
        h->slot = state_slot_free(h->slot);
        h->w = state_writer_free(h->w);
        h->e = sd_event_unref(h->e);
        ASSERT_OK(unlink(h->path));
        if (h->dir)
                ASSERT_OK(rmdir(h->dir));
        free(h->path);
        free(h->dir);
}

TEST(setup) {
        ASSERT_NOT_NULL(mkdtemp(root));
}

TEST(the_newest_text_lands_and_writes_keep_their_order) {
        Harness h;

        harness_start(&h, NULL, "order.cursor");
        ASSERT_STREQ(state_slot_path(h.slot), h.path);
        for (unsigned i = 1; i <= N_PUTS; i++) {
                state_slot_put(h.slot, text_of(i));
                if (i % 20 == 0)
                        ASSERT_OK(sd_event_run(h.e, 0));
        }
        run_idle(h.e, h.w);
        ASSERT_EQ(file_value(h.path), N_PUTS);
        ASSERT_EQ(h.seen.failures, 0);
        ASSERT_FALSE(h.seen.out_of_order);
        ASSERT_EQ(h.seen.last_value, N_PUTS);
        /* Texts put while a write was under way were replaced by newer ones, not queued. */
        ASSERT_TRUE(h.seen.calls >= 1 && h.seen.calls <= N_PUTS);
        harness_stop(&h);
}

TEST(answers_come_from_the_loop_only) {
        Harness h;

        harness_start(&h, NULL, "loop.cursor");
        ASSERT_EQ(state_slot_writing_since(h.slot), 0);
        state_slot_put(h.slot, text_of(1));
        ASSERT_TRUE(state_slot_writing(h.slot));
        ASSERT_TRUE(state_slot_writing_since(h.slot) > 0);
        usleep(50 * 1000); /* the thread has long written it */
        ASSERT_EQ(h.seen.calls, 0);
        ASSERT_EQ(file_value(h.path), 1);
        for (int i = 0; i < 100 && h.seen.calls == 0; i++)
                ASSERT_OK(sd_event_run(h.e, 10 * USEC_PER_MSEC));
        ASSERT_EQ(h.seen.calls, 1);
        ASSERT_EQ(h.seen.last_error, 0);
        ASSERT_FALSE(state_slot_writing(h.slot));
        ASSERT_EQ(state_slot_writing_since(h.slot), 0);
        harness_stop(&h);
}

/* A slot in directory dir, not created yet: the write of value fails (ENOENT), answered once. */
static void start_with_failed_write(Harness *h, const char *dir, unsigned value) {
        harness_start(h, dir, "x.cursor");
        state_slot_put(h->slot, text_of(value));
        run_idle(h->e, h->w);
        ASSERT_EQ(h->seen.calls, 1);
        ASSERT_EQ(h->seen.failures, 1);
        ASSERT_EQ(h->seen.last_error, -ENOENT);
}

TEST(a_failed_write_keeps_its_text_for_the_retry) {
        Harness h;

        start_with_failed_write(&h, "later", 7);
        /* A failed text does not count as being written (the shipper would wait forever). */
        ASSERT_FALSE(state_slot_writing(h.slot));

        /* Nothing retries by itself (the source's timer does)... */
        ASSERT_OK(mkdir(h.dir, 0755));
        run_idle(h.e, h.w);
        ASSERT_EQ(h.seen.calls, 1);
        ASSERT_EQ(file_value(h.path), 0);
        /* ...and the retry writes the kept text. */
        state_slot_retry(h.slot);
        run_idle(h.e, h.w);
        ASSERT_EQ(h.seen.calls, 2);
        ASSERT_EQ(h.seen.last_error, 0);
        ASSERT_EQ(file_value(h.path), 7);
        /* Retrying with nothing left is a no-op. */
        state_slot_retry(h.slot);
        run_idle(h.e, h.w);
        ASSERT_EQ(h.seen.calls, 2);
        harness_stop(&h);
}

TEST(a_newer_text_replaces_a_failed_one) {
        Harness h;

        start_with_failed_write(&h, "newer", 1);
        ASSERT_OK(mkdir(h.dir, 0755));
        state_slot_put(h.slot, text_of(2));
        run_idle(h.e, h.w);
        ASSERT_EQ(h.seen.calls, 2);
        ASSERT_EQ(h.seen.last_error, 0);
        ASSERT_EQ(file_value(h.path), 2);
        harness_stop(&h);
}

TEST(finish_writes_what_is_left_without_the_loop) {
        _cleanup_free_ char *bad = at("missing/finish.cursor");
        Seen seen_lost = { .path = bad };
        StateSlot *lost;
        Harness h;

        harness_start(&h, NULL, "finish.cursor");
        /* The second waits behind the first; the loop never runs. */
        state_slot_put(h.slot, text_of(1));
        state_slot_put(h.slot, text_of(2));
        ASSERT_OK(state_slot_finish(h.slot));
        ASSERT_EQ(file_value(h.path), 2);
        ASSERT_TRUE(h.seen.calls >= 1);
        ASSERT_EQ(h.seen.failures, 0);

        /* The last write's failure is returned, for the caller to report. */
        ASSERT_OK(state_slot_new(h.w, bad, on_written, &seen_lost, &lost));
        state_slot_put(lost, text_of(3));
        ASSERT_ERR(state_slot_finish(lost), ENOENT);
        ASSERT_EQ(seen_lost.failures, 1);
        lost = state_slot_free(lost);
        harness_stop(&h);
}

TEST(freeing_a_slot_writes_its_text_first) {
        Harness h;

        harness_start(&h, NULL, "free.cursor");
        for (unsigned i = 1; i <= 5; i++)
                state_slot_put(h.slot, text_of(i));
        h.slot = state_slot_free(h.slot);
        ASSERT_EQ(file_value(h.path), 5);
        harness_stop(&h);
}

TEST(the_thread_is_named_and_blocks_every_signal) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        StateWriter *w;
        bool blocked;

        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_EQ(thread_count_named("cwlogd-state", 1, &blocked), 1);
        ASSERT_TRUE(blocked);
        w = state_writer_free(w);
        ASSERT_EQ(thread_count_named("cwlogd-state", 0, &blocked), 0);
}

/* In a child that cannot start threads: writes happen when handed over, answers still come
 * from the loop. Returns 0, or the number of the check that failed. */
static int writes_without_threads(void) {
        _cleanup_free_ char *path = at("nothread.cursor");
        sd_event *e = NULL;
        StateWriter *w = NULL;
        StateSlot *slot;
        Seen seen = { .path = path };

        if (sd_event_new(&e) < 0 || state_writer_new(e, &w) < 0 ||
            state_slot_new(w, path, on_written, &seen, &slot) < 0)
                return 2;
        state_slot_put(slot, text_of(1));
        if (seen.calls != 0 || file_value(path) != 1)
                return 3;
        state_slot_put(slot, text_of(2)); /* waits for the first answer */
        state_slot_put(slot, text_of(3));
        if (file_value(path) != 1)
                return 4;
        for (int i = 0; i < 10; i++)
                if (sd_event_run(e, 10 * USEC_PER_MSEC) < 0)
                        return 5;
        if (seen.calls != 2 || seen.failures != 0 || file_value(path) != 3 || seen.out_of_order)
                return 6;
        slot = state_slot_free(slot);
        w = state_writer_free(w);
        sd_event_unref(e);
        return unlink(path) < 0 ? 7 : 0;
}

TEST(without_a_thread_writes_happen_on_the_loop) {
        if (!forbid_threads_supported())
                TEST_SKIP("the seccomp filter that forbids threads is written for x86-64");
        ASSERT_EQ(run_without_threads(writes_without_threads), 0);
}

TEST(teardown) {
        ASSERT_OK(rmdir(root));
}

TEST_MAIN()
