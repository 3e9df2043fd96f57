/* SPDX-License-Identifier: MIT */
/* Multi-line grouping and event times. */

#include "multiline.h"
#include "test.h"

#define NOW 1717200000000LL /* 2024-06-01T00:00:00Z */

typedef struct Collected {
        char msg[8][512];
        int64_t ts[8];
        bool truncated[8];
        unsigned lines[8];
        uint64_t start[8], end[8];
        unsigned n;
} Collected;

static void keep(Collected *c, const MultilineEvent *ev) {
        ASSERT_TRUE(c->n < 8);
        snprintf(c->msg[c->n], sizeof c->msg[0], "%.*s", (int) MIN(ev->size, (size_t) 500), ev->message);
        c->ts[c->n] = ev->timestamp_ms;
        c->truncated[c->n] = ev->truncated;
        c->lines[c->n] = ev->lines;
        c->start[c->n] = ev->start;
        c->end[c->n] = ev->end;
        c->n++;
}

/* Feeds text line by line with byte offsets as positions, then flushes. */
static void feed(Multiline *m, const char *text, Collected *c, bool flush) {
        uint64_t pos = 0;
        MultilineEvent ev;

        for (const char *p = text; *p;) {
                size_t l = strcspn(p, "\n");
                int r = multiline_push_line(m, p, l, pos, pos + l + 1, NOW, &ev);
                ASSERT_OK(r);
                if (r > 0)
                        keep(c, &ev);
                pos += l + 1;
                p += l + (p[l] == '\n');
        }
        if (flush && multiline_flush(m, &ev) > 0)
                keep(c, &ev);
}

static const char java[] =
        "2024-05-31 10:00:00,123 ERROR boom\n"
        "java.lang.IllegalStateException: bad\n"
        "\tat com.example.A.run(A.java:10)\n"
        "\tat com.example.B.main(B.java:5)\n"
        "2024-05-31 10:00:01,000 INFO next\n";

TEST(default_pattern_joins_indented_lines) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        Collected c = {};

        ASSERT_OK(multiline_new(NULL, NULL, true, 1024, &m, NULL));
        feed(m, java, &c, true);
        /* "java.lang..." starts with non-whitespace, so it starts its own event (awslogs default) */
        ASSERT_EQ(c.n, 3);
        ASSERT_STREQ(c.msg[0], "2024-05-31 10:00:00,123 ERROR boom");
        ASSERT_STREQ(c.msg[1], "java.lang.IllegalStateException: bad\n"
                               "\tat com.example.A.run(A.java:10)\n"
                               "\tat com.example.B.main(B.java:5)");
        ASSERT_EQ(c.lines[1], 3);
        ASSERT_STREQ(c.msg[2], "2024-05-31 10:00:01,000 INFO next");
        /* no datetime_format: read time */
        ASSERT_EQ(c.ts[0], NOW);
}

TEST(datetime_format_pattern_groups_stack_trace) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        Collected c = {};

        ASSERT_OK(multiline_new("{datetime_format}", "%Y-%m-%d %H:%M:%S,%f", true, 1024, &m, NULL));
        feed(m, java, &c, false);
        ASSERT_EQ(c.n, 1);
        ASSERT_STREQ(c.msg[0], "2024-05-31 10:00:00,123 ERROR boom\n"
                               "java.lang.IllegalStateException: bad\n"
                               "\tat com.example.A.run(A.java:10)\n"
                               "\tat com.example.B.main(B.java:5)");
        ASSERT_EQ(c.ts[0], 1717149600123LL);
        ASSERT_EQ(c.start[0], 0);
        ASSERT_EQ(c.end[0], strstr(java, "2024-05-31 10:00:01") - java);
        /* the last event waits for its successor or for a flush */
        ASSERT_TRUE(multiline_pending(m));
        ASSERT_EQ(multiline_pending_start(m), c.end[0]);
        MultilineEvent ev;
        ASSERT_EQ(multiline_flush(m, &ev), 1);
        ASSERT_EQ(ev.timestamp_ms, 1717149601000LL);
        ASSERT_EQ(ev.end, strlen(java));
        ASSERT_FALSE(multiline_pending(m));
        ASSERT_EQ(multiline_flush(m, &ev), 0);
}

TEST(regex_pattern_is_searched) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        Collected c = {};

        ASSERT_OK(multiline_new("\\d{4}-\\d{2}-\\d{2}", NULL, true, 1024, &m, NULL));
        feed(m, "[x] 2024-01-01 a\nmore\n[y] 2024-01-02 b\n", &c, true);
        ASSERT_EQ(c.n, 2);
        ASSERT_STREQ(c.msg[0], "[x] 2024-01-01 a\nmore");
        ASSERT_STREQ(c.msg[1], "[y] 2024-01-02 b");
}

TEST(time_falls_back_to_previous_event) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        Collected c = {};

        ASSERT_OK(multiline_new(NULL, "%Y-%m-%d %H:%M:%S", true, 1024, &m, NULL));
        feed(m, "no time yet\n2024-05-31 10:00:00 first\nno time here\n", &c, true);
        ASSERT_EQ(c.n, 3);
        ASSERT_EQ(c.ts[0], NOW);            /* nothing parsed before: read time */
        ASSERT_EQ(c.ts[1], 1717149600000LL);
        ASSERT_EQ(c.ts[2], 1717149600000LL); /* previous event's time */
}

TEST(timestamp_found_inside_first_line) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        Collected c = {};

        ASSERT_OK(multiline_new(NULL, "%d/%b/%Y:%H:%M:%S %z", true, 1024, &m, NULL));
        feed(m, "10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\n", &c, true);
        ASSERT_EQ(c.n, 1);
        ASSERT_EQ(c.ts[0], 971211336000LL);
}

TEST(cap_truncates_and_keeps_counting) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        Collected c = {};

        ASSERT_OK(multiline_new(NULL, NULL, true, 27, &m, NULL));
        feed(m, "start of event\n  continuation one\n  continuation two\nnext\n", &c, true);
        ASSERT_EQ(c.n, 2);
        ASSERT_STREQ(c.msg[0], "start of event\n [truncated]");
        ASSERT_TRUE(c.truncated[0]);
        ASSERT_EQ(c.lines[0], 3);
        ASSERT_EQ(c.end[0], strlen("start of event\n  continuation one\n  continuation two\n"));
        ASSERT_STREQ(c.msg[1], "next");
        ASSERT_FALSE(c.truncated[1]);
}

TEST(long_line_cut_on_utf8_boundary) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        Collected c = {};

        ASSERT_OK(multiline_new(NULL, NULL, true, 16, &m, NULL));
        /* "abcd" + "é" (2 bytes) would end inside the character at 5 bytes */
        feed(m, "abcd\xc3\xa9xyz\n", &c, true);
        ASSERT_EQ(c.n, 1);
        ASSERT_STREQ(c.msg[0], "abcd[truncated]");
        ASSERT_TRUE(c.truncated[0]);
}

TEST(caller_marks_truncation) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        MultilineEvent ev;

        ASSERT_OK(multiline_new(NULL, NULL, true, 100, &m, NULL));
        ASSERT_EQ(multiline_push_line(m, "cut line", 8, 0, 9, NOW, &ev), 0);
        multiline_mark_truncated(m);
        ASSERT_EQ(multiline_flush(m, &ev), 1);
        ASSERT_STREQ(ev.message, "cut line[truncated]");
        ASSERT_TRUE(ev.truncated);
        ASSERT_OK(multiline_push_line(m, "next", 4, 9, 14, NOW, &ev));
        ASSERT_EQ(multiline_flush(m, &ev), 1);
        ASSERT_STREQ(ev.message, "next");
        ASSERT_FALSE(ev.truncated);
        ASSERT_ERR(multiline_new(NULL, NULL, true, 11, &m, NULL), EINVAL);
}

TEST(bad_patterns) {
        Multiline *m = NULL;
        _cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL;

        ASSERT_ERR(multiline_new("(unclosed", NULL, true, 100, &m, &e1), EINVAL);
        ASSERT_NOT_NULL(strstr(e1, "(unclosed"));
        ASSERT_ERR(multiline_new("{datetime_format}", NULL, true, 100, &m, &e2), EINVAL);
        ASSERT_NOT_NULL(strstr(e2, "needs datetime_format"));
        ASSERT_ERR(multiline_new(NULL, "%Q", true, 100, &m, &e3), EINVAL);
        ASSERT_NULL(m);
}

TEST(pathological_regex_is_bounded) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        char line[64];

        ASSERT_OK(multiline_new("^(a+)+$", NULL, true, 1024, &m, NULL));
        memset(line, 'a', sizeof line - 1);
        line[sizeof line - 1] = 'b';
        ASSERT_FALSE(multiline_is_start(m, line, sizeof line));
        ASSERT_TRUE(multiline_is_start(m, "aaa", 3));
}

TEST(reset_forgets) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        MultilineEvent ev;

        ASSERT_OK(multiline_new(NULL, "%Y", true, 100, &m, NULL));
        ASSERT_EQ(multiline_push_line(m, "2020 x", 6, 0, 7, NOW, &ev), 0);
        multiline_reset(m);
        ASSERT_FALSE(multiline_pending(m));
        ASSERT_EQ(multiline_push_line(m, "no year", 7, 0, 8, NOW, &ev), 0);
        ASSERT_EQ(multiline_flush(m, &ev), 1);
        ASSERT_EQ(ev.timestamp_ms, NOW);
        ASSERT_STREQ(ev.message, "no year");
}

TEST_MAIN()
