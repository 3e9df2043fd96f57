/* SPDX-License-Identifier: MIT */
/* Shared fixture of the journal source tests; see journal-source-fixture.h. */

#include <fcntl.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "journal-source-fixture.h"
#include "shared/fileio.h"
#include "state.h"
#include "test.h"

/* ---- test sink ---- */

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

void sink_settle(TestSink *t, size_t upto) {
        for (; t->settled < upto && t->settled < t->n; t->settled++)
                ack_chunk_done(t->recs[t->settled].chunk, 1);
}

/* Settles whatever is left (as if dropped), so the ack chunks are freed too. */
static void sink_done(TestSink *t) {
        sink_settle(t, t->n);
        for (size_t i = 0; i < t->n; i++) {
                free(t->recs[i].message);
                free(t->recs[i].unit);
                free(t->recs[i].identifier);
        }
        free(t->recs);
        *t = (TestSink) {};
}

/* ---- fixture ---- */

char *path_join(const char *a, const char *b) {
        char *p;

        if (asprintf(&p, "%s/%s", a, b) < 0)
                abort();
        return p;
}

void fixture_init(Fixture *f) {
        *f = (Fixture) {};
        f->root = strdup("/tmp/test-journal-source-XXXXXX");
        if (!mkdtemp(f->root))
                abort();
        f->jdir = path_join(f->root, "journal");
        f->state = path_join(f->root, "state");
        f->staging = path_join(f->root, "staging");
        if (mkdir(f->jdir, 0755) < 0 || mkdir(f->state, 0755) < 0 || mkdir(f->staging, 0755) < 0)
                abort();
        if (sd_event_new(&f->event) < 0 || state_writer_new(f->event, &f->writer) < 0)
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

void fixture_stop(Fixture *f) {
        f->source = log_source_free(f->source);
        sink_done(&f->sink);
}

void fixture_done(Fixture *f) {
        char *cmd;

        fixture_stop(f);
        jwriter_done(&f->w);
        f->writer = state_writer_free(f->writer);
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
void fixture_flush(Fixture *f) {
        char name[64], *tmp, *dst;

        (void) snprintf(name, sizeof name, "f%03u.journal", f->files++);
        tmp = path_join(f->staging, name);
        dst = path_join(f->jdir, name);
        if (jwriter_write(&f->w, tmp) < 0 || rename(tmp, dst) < 0)
                abort();
        free(tmp);
        free(dst);
}

void fixture_start(Fixture *f) {
        if (journal_source_new(&f->config, f->event, &f->es, f->state, f->writer, &f->source) < 0 ||
            f->source->ops->start(f->source) < 0)
                abort();
}

static void run_loop_idle(Fixture *f) {
        for (unsigned i = 0; i < 1000000; i++)
                if (sd_event_run(f->event, 0) <= 0)
                        return;
        abort();
}

/* Runs the loop until nothing is left to do right now, state writes included. */
void run_idle(Fixture *f) {
        run_loop_idle(f);
        state_writer_flush(f->writer);
        run_loop_idle(f);
}

/* Runs the loop until the sink holds n events (waiting for inotify), or gives up. */
void run_until_count(Fixture *f, size_t n) {
        usec_t deadline = now_usec(CLOCK_MONOTONIC) + 20 * SEC;

        while (f->sink.n < n && now_usec(CLOCK_MONOTONIC) < deadline)
                (void) sd_event_run(f->event, 100 * USEC_PER_MSEC);
        run_idle(f);
}

char *state_cursor(Fixture *f) {
        char *c = NULL;

        if (state_cursor_load(f->state, "test-section", &c) < 0)
                return NULL;
        return c;
}

/* The cursor of the journal's last entry, straight from libsystemd. */
char *last_cursor(Fixture *f) {
        sd_journal *j;
        char *c = NULL;

        if (sd_journal_open_directory(&j, f->jdir, 0) < 0)
                abort();
        if (sd_journal_seek_tail(j) < 0 || sd_journal_previous(j) <= 0 || sd_journal_get_cursor(j, &c) < 0)
                abort();
        sd_journal_close(j);
        return c;
}

void add_numbered(Fixture *f, unsigned from, unsigned to) {
        for (unsigned i = from; i <= to; i++) {
                char m[32];

                (void) snprintf(m, sizeof m, "entry %u", i);
                jwriter_simple(&f->w, T0 + i * SEC, m, NULL);
        }
}

void assert_numbered(Fixture *f, size_t at, unsigned from, unsigned to) {
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

void capture_start(void) {
        int fd = mkostemp(capture_path, O_CLOEXEC);

        fflush(stderr);
        saved_stderr = dup(STDERR_FILENO);
        (void) dup2(fd, STDERR_FILENO);
        close(fd);
}

char *capture_stop(void) {
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


void assert_saved_at_last_entry(Fixture *f) {
        char *c = state_cursor(f), *last = last_cursor(f);
        bool same = c && last && streq(c, last);

        free(c);
        free(last);
        ASSERT_TRUE(same);
}
