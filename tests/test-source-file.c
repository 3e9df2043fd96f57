/* SPDX-License-Identifier: MIT */
/* The file source on a real sd-event loop, with a sink that acknowledges at once. */

#include <fcntl.h>
#include <sys/stat.h>

#include "config.h"
#include "file-state.h"
#include "source.h"
#include "test.h"

#define MAX_EVENTS 64

static char dir[64];
static char *events[MAX_EVENTS];
static unsigned n_events;
static bool writable = true;

static int sink_push(void *userdata, const SourceEvent *ev, AckTracker *acks) {
        AckChunk *chunk;
        int r;

        if (n_events < MAX_EVENTS)
                events[n_events++] = strndup(ev->message, ev->size);
        r = ack_tracker_add_record(acks, &chunk);
        if (r < 0)
                return r;
        ack_chunk_done(chunk, 1);
        return 0;
}

static bool sink_writable(void *userdata) {
        return writable;
}

static unsigned n_dropped;

static void sink_dropped(void *userdata, const char *reason) {
        if (streq(reason, "excluded"))
                n_dropped++;
}

static const EventSink sink = { sink_push, sink_writable, sink_dropped, NULL };

static void reset_events(void) {
        for (unsigned i = 0; i < n_events; i++)
                free(events[i]);
        n_events = 0;
}

static void path_of(char *buf, size_t size, const char *name) {
        if (!dir[0]) {
                snprintf(dir, sizeof dir, "/tmp/test-source-file-XXXXXX");
                ASSERT_NOT_NULL(mkdtemp(dir));
        }
        snprintf(buf, size, "%s/%s", dir, name);
}

static void append(const char *name, const char *text) {
        char p[128];
        int fd;

        path_of(p, sizeof p, name);
        fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static void setup_config(SectionConfig *c, char *glob, size_t size, const char *pattern) {
        path_of(glob, size, pattern);
        *c = (SectionConfig) {
                .name = (char *) "app",
                .kind = SOURCE_FILE,
                .file = glob,
                .buffer_duration_ms = 50,
                .fingerprint_first = 1,
                .fingerprint_last = 1,
        };
}

/* Runs the loop until n events arrived (and the source is idle), with a generous cap. */
static void run_until(sd_event *e, LogSource *s, unsigned n) {
        for (unsigned i = 0; i < 1000 && !(n_events >= n && s->ops->caught_up(s)); i++)
                ASSERT_OK(sd_event_run(e, 10 * USEC_PER_MSEC));
        ASSERT_EQ(n_events, n);
}

/* The saved offset, once the writes handed to w are done. */
static uint64_t saved_offset(StateWriter *w, const char *name) {
        _cleanup_(file_checkpoint_freep) FileCheckpoint *cp = NULL;

        state_writer_flush(w);
        ASSERT_OK(file_checkpoint_load(dir, name, &cp));
        return cp->offset;
}

TEST(reads_lines_and_saves_offset_after_ack) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        SectionConfig c;
        char glob[128];

        reset_events();
        append("a.log", "first\n  continued\nsecond\npartial");
        setup_config(&c, glob, sizeof glob, "a.log");
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        run_until(e, s, 3);
        ASSERT_STREQ(events[0], "first\n  continued");
        ASSERT_STREQ(events[1], "second");
        ASSERT_STREQ(events[2], "partial");
        ASSERT_EQ(saved_offset(w, "app"), strlen("first\n  continued\nsecond\npartial"));

        /* appended lines are picked up */
        append("a.log", "\nthird\n");
        run_until(e, s, 5);
        ASSERT_STREQ(events[3], "");
        ASSERT_STREQ(events[4], "third");
}

TEST(resumes_from_saved_offset) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        SectionConfig c;
        char glob[128];

        reset_events();
        append("a.log", "fourth\n");
        setup_config(&c, glob, sizeof glob, "a.log");
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        run_until(e, s, 1);
        ASSERT_STREQ(events[0], "fourth");
}

TEST(follows_rename_rotation_in_order) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        SectionConfig c;
        char glob[128], from[128], to[128];

        reset_events();
        append("r.log", "old 1\n");
        setup_config(&c, glob, sizeof glob, "r.log*");
        c.name = (char *) "rot";
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        run_until(e, s, 1);
        /* logrotate: rename, the writer still appends to the old file, then a new file */
        path_of(from, sizeof from, "r.log");
        path_of(to, sizeof to, "r.log.1");
        ASSERT_OK(rename(from, to));
        append("r.log.1", "old 2\n");
        usleep(20000); /* distinct mtimes */
        append("r.log", "new 1\n");
        run_until(e, s, 3);
        ASSERT_STREQ(events[1], "old 2");
        ASSERT_STREQ(events[2], "new 1");
        ASSERT_OK(unlink(to));
        ASSERT_OK(unlink(from));
        s = log_source_free(s); /* writes the last position */
        path_of(to, sizeof to, "rot.file");
        ASSERT_OK(unlink(to));
}

TEST(copytruncate_starts_over) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        SectionConfig c;
        char glob[128], p[128];

        reset_events();
        append("t.log", "before truncation, a long line\n");
        setup_config(&c, glob, sizeof glob, "t.log");
        c.name = (char *) "trunc";
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        run_until(e, s, 1);
        path_of(p, sizeof p, "t.log");
        ASSERT_OK(truncate(p, 0));
        append("t.log", "after\n");
        run_until(e, s, 2);
        ASSERT_STREQ(events[1], "after");
        ASSERT_OK(unlink(p));
        s = log_source_free(s); /* writes the last position */
        path_of(p, sizeof p, "trunc.file");
        ASSERT_OK(unlink(p));
}

TEST(pending_multiline_event_holds_checkpoint) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        SectionConfig c;
        char glob[128], p[128];

        reset_events();
        append("m.log", "2024-01-01 one\n  more\n2024-01-02 two\n");
        setup_config(&c, glob, sizeof glob, "m.log");
        c.name = (char *) "multi";
        c.buffer_duration_ms = 60000; /* the second event stays pending */
        c.multi_line_start_pattern = (char *) "{datetime_format}";
        c.datetime_format = (char *) "%Y-%m-%d";
        c.time_zone_utc = true;
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        for (unsigned i = 0; i < 100 && n_events < 1; i++)
                ASSERT_OK(sd_event_run(e, 10 * USEC_PER_MSEC));
        ASSERT_EQ(n_events, 1);
        ASSERT_STREQ(events[0], "2024-01-01 one\n  more");
        ASSERT_FALSE(s->ops->caught_up(s));
        ASSERT_EQ(saved_offset(w, "multi"), strlen("2024-01-01 one\n  more\n"));
        path_of(p, sizeof p, "m.log");
        ASSERT_OK(unlink(p));
        s = log_source_free(s); /* writes the last position */
        path_of(p, sizeof p, "multi.file");
        ASSERT_OK(unlink(p));
}

TEST(late_file_and_recreation_are_read_from_start) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        SectionConfig c;
        char glob[128], p[128];

        reset_events();
        setup_config(&c, glob, sizeof glob, "late-*.log");
        c.name = (char *) "late";
        c.initial_position = POSITION_END; /* applies only to files present at start */
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        ASSERT_TRUE(s->ops->caught_up(s));
        append("late-1.log", "hello\n");
        run_until(e, s, 1);
        ASSERT_STREQ(events[0], "hello");
        /* deleted, then a new file with the same name */
        path_of(p, sizeof p, "late-1.log");
        ASSERT_OK(unlink(p));
        usleep(20000);
        append("late-1.log", "again\n");
        run_until(e, s, 2);
        ASSERT_STREQ(events[1], "again");
        ASSERT_OK(unlink(p));
        s = log_source_free(s); /* writes the last position */
        path_of(p, sizeof p, "late.file");
        ASSERT_OK(unlink(p));
}

TEST(two_live_files_are_not_read_twice) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        SectionConfig c;
        char glob[128], p[128];

        reset_events();
        append("live-a.log", "a1\n");
        usleep(20000);
        append("live-b.log", "b1\n");
        setup_config(&c, glob, sizeof glob, "live-*.log");
        c.name = (char *) "live";
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        run_until(e, s, 1);
        ASSERT_STREQ(events[0], "b1");
        /* a is written again: newer than b, so the source moves over, then back */
        append("live-a.log", "a2\n");
        run_until(e, s, 3);
        ASSERT_STREQ(events[1], "a1"); /* a was never read: from its start */
        ASSERT_STREQ(events[2], "a2");
        usleep(20000);
        append("live-b.log", "b2\n");
        run_until(e, s, 4);
        ASSERT_STREQ(events[3], "b2"); /* b resumes where it was left, no "b1" again */
        path_of(p, sizeof p, "live-a.log");
        ASSERT_OK(unlink(p));
        path_of(p, sizeof p, "live-b.log");
        ASSERT_OK(unlink(p));
        s = log_source_free(s); /* writes the last position */
        path_of(p, sizeof p, "live.file");
        ASSERT_OK(unlink(p));
}

/* exclude_pattern drops whole events (after multi-line grouping) and counts them; the
 * multi-line cap follows [general] max_event_size. */
TEST(exclude_pattern_and_event_cap) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(state_writer_freep) StateWriter *w = NULL;
        _cleanup_(log_source_freep) LogSource *s = NULL;
        char big[300];
        SectionConfig c;
        char glob[128];

        reset_events();
        n_dropped = 0;
        memset(big, 'x', sizeof big - 2);
        big[sizeof big - 2] = '\n';
        big[sizeof big - 1] = 0;
        append("ex.log", "keep 1\nGET /health\n  continued health\nkeep 2\n");
        append("ex.log", big);
        setup_config(&c, glob, sizeof glob, "ex.log");
        c.name = (char *) "ex/1"; /* state file named as systemd-escape would: ex-1.file */
        c.exclude_pattern = (char *) "^GET /health";
        c.max_event_size = 26 + 100;
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(state_writer_new(e, &w));
        ASSERT_OK(file_source_new(&c, e, &sink, dir, w, &s));
        ASSERT_OK(s->ops->start(s));
        run_until(e, s, 3);
        ASSERT_STREQ(events[0], "keep 1");
        ASSERT_STREQ(events[1], "keep 2");
        ASSERT_EQ(strlen(events[2]), 100);
        ASSERT_STREQ(events[2] + 100 - strlen("[truncated]"), "[truncated]");
        ASSERT_EQ(n_dropped, 1);
        ASSERT_EQ(saved_offset(w, "ex-1"), strlen("keep 1\nGET /health\n  continued health\nkeep 2\n") + sizeof big - 1);
}

TEST(teardown) {
        char p[128];

        reset_events();
        path_of(p, sizeof p, "a.log");
        (void) unlink(p);
        path_of(p, sizeof p, "app.file");
        (void) unlink(p);
        path_of(p, sizeof p, "ex.log");
        (void) unlink(p);
        path_of(p, sizeof p, "ex-1.file");
        (void) unlink(p);
        ASSERT_OK(rmdir(dir));
}

TEST_MAIN()
