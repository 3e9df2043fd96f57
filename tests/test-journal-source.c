/* SPDX-License-Identifier: MIT */
/*
 * The journal source against real journal files (written by systemd-journal-remote) and a
 * real sd-event loop, with a test sink that collects events and settles acknowledgements
 * when the test says so.
 */

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "journal-writer.h"
#include "limits.h"
#include "shared/fileio.h"
#include "shared/time-util.h"
#include "sigbus.h"
#include "source.h"
#include "state.h"
#include "test.h"

#define T0 1700000000000000ULL /* realtime of the first test entry, usec */
#define SEC 1000000ULL

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

/* ---- test sink ---- */

typedef struct Rec {
        char *message;
        size_t size;
        int64_t ts;
        char *unit, *identifier;
        AckChunk *chunk;
} Rec;

typedef struct TestSink {
        Rec *recs;
        size_t n, settled;
        size_t limit; /* not writable once this many were pushed; 0: no limit */
        unsigned dropped;
        size_t this_iteration, max_per_iteration;
} TestSink;

static int sink_push(void *userdata, const SourceEvent *ev, AckTracker *acks) {
        TestSink *t = userdata;
        Rec *r;

        t->recs = realloc(t->recs, (t->n + 1) * sizeof(Rec));
        r = &t->recs[t->n++];
        *r = (Rec) { .size = ev->size, .ts = ev->timestamp_ms };
        r->message = malloc(ev->size + 1);
        memcpy(r->message, ev->message, ev->size);
        r->message[ev->size] = 0;
        r->unit = ev->unit ? strdup(ev->unit) : NULL;
        r->identifier = ev->identifier ? strdup(ev->identifier) : NULL;
        t->this_iteration++;
        return ack_tracker_add_record(acks, &r->chunk);
}

static bool sink_writable(void *userdata) {
        TestSink *t = userdata;

        return t->limit == 0 || t->n < t->limit;
}

static void sink_dropped(void *userdata, const char *reason) {
        TestSink *t = userdata;

        if (streq(reason, "excluded"))
                t->dropped++;
}

static void sink_settle(TestSink *t, size_t upto) {
        for (; t->settled < upto && t->settled < t->n; t->settled++)
                ack_chunk_done(t->recs[t->settled].chunk, 1);
}

static void sink_done(TestSink *t) {
        for (size_t i = 0; i < t->n; i++) {
                free(t->recs[i].message);
                free(t->recs[i].unit);
                free(t->recs[i].identifier);
        }
        free(t->recs);
        *t = (TestSink) {};
}

/* ---- fixture ---- */

typedef struct Fixture {
        char *root, *jdir, *state, *staging;
        sd_event *event;
        SectionConfig config;
        TestSink sink;
        EventSink es;
        LogSource *source;
        JWriter w;
        unsigned files;
} Fixture;

static char *path_join(const char *a, const char *b) {
        char *p;

        if (asprintf(&p, "%s/%s", a, b) < 0)
                abort();
        return p;
}

static void fixture_init(Fixture *f) {
        *f = (Fixture) {};
        f->root = strdup("/tmp/test-journal-source-XXXXXX");
        if (!mkdtemp(f->root))
                abort();
        f->jdir = path_join(f->root, "journal");
        f->state = path_join(f->root, "state");
        f->staging = path_join(f->root, "staging");
        if (mkdir(f->jdir, 0755) < 0 || mkdir(f->state, 0755) < 0 || mkdir(f->staging, 0755) < 0)
                abort();
        if (sd_event_new(&f->event) < 0)
                abort();
        f->config = (SectionConfig) {
                .name = (char *) "test/section",
                .kind = SOURCE_JOURNAL,
                .log_stream_name = (char *) "{instance_id}",
                .initial_position = POSITION_START,
                .journal_directory = f->jdir,
                .journal_format = JOURNAL_FORMAT_MESSAGE,
                .priority_min = -1,
                .priority_max = -1,
        };
        f->es = (EventSink) { sink_push, sink_writable, sink_dropped, &f->sink };
        jwriter_init(&f->w);
}

static void fixture_stop(Fixture *f) {
        f->source = log_source_free(f->source);
        sink_done(&f->sink);
}

static void fixture_done(Fixture *f) {
        char *cmd;

        fixture_stop(f);
        jwriter_done(&f->w);
        f->event = sd_event_unref(f->event);
        if (asprintf(&cmd, "rm -rf '%s'", f->root) >= 0)
                (void) system(cmd);
        free(cmd);
        free(f->root);
        free(f->jdir);
        free(f->state);
        free(f->staging);
}

/* Writes the buffered entries as a new file, appearing in the journal dir in one rename. */
static void fixture_flush(Fixture *f) {
        char name[64], *tmp, *dst;

        (void) snprintf(name, sizeof name, "f%03u.journal", f->files++);
        tmp = path_join(f->staging, name);
        dst = path_join(f->jdir, name);
        if (jwriter_write(&f->w, tmp) < 0 || rename(tmp, dst) < 0)
                abort();
        free(tmp);
        free(dst);
}

static void fixture_start(Fixture *f) {
        if (journal_source_new(&f->config, f->event, &f->es, f->state, true, &f->source) < 0 ||
            f->source->ops->start(f->source) < 0)
                abort();
}

/* Runs the loop until nothing is left to do right now. */
static void run_idle(Fixture *f) {
        for (unsigned i = 0; i < 1000000; i++)
                if (sd_event_run(f->event, 0) <= 0)
                        return;
        abort();
}

/* Runs the loop until the sink holds n events (waiting for inotify), or gives up. */
static void run_until_count(Fixture *f, size_t n) {
        usec_t deadline = now_usec(CLOCK_MONOTONIC) + 20 * SEC;

        while (f->sink.n < n && now_usec(CLOCK_MONOTONIC) < deadline)
                (void) sd_event_run(f->event, 100 * USEC_PER_MSEC);
        run_idle(f);
}

static char *state_cursor(Fixture *f) {
        char *c = NULL;

        if (state_cursor_load(f->state, "test_section", &c) < 0)
                return NULL;
        return c;
}

/* The cursor of the journal's last entry, straight from libsystemd. */
static char *last_cursor(Fixture *f) {
        sd_journal *j;
        char *c = NULL;

        if (sd_journal_open_directory(&j, f->jdir, 0) < 0)
                abort();
        if (sd_journal_seek_tail(j) < 0 || sd_journal_previous(j) <= 0 || sd_journal_get_cursor(j, &c) < 0)
                abort();
        sd_journal_close(j);
        return c;
}

static void add_numbered(Fixture *f, unsigned from, unsigned to) {
        for (unsigned i = from; i <= to; i++) {
                char m[32];

                (void) snprintf(m, sizeof m, "entry %u", i);
                jwriter_simple(&f->w, T0 + i * SEC, m, NULL);
        }
}

static void assert_numbered(Fixture *f, size_t at, unsigned from, unsigned to) {
        ASSERT_TRUE(f->sink.n >= at + (to - from + 1));
        for (unsigned i = from; i <= to; i++) {
                char m[32];

                (void) snprintf(m, sizeof m, "entry %u", i);
                ASSERT_STREQ(f->sink.recs[at + i - from].message, m);
        }
}

/* ---- stderr capture, to see what the operator would see ---- */

static int saved_stderr = -1;
static char capture_path[] = "/tmp/test-journal-source-log-XXXXXX";

static void capture_start(void) {
        int fd = mkostemp(capture_path, O_CLOEXEC);

        fflush(stderr);
        saved_stderr = dup(STDERR_FILENO);
        (void) dup2(fd, STDERR_FILENO);
        close(fd);
}

static char *capture_stop(void) {
        char *s = NULL;

        fflush(stderr);
        (void) dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        if (read_full_file(capture_path, 1 << 20, &s, NULL) < 0)
                s = strdup("");
        (void) unlink(capture_path);
        memcpy(capture_path + sizeof capture_path - 7, "XXXXXX", 6); /* template for the next use */
        /* Echo it, so a failing test still shows the log. */
        fputs(s, stderr);
        return s;
}

/* ---- tests ---- */

TEST(reads_everything_in_order_with_right_timestamps) {
        Fixture f;

        fixture_init(&f);
        jwriter_simple(&f.w, T0, "first", NULL);
        /* The time the program gave wins over the time journald received it. */
        jwriter_simple(&f.w, T0 + 1 * SEC, "with source time", "_SOURCE_REALTIME_TIMESTAMP=1699999999123456", NULL);
        jwriter_simple(&f.w, T0 + 2 * SEC, "bad source time", "_SOURCE_REALTIME_TIMESTAMP=junk", NULL);
        jwriter_simple(&f.w, T0 + 3 * SEC + 999, "last", NULL);
        fixture_flush(&f);
        fixture_start(&f);
        ASSERT_FALSE(f.source->ops->caught_up(f.source));
        run_idle(&f);

        ASSERT_EQ(f.sink.n, 4);
        ASSERT_STREQ(f.sink.recs[0].message, "first"); /* systemd-journal-upload skipped this one */
        ASSERT_EQ(f.sink.recs[0].ts, T0 / 1000);
        ASSERT_STREQ(f.sink.recs[1].message, "with source time");
        ASSERT_EQ(f.sink.recs[1].ts, 1699999999123LL);
        ASSERT_EQ(f.sink.recs[2].ts, (T0 + 2 * SEC) / 1000);
        ASSERT_STREQ(f.sink.recs[3].message, "last");
        ASSERT_EQ(f.sink.recs[3].ts, (T0 + 3 * SEC) / 1000);
        ASSERT_NULL(f.sink.recs[0].unit); /* the template does not need per-event names */
        ASSERT_TRUE(f.source->ops->caught_up(f.source));
        fixture_done(&f);
}

TEST(first_entry_of_empty_state_is_shipped) {
        Fixture f;

        fixture_init(&f);
        jwriter_simple(&f.w, T0, "only one", NULL);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 1);
        ASSERT_STREQ(f.sink.recs[0].message, "only one");
        fixture_done(&f);
}

TEST(checkpoint_written_only_once_acks_settle) {
        Fixture f;
        char *c, *last;

        fixture_init(&f);
        add_numbered(&f, 1, 5);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 5);
        ASSERT_NULL(state_cursor(&f)); /* read is not delivered */
        sink_settle(&f.sink, 4);
        run_idle(&f);
        ASSERT_NULL(state_cursor(&f)); /* one still in flight */
        sink_settle(&f.sink, 5);
        c = state_cursor(&f);
        last = last_cursor(&f);
        ASSERT_STREQ(c, last);
        free(c);
        free(last);
        fixture_done(&f);
}

TEST(resume_does_not_repeat_the_cursor_entry) {
        Fixture f;

        fixture_init(&f);
        add_numbered(&f, 1, 5);
        fixture_flush(&f);
        f.sink.limit = 3;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 3);
        sink_settle(&f.sink, 3);
        fixture_stop(&f);

        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 2);
        assert_numbered(&f, 0, 4, 5);
        sink_settle(&f.sink, 2);
        fixture_stop(&f);

        /* Everything shipped: a restart ships only what is new. */
        add_numbered(&f, 6, 7);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 2);
        assert_numbered(&f, 0, 6, 7);
        fixture_done(&f);
}

TEST(follows_new_files) {
        Fixture f;

        fixture_init(&f);
        add_numbered(&f, 1, 3);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 3);
        add_numbered(&f, 4, 6);
        fixture_flush(&f);
        run_until_count(&f, 6);
        ASSERT_EQ(f.sink.n, 6);
        assert_numbered(&f, 0, 1, 6);
        fixture_done(&f);
}

TEST(end_of_journal_ships_only_new_entries_and_checkpoints_at_once) {
        Fixture f;
        char *c, *last;

        fixture_init(&f);
        add_numbered(&f, 1, 5);
        fixture_flush(&f);
        f.config.initial_position = POSITION_END;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 0);
        ASSERT_TRUE(f.source->ops->caught_up(f.source));
        c = state_cursor(&f);
        last = last_cursor(&f);
        ASSERT_STREQ(c, last); /* a restart now would not skip entries written meanwhile */
        free(c);
        free(last);

        add_numbered(&f, 6, 7);
        fixture_flush(&f);
        run_until_count(&f, 2);
        ASSERT_EQ(f.sink.n, 2);
        assert_numbered(&f, 0, 6, 7);
        fixture_done(&f);
}

TEST(values_over_64k_arrive_whole) {
        Fixture f;
        size_t n = 200 * 1024;
        char *big = malloc(n + 1);

        fixture_init(&f);
        for (size_t i = 0; i < n; i++)
                big[i] = (char) ('a' + i % 26);
        big[n] = 0;
        big[70000] = '\n'; /* binary field in the export stream */
        jwriter_simple(&f.w, T0, big, NULL);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 1);
        ASSERT_EQ(f.sink.recs[0].size, n);
        ASSERT_TRUE(memcmp(f.sink.recs[0].message, big, n) == 0);
        free(big);
        fixture_done(&f);
}

TEST(vacuumed_cursor_entry_continues_after_it_and_says_so) {
        Fixture f;
        char *log;

        fixture_init(&f);
        add_numbered(&f, 1, 10);
        fixture_flush(&f);
        f.sink.limit = 5;
        fixture_start(&f);
        run_idle(&f);
        sink_settle(&f.sink, 5);
        fixture_stop(&f);

        /* Entries 1-6 vacuumed away: only a newer file with 7-10 remains. */
        {
                char *old = path_join(f.jdir, "f000.journal");
                ASSERT_OK(unlink(old));
                free(old);
        }
        add_numbered(&f, 7, 10);
        fixture_flush(&f);

        capture_start();
        fixture_start(&f);
        run_idle(&f);
        log = capture_stop();
        ASSERT_EQ(f.sink.n, 4);
        assert_numbered(&f, 0, 7, 10);
        ASSERT_TRUE(strstr(log, "may be missing") != NULL);
        ASSERT_TRUE(strstr(log, "2023-11-14T22:13:25.000Z") != NULL); /* time of entry 5 */
        free(log);
        fixture_done(&f);
}

TEST(corrupt_file_beside_good_ones) {
        Fixture f;
        char *good, *bad;
        char junk[16384];
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
        memset(junk, 0xa5, sizeof junk);
        fd = open(bad, O_WRONLY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(pwrite(fd, junk, sizeof junk, 8192), (ssize_t) sizeof junk);
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

TEST(backpressure_pauses_and_wake_resumes) {
        Fixture f;

        fixture_init(&f);
        add_numbered(&f, 1, 10);
        fixture_flush(&f);
        f.sink.limit = 4;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 4);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 4); /* stays paused, no busy loop */
        ASSERT_FALSE(f.source->ops->caught_up(f.source));
        f.sink.limit = 0;
        log_source_wake(f.source);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 10);
        assert_numbered(&f, 0, 1, 10);
        fixture_done(&f);
}

TEST(own_entries_and_exclusions_skipped_but_checkpoint_moves) {
        Fixture f;
        char pid[32], *c, *last;
        char *units[] = { (char *) "noisy.service", NULL }, *idents[] = { (char *) "spam", NULL };

        fixture_init(&f);
        (void) snprintf(pid, sizeof pid, "_PID=%ld", (long) getpid());
        jwriter_simple(&f.w, T0 + 1, "keep 1", "_PID=1", "SYSLOG_IDENTIFIER=systemd", NULL);
        jwriter_simple(&f.w, T0 + 2, "own pid", pid, NULL);
        jwriter_simple(&f.w, T0 + 3, "own unit", "_SYSTEMD_UNIT=cwlogd.service", NULL);
        jwriter_simple(&f.w, T0 + 4, "excluded unit", "_SYSTEMD_UNIT=noisy.service", NULL);
        jwriter_simple(&f.w, T0 + 5, "excluded ident", "SYSLOG_IDENTIFIER=spam", NULL);
        jwriter_simple(&f.w, T0 + 6, NULL, "CODE_FILE=no-message.c", NULL);
        jwriter_simple(&f.w, T0 + 7, "keep 2", "_SYSTEMD_UNIT=other.service", NULL);
        jwriter_simple(&f.w, T0 + 8, "own unit at the end", "_SYSTEMD_UNIT=cwlogd.service", NULL);
        fixture_flush(&f);
        f.config.journal_exclude_unit = units;
        f.config.journal_exclude_identifier = idents;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 2);
        ASSERT_STREQ(f.sink.recs[0].message, "keep 1");
        ASSERT_STREQ(f.sink.recs[1].message, "keep 2");
        ASSERT_EQ(f.sink.dropped, 2);
        sink_settle(&f.sink, 2);
        c = state_cursor(&f);
        last = last_cursor(&f);
        ASSERT_STREQ(c, last);
        free(c);
        free(last);
        fixture_done(&f);
}

TEST(per_event_names_filled_when_the_template_needs_them) {
        Fixture f;

        fixture_init(&f);
        jwriter_simple(&f.w, T0, "a", "_SYSTEMD_UNIT=nginx.service", "SYSLOG_IDENTIFIER=nginx", NULL);
        jwriter_simple(&f.w, T0 + 1, "b", NULL);
        fixture_flush(&f);
        f.config.log_stream_name = (char *) "{instance_id}/{unit}";
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 2);
        ASSERT_STREQ(f.sink.recs[0].unit, "nginx.service");
        ASSERT_STREQ(f.sink.recs[0].identifier, "nginx");
        ASSERT_NULL(f.sink.recs[1].unit);
        ASSERT_NULL(f.sink.recs[1].identifier);
        fixture_done(&f);
}

/* Post sources run once per loop iteration in which anything else ran. */
static unsigned post_count;
static int count_post(sd_event_source *s, void *userdata) {
        Fixture *f = userdata;

        post_count++;
        f->sink.max_per_iteration = MAX(f->sink.max_per_iteration, f->sink.this_iteration);
        f->sink.this_iteration = 0;
        return 0;
}

TEST(large_backlog_is_read_in_bounded_slices) {
        Fixture f;
        sd_event_source *post = NULL;
        unsigned total = 50000;

        fixture_init(&f);
        for (unsigned i = 0; i < total; i++) {
                char m[32];
                (void) snprintf(m, sizeof m, "entry %u", i + 1);
                jwriter_simple(&f.w, T0 + i * 1000ULL, m, NULL);
        }
        fixture_flush(&f);
        ASSERT_OK(sd_event_add_post(f.event, &post, count_post, &f));
        post_count = 0;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, total);
        ASSERT_EQ(f.sink.recs[0].ts, T0 / 1000);
        ASSERT_STREQ(f.sink.recs[total - 1].message, "entry 50000");
        ASSERT_TRUE(f.sink.max_per_iteration <= JOURNAL_ENTRIES_PER_ITERATION);
        ASSERT_TRUE(post_count >= total / JOURNAL_ENTRIES_PER_ITERATION);
        sd_event_source_disable_unref(post);
        fixture_done(&f);
}

TEST(state_write_failure_keeps_old_state_and_retries) {
        Fixture f;
        char *c, *moved, *log, *last;
        int fd;

        fixture_init(&f);
        add_numbered(&f, 1, 10);
        fixture_flush(&f);
        f.sink.limit = 5;
        fixture_start(&f);
        run_idle(&f);
        sink_settle(&f.sink, 5);
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
        log = capture_stop();
        ASSERT_TRUE(strstr(log, "Failed to save journal position") != NULL);
        ASSERT_EQ(f.source->last_error, -ENOTDIR);
        free(log);

        /* The old state is untouched... */
        {
                char *old = NULL;
                ASSERT_OK(state_cursor_load(moved, "test_section", &old));
                ASSERT_STREQ(old, c);
                free(old);
        }
        /* ...and once the directory is back, the kept position is written. */
        ASSERT_OK(unlink(f.state));
        ASSERT_OK(rename(moved, f.state));
        fixture_stop(&f);
        free(c);
        c = state_cursor(&f);
        last = last_cursor(&f);
        ASSERT_STREQ(c, last);
        free(c);
        free(last);
        free(moved);
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

TEST(malformed_or_future_cursor_falls_back_to_initial_position) {
        Fixture f;
        char *log;

        fixture_init(&f);
        add_numbered(&f, 1, 3);
        fixture_flush(&f);
        ASSERT_OK(state_cursor_save(f.state, "test_section", "garbage"));
        capture_start();
        fixture_start(&f);
        run_idle(&f);
        log = capture_stop();
        ASSERT_EQ(f.sink.n, 3);
        ASSERT_TRUE(strstr(log, "malformed") != NULL);
        free(log);
        fixture_stop(&f);

        /* A cursor from far in the future would otherwise silence the source until then. */
        ASSERT_OK(state_cursor_save(f.state, "test_section",
                                    "s=601d3cbf8222496f84ded6d6fdc1a478;i=1;b=" JWRITER_BOOT_ID
                                    ";m=1;t=7fffffffffffff;x=1"));
        capture_start();
        fixture_start(&f);
        run_idle(&f);
        log = capture_stop();
        ASSERT_EQ(f.sink.n, 3);
        ASSERT_TRUE(strstr(log, "in the future") != NULL);
        free(log);
        fixture_done(&f);
}

TEST(cursor_from_another_journal_continues_by_time) {
        Fixture f;

        fixture_init(&f);
        add_numbered(&f, 1, 6);
        fixture_flush(&f);
        /* Half a second after entry 3, unknown sequence and boot: sd-journal goes by time. */
        ASSERT_OK(state_cursor_save(f.state, "test_section",
                                    "s=11111111111111111111111111111111;i=99;b=22222222222222222222222222222222"
                                    ";m=1;t=60a241853a7e0;x=1"));
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 3);
        assert_numbered(&f, 0, 4, 6);
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
