/* SPDX-License-Identifier: MIT */
/*
 * The journal source against real journal files (written by systemd-journal-remote) and a
 * real sd-event loop: order, timestamps, positions, checkpoints, following, backpressure,
 * filtering and the per-iteration cap. Failure handling is in test-journal-source-failures.c.
 */

#include <fcntl.h>
#include <sys/stat.h>
#include <jansson.h>
#include <systemd/sd-journal.h>

#include "journal-source-fixture.h"
#include "cw-limits.h"
#include "state.h"
#include "test.h"

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
        run_idle(&f);
        assert_saved_at_last_entry(&f);
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

        fixture_init(&f);
        add_numbered(&f, 1, 5);
        fixture_flush(&f);
        f.config.initial_position = POSITION_END;
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 0);
        ASSERT_TRUE(f.source->ops->caught_up(f.source));
        assert_saved_at_last_entry(&f); /* a restart now would not skip entries written meanwhile */

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
        char pid[32];
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
        run_idle(&f);
        assert_saved_at_last_entry(&f);
        fixture_done(&f);
}

TEST(own_unit_spotted_exactly_without_exclusions) {
        Fixture f;

        /* No exclusion lists and a static stream name: the unit is compared in place. */
        fixture_init(&f);
        jwriter_simple(&f.w, T0 + 1, "own", "_SYSTEMD_UNIT=cwlogd.service", NULL);
        jwriter_simple(&f.w, T0 + 2, "longer name", "_SYSTEMD_UNIT=cwlogd.service2", NULL);
        jwriter_simple(&f.w, T0 + 3, "shorter name", "_SYSTEMD_UNIT=cwlogd.servic", NULL);
        jwriter_simple(&f.w, T0 + 4, "own again", "_SYSTEMD_UNIT=cwlogd.service", NULL);
        jwriter_simple(&f.w, T0 + 5, "no unit", NULL);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 3);
        ASSERT_STREQ(f.sink.recs[0].message, "longer name");
        ASSERT_STREQ(f.sink.recs[1].message, "shorter name");
        ASSERT_STREQ(f.sink.recs[2].message, "no unit");
        sink_settle(&f.sink, 3);
        run_idle(&f);
        assert_saved_at_last_entry(&f);
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

TEST(malformed_or_future_cursor_falls_back_to_initial_position) {
        Fixture f;
        char *log;

        fixture_init(&f);
        add_numbered(&f, 1, 3);
        fixture_flush(&f);
        ASSERT_OK(state_cursor_save(f.state, "test-section", "garbage"));
        capture_start();
        fixture_start(&f);
        run_idle(&f);
        log = capture_stop();
        ASSERT_EQ(f.sink.n, 3);
        ASSERT_TRUE(strstr(log, "malformed") != NULL);
        free(log);
        fixture_stop(&f);

        /* A cursor from far in the future would otherwise silence the source until then. */
        ASSERT_OK(state_cursor_save(f.state, "test-section",
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
        ASSERT_OK(state_cursor_save(f.state, "test-section",
                                    "s=11111111111111111111111111111111;i=99;b=22222222222222222222222222222222"
                                    ";m=1;t=60a241853a7e0;x=1"));
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 3);
        assert_numbered(&f, 0, 4, 6);
        fixture_done(&f);
}

TEST(json_format_ships_the_entry_as_an_object) {
        Fixture f;
        json_t *o;

        fixture_init(&f);
        f.config.journal_format = JOURNAL_FORMAT_JSON;
        jwriter_simple(&f.w, T0, "structured", "FOO=bar", NULL);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 1);
        o = json_loads(f.sink.recs[0].message, 0, NULL);
        ASSERT_NOT_NULL(o);
        ASSERT_STREQ(json_string_value(json_object_get(o, "MESSAGE")), "structured");
        ASSERT_STREQ(json_string_value(json_object_get(o, "FOO")), "bar");
        ASSERT_NOT_NULL(json_object_get(o, "__CURSOR"));
        ASSERT_EQ(f.sink.recs[0].ts, T0 / 1000);
        json_decref(o);
        fixture_done(&f);
}

TEST(short_format_ships_journalctl_style_lines_and_checkpoints) {
        Fixture f;

        fixture_init(&f);
        f.config.journal_format = JOURNAL_FORMAT_SHORT;
        jwriter_simple(&f.w, T0, "shown", "SYSLOG_IDENTIFIER=app", "_PID=42", NULL);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 1);
        /* "MMM DD HH:MM:SS host app[42]: shown", time zone dependent: check the tail. */
        ASSERT_NOT_NULL(strstr(f.sink.recs[0].message, " app[42]: shown"));
        sink_settle(&f.sink, 1);
        run_idle(&f);
        assert_saved_at_last_entry(&f);
        fixture_done(&f);
}

TEST(exclude_pattern_drops_matching_messages_and_checkpoint_moves) {
        Fixture f;

        fixture_init(&f);
        f.config.exclude_pattern = (char *) "health ?check";
        jwriter_simple(&f.w, T0, "GET /healthcheck 200", NULL);
        jwriter_simple(&f.w, T0 + SEC, "real work", NULL);
        jwriter_simple(&f.w, T0 + 2 * SEC, "health check ok", NULL);
        fixture_flush(&f);
        fixture_start(&f);
        run_idle(&f);
        ASSERT_EQ(f.sink.n, 1);
        ASSERT_STREQ(f.sink.recs[0].message, "real work");
        ASSERT_EQ(f.sink.dropped, 2);
        sink_settle(&f.sink, 1);
        run_idle(&f);
        assert_saved_at_last_entry(&f); /* the excluded last entry is passed too */
        fixture_done(&f);
}

TEST_MAIN()
