/* SPDX-License-Identifier: MIT */
/*
 * metrics.c and status-file.c against a real shipper: events go through a section's sink to
 * the dry-run CloudWatch client (which accepts everything on the next loop iteration), then
 * the Prometheus exposition, the status document and the --status table are checked
 * line by line, as a scraper or an operator would read them.
 */

#include <jansson.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ack.h"
#include "cw-client.h"
#include "metrics.h"
#include "shared/fileio.h"
#include "shared/time-util.h"
#include "shipper.h"
#include "status-file.h"
#include "test.h"

typedef struct Fixture {
        sd_event *event;
        FILE *out;
        CwClient *cw;
        Shipper *shipper;
        AckTracker *acks;
        unsigned commits;
} Fixture;

static void on_commit(void *token, void *userdata) {
        Fixture *f = userdata;

        f->commits++;
        free(token); /* committing passes the token to us */
}

static SectionConfig section_config(const char *name, const char *group, const char *stream) {
        return (SectionConfig) {
                .name = (char *) name,
                .kind = SOURCE_JOURNAL,
                .log_group_name = (char *) group,
                .log_stream_name = (char *) stream,
                .batch_count = 1000,
                .batch_size = 1048576,
                .buffer_duration_ms = 60000, /* nothing leaves before the test drains */
                .create_log_group = true,
                .max_streams = 100,
                .priority_min = -1,
                .priority_max = -1,
        };
}

static void fixture_init(Fixture *f) {
        *f = (Fixture) {};
        ASSERT_OK(sd_event_new(&f->event));
        f->out = tmpfile();
        ASSERT_NOT_NULL(f->out);
        ASSERT_OK(cw_client_new_dry_run(f->event, f->out, &f->cw));
        ASSERT_OK(shipper_new(f->event, f->cw, &(ShipperOptions) { .queue_size = 10, .max_event_size = 1048576 },
                              &f->shipper));
        ASSERT_OK(ack_tracker_new(on_commit, free, f, &f->acks));
}

static void fixture_done(Fixture *f) {
        f->shipper = shipper_free(f->shipper);
        f->acks = ack_tracker_detach(f->acks);
        f->cw = cw_client_free(f->cw);
        f->event = sd_event_unref(f->event);
        if (f->out)
                fclose(f->out);
}

static int64_t now_ms(void) {
        return (int64_t) (now_usec(CLOCK_REALTIME) / USEC_PER_MSEC);
}

static void push(ShipperSection *sec, AckTracker *acks, int64_t ts, const char *msg, const char *unit) {
        EventSink sink = shipper_section_sink(sec);
        SourceEvent ev = { .timestamp_ms = ts, .message = msg, .size = strlen(msg), .unit = unit };

        ASSERT_OK(sink.push(sink.userdata, &ev, acks));
}

/* Sends everything queued and runs the loop until the shipper is idle. */
static void deliver(Fixture *f) {
        shipper_set_draining(f->shipper, true);
        for (unsigned i = 0; i < 1000 && !shipper_idle(f->shipper); i++)
                ASSERT_OK(sd_event_run(f->event, 100 * USEC_PER_MSEC));
        ASSERT_TRUE(shipper_idle(f->shipper));
}

static char *prometheus(Fixture *f) {
        StrBuf b = STRBUF_INIT(0);

        ASSERT_OK(metrics_format_prometheus(f->shipper, &b));
        return strbuf_steal(&b, NULL);
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == 0))
                        return true;
        return false;
}

#define ASSERT_LINE(text, line)                                                                  \
        do {                                                                                     \
                if (!has_line((text), (line)))                                                   \
                        TEST_FAIL_AT("missing line: %s\n--- got:\n%s", (line), (text));          \
        } while (0)

/* One section "web" -> /app/web/host-1 with 3 events sent and one of each source-side drop. */
static ShipperSection *ship_basic(Fixture *f, SectionConfig *c) {
        ShipperSection *sec;
        EventSink sink;

        ASSERT_OK(shipper_add_section(f->shipper, c, &sec));
        sink = shipper_section_sink(sec);
        push(sec, f->acks, now_ms() - 3000, "one", NULL);
        push(sec, f->acks, now_ms() - 2000, "two", NULL);
        push(sec, f->acks, now_ms() - 1000, "three", NULL);
        push(sec, f->acks, now_ms(), "   ", NULL);                           /* empty */
        push(sec, f->acks, now_ms() - 15LL * 24 * 3600 * 1000, "ancient", NULL); /* too old */
        sink.dropped(sink.userdata, "excluded");
        ASSERT_OK(ack_tracker_seal(f->acks, strdup("cursor")));
        deliver(f);
        return sec;
}

TEST(prometheus_counts_what_was_sent_and_dropped) {
        SectionConfig c = section_config("web", "/app/web", "host-1");
        _cleanup_free_ char *text = NULL;
        Fixture f;

        fixture_init(&f);
        ship_basic(&f, &c);
        text = prometheus(&f);

        ASSERT_LINE(text, "# HELP cwlogd_events_read_total Events read from the source, including those dropped later.");
        ASSERT_LINE(text, "# TYPE cwlogd_events_read_total counter");
        ASSERT_LINE(text, "cwlogd_events_read_total{section=\"web\"} 6");
        ASSERT_LINE(text, "cwlogd_events_sent_total{section=\"web\",group=\"/app/web\",stream=\"host-1\"} 3");
        ASSERT_LINE(text, "cwlogd_events_dropped_total{section=\"web\",reason=\"empty\"} 1");
        ASSERT_LINE(text, "cwlogd_events_dropped_total{section=\"web\",reason=\"too_old\"} 1");
        ASSERT_LINE(text, "cwlogd_events_dropped_total{section=\"web\",reason=\"too_new\"} 0");
        ASSERT_LINE(text, "cwlogd_events_dropped_total{section=\"web\",reason=\"excluded\"} 1");
        ASSERT_LINE(text, "cwlogd_events_dropped_total{section=\"web\",reason=\"rejected\"} 0");
        ASSERT_LINE(text, "cwlogd_events_dropped_total{section=\"web\",reason=\"undelivered\"} 0");
        ASSERT_LINE(text, "cwlogd_events_truncated_total{section=\"web\"} 0");
        ASSERT_LINE(text, "cwlogd_bytes_sent_total{section=\"web\",group=\"/app/web\",stream=\"host-1\"} 11");
        ASSERT_LINE(text, "cwlogd_retries_total{section=\"web\",group=\"/app/web\",stream=\"host-1\"} 0");
        ASSERT_LINE(text, "# TYPE cwlogd_last_success_timestamp_seconds gauge");
        ASSERT_LINE(text, "cwlogd_lag_seconds{section=\"web\"} 0.000");
        ASSERT_LINE(text, "# TYPE cwlogd_backlog_events gauge");
        ASSERT_LINE(text, "cwlogd_backlog_events{section=\"web\"} 0");
        /* The last success is a real time stamp, in seconds with ms precision. */
        {
                const char *p = strstr(text, "\ncwlogd_last_success_timestamp_seconds{section=\"web\",group=\"/app/web\","
                                             "stream=\"host-1\"} ");
                double t;

                ASSERT_NOT_NULL(p);
                p = strchr(p + 1, '}') + 2;
                ASSERT_EQ(strspn(p, "0123456789"), 10);
                ASSERT_EQ(p[10], '.');
                ASSERT_EQ(strspn(p + 11, "0123456789"), 3);
                ASSERT_EQ(p[14], '\n');
                t = strtod(p, NULL);
                ASSERT_TRUE(t > (double) (now_usec(CLOCK_REALTIME) / USEC_PER_SEC) - 600.0);
        }
        ASSERT_EQ(f.commits, 1);
        fixture_done(&f);
}

/* Every line is a comment or "name{labels} value"; HELP then TYPE precede each family's
 * samples, and a sample belongs to the family announced last. */
static void check_exposition_syntax(const char *text) {
        regex_t sample, comment;
        char family[128] = "";
        char *copy = strdup(text), *line, *next;
        size_t lines = 0;

        ASSERT_EQ(regcomp(&sample,
                          "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
                          "\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
                          "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\}"
                          " [0-9]+(\\.[0-9]+)?$",
                          REG_EXTENDED),
                  0);
        ASSERT_EQ(regcomp(&comment, "^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ", REG_EXTENDED), 0);
        ASSERT_TRUE(text[strlen(text) - 1] == '\n');
        for (line = copy; *line; line = next, lines++) {
                regmatch_t m[3];

                next = strchr(line, '\n');
                *next++ = 0;

                if (regexec(&comment, line, 3, m, 0) == 0) {
                        if (strncmp(line, "# HELP ", 7) == 0)
                                (void) snprintf(family, sizeof family, "%.*s", (int) (m[2].rm_eo - m[2].rm_so),
                                                line + m[2].rm_so);
                        else
                                ASSERT_TRUE(strncmp(line + m[2].rm_so, family, strlen(family)) == 0);
                        continue;
                }
                if (regexec(&sample, line, 2, m, 0) != 0)
                        TEST_FAIL_AT("not a sample line: '%s'", line);
                ASSERT_EQ(m[1].rm_eo - m[1].rm_so, (long long) strlen(family));
                ASSERT_TRUE(strncmp(line, family, strlen(family)) == 0);
        }
        ASSERT_TRUE(lines > 20);
        regfree(&sample);
        regfree(&comment);
        free(copy);
}

TEST(prometheus_lines_are_well_formed_and_labels_escaped) {
        SectionConfig c = section_config("we\"b\\1\nx", "/app/\"g\"", "{unit}");
        _cleanup_free_ char *text = NULL;
        ShipperSection *sec;
        Fixture f;

        fixture_init(&f);
        ASSERT_OK(shipper_add_section(f.shipper, &c, &sec));
        push(sec, f.acks, now_ms(), "b", "b.service");
        push(sec, f.acks, now_ms(), "a", "a.service");
        push(sec, f.acks, now_ms(), "a again", "a.service");
        deliver(&f);
        text = prometheus(&f);

        ASSERT_LINE(text, "cwlogd_events_read_total{section=\"we\\\"b\\\\1\\nx\"} 3");
        ASSERT_LINE(text, "cwlogd_events_sent_total{section=\"we\\\"b\\\\1\\nx\",group=\"/app/\\\"g\\\"\","
                          "stream=\"a.service\"} 2");
        /* Streams in name order within their section. */
        ASSERT_TRUE(strstr(text, "stream=\"a.service\"} 2") < strstr(text, "stream=\"b.service\"} 1"));
        check_exposition_syntax(text);
        fixture_done(&f);
}

TEST(lag_and_backlog_while_nothing_is_acknowledged) {
        SectionConfig c = section_config("lag", "/g", "s");
        _cleanup_free_ char *before = NULL, *after = NULL;
        ShipperSection *sec;
        int64_t t = now_ms() - 10000;
        Fixture f;

        fixture_init(&f);
        ASSERT_OK(shipper_add_section(f.shipper, &c, &sec));
        push(sec, f.acks, t, "first", NULL);
        push(sec, f.acks, t + 1500, "second", NULL);
        before = prometheus(&f);
        ASSERT_LINE(before, "cwlogd_lag_seconds{section=\"lag\"} 1.500");
        ASSERT_LINE(before, "cwlogd_backlog_events{section=\"lag\"} 2");
        ASSERT_LINE(before, "cwlogd_events_sent_total{section=\"lag\",group=\"/g\",stream=\"s\"} 0");
        ASSERT_LINE(before, "cwlogd_last_success_timestamp_seconds{section=\"lag\",group=\"/g\",stream=\"s\"} 0.000");

        deliver(&f);
        after = prometheus(&f);
        ASSERT_LINE(after, "cwlogd_lag_seconds{section=\"lag\"} 0.000");
        ASSERT_LINE(after, "cwlogd_backlog_events{section=\"lag\"} 0");
        fixture_done(&f);
}

TEST(lag_counts_from_the_newest_acknowledged_event) {
        ASSERT_EQ(metrics_lag_ms(0, 1000, 9000, 2000), 0);    /* nothing waits */
        ASSERT_EQ(metrics_lag_ms(3, 1000, 9000, 2000), 7000); /* newest read - newest acked */
        ASSERT_EQ(metrics_lag_ms(3, 1000, 9000, 0), 8000);    /* before any ack: from the first read */
        ASSERT_EQ(metrics_lag_ms(3, 1000, 1500, 2000), 0);    /* out of order: never negative */
        ASSERT_EQ(metrics_lag_ms(3, 0, 0, 0), 0);
}

static json_t *status_doc(Fixture *f, const MetricsProcess *p, char **ret_text) {
        StrBuf b = STRBUF_INIT(0);
        json_error_t error;
        json_t *doc;

        ASSERT_OK(metrics_format_status_json(f->shipper, p, &b));
        ASSERT_EQ(b.data[b.len - 1], '\n');
        doc = json_loads(b.data, 0, &error);
        if (!doc)
                TEST_FAIL_AT("status JSON does not parse: %s\n%s", error.text, b.data);
        *ret_text = strbuf_steal(&b, NULL);
        return doc;
}

static long long jget(const json_t *o, const char *path) {
        json_t *v = json_object_get(o, path);

        if (!json_is_integer(v))
                TEST_FAIL_AT("no integer '%s'", path);
        return json_integer_value(v);
}

TEST(status_json_carries_the_same_numbers) {
        SectionConfig c = section_config("web", "/app/web", "host-1");
        MetricsProcess p = { .pid = 4242, .start_usec = 1000000, .now_usec = 5000000, .running = true,
                             .state = "shipping" };
        _cleanup_free_ char *text = NULL;
        json_t *doc, *sec, *st;
        Fixture f;

        fixture_init(&f);
        ship_basic(&f, &c);
        doc = status_doc(&f, &p, &text);

        ASSERT_EQ(jget(doc, "version"), 1);
        ASSERT_EQ(jget(doc, "pid"), 4242);
        ASSERT_TRUE(json_is_true(json_object_get(doc, "running")));
        ASSERT_STREQ(json_string_value(json_object_get(doc, "state")), "shipping");
        ASSERT_EQ(jget(doc, "start_usec"), 1000000);
        ASSERT_EQ(jget(doc, "updated_usec"), 5000000);
        ASSERT_EQ(jget(doc, "exit_usec"), 0);
        ASSERT_EQ(jget(json_object_get(doc, "totals"), "events_read"), 6);
        ASSERT_EQ(jget(json_object_get(doc, "totals"), "events_sent"), 3);
        ASSERT_EQ(jget(json_object_get(doc, "totals"), "dropped"), 3);
        ASSERT_EQ(jget(json_object_get(doc, "totals"), "streams"), 1);
        ASSERT_EQ(json_array_size(json_object_get(doc, "sections")), 1);
        sec = json_array_get(json_object_get(doc, "sections"), 0);
        ASSERT_STREQ(json_string_value(json_object_get(sec, "name")), "web");
        ASSERT_STREQ(json_string_value(json_object_get(sec, "group")), "/app/web");
        ASSERT_EQ(jget(sec, "events_read"), 6);
        ASSERT_EQ(jget(sec, "bytes_sent"), 11);
        ASSERT_EQ(jget(json_object_get(sec, "dropped"), "too_old"), 1);
        ASSERT_EQ(jget(json_object_get(sec, "dropped"), "excluded"), 1);
        ASSERT_EQ(jget(sec, "backlog"), 0);
        ASSERT_EQ(jget(sec, "lag_ms"), 0);
        ASSERT_TRUE(jget(sec, "last_success_usec") > 0);
        st = json_array_get(json_object_get(sec, "streams"), 0);
        ASSERT_STREQ(json_string_value(json_object_get(st, "name")), "host-1");
        ASSERT_EQ(jget(st, "events_sent"), 3);
        ASSERT_EQ(jget(st, "bytes_sent"), 11);
        ASSERT_EQ(jget(st, "dropped"), 0);
        ASSERT_EQ(jget(st, "last_success_usec"), jget(sec, "last_success_usec"));
        json_decref(doc);
        fixture_done(&f);
}

TEST(status_json_repairs_invalid_utf8_names) {
        SectionConfig c = section_config("bad\xff", "/g", "s");
        MetricsProcess p = { .pid = 1, .running = true, .state = "shipping" };
        _cleanup_free_ char *text = NULL;
        ShipperSection *sec;
        json_t *doc;
        Fixture f;

        fixture_init(&f);
        ASSERT_OK(shipper_add_section(f.shipper, &c, &sec));
        doc = status_doc(&f, &p, &text);
        ASSERT_STREQ(json_string_value(json_object_get(json_array_get(json_object_get(doc, "sections"), 0), "name")),
                     "bad\xef\xbf\xbd");
        json_decref(doc);
        fixture_done(&f);
}

/* ---- --status table ---------------------------------------------------------------------- */

static bool alive(pid_t pid) {
        return true;
}

static bool dead(pid_t pid) {
        return false;
}

static char *table(Fixture *f, const MetricsProcess *p, uint64_t now, bool (*pid_alive)(pid_t)) {
        StrBuf json = STRBUF_INIT(0), out = STRBUF_INIT(0);

        ASSERT_OK(metrics_format_status_json(f->shipper, p, &json));
        ASSERT_OK(status_format_table(json.data, json.len, now, pid_alive, &out));
        strbuf_done(&json);
        return strbuf_steal(&out, NULL);
}

TEST(status_table_shows_header_totals_and_one_row_per_stream) {
        SectionConfig c = section_config("web", "/app/web", "host-1"), idle = section_config("idle", "/g2", "x");
        uint64_t start = now_usec(CLOCK_REALTIME) - 3723 * USEC_PER_SEC;
        MetricsProcess p = { .pid = 4242, .start_usec = start, .now_usec = start + 3723 * USEC_PER_SEC,
                             .running = true, .state = "shipping" };
        _cleanup_free_ char *running = NULL, *crashed = NULL, *stopped = NULL;
        ShipperSection *sec;
        Fixture f;

        fixture_init(&f);
        ship_basic(&f, &c);
        ASSERT_OK(shipper_add_section(f.shipper, &idle, &sec));

        running = table(&f, &p, p.now_usec + 3 * USEC_PER_SEC, alive);
        ASSERT_TRUE(startswith(running, "cwlogd: running (shipping), pid 4242, up 1h 02m; updated 3s ago\n"));
        ASSERT_NOT_NULL(strstr(running, "Sections: 2 (0 failed to start), streams: 1\n"));
        ASSERT_NOT_NULL(strstr(running, "Events: 6 read, 3 sent (11 bytes), backlog 0, 0 retries, 3 dropped "
                                        "(empty 1, too_old 1, excluded 1)\n"));
        ASSERT_NOT_NULL(strstr(running, "\nSECTION  GROUP/STREAM     SENT  BYTES  DROPPED  RETRIES  LAG  LAST SUCCESS\n"));
        ASSERT_NOT_NULL(strstr(running, "\nweb      /app/web/host-1     3     11        0        0   0s  "));
        ASSERT_NOT_NULL(strstr(running, "\nidle     /g2/-               0      0        0        0   0s  never\n"));

        crashed = table(&f, &p, p.now_usec + 3 * USEC_PER_SEC, dead);
        ASSERT_TRUE(startswith(crashed, "cwlogd: not running: pid 4242 is gone without a clean exit; last update "));

        p.running = false;
        p.state = "stopped";
        p.exit_usec = p.now_usec;
        stopped = table(&f, &p, p.now_usec + 120 * USEC_PER_SEC, alive);
        ASSERT_TRUE(startswith(stopped, "cwlogd: stopped at "));
        ASSERT_NOT_NULL(strstr(stopped, " (2m 00s ago), pid 4242 ran for 1h 02m\n"));
        fixture_done(&f);
}

TEST(status_table_refuses_what_is_not_a_status_file) {
        StrBuf out = STRBUF_INIT(0);

        ASSERT_ERR(status_format_table("{", 1, 0, alive, &out), EBADMSG);
        ASSERT_ERR(status_format_table("[]", 2, 0, alive, &out), EBADMSG);
        ASSERT_ERR(status_format_table("{\"pid\": 1}", 10, 0, alive, &out), EBADMSG);
        strbuf_done(&out);
}

TEST(status_file_round_trip_and_runtime_dir) {
        SectionConfig c = section_config("web", "/app/web", "host-1");
        MetricsProcess p = { .pid = getpid(), .start_usec = 1, .now_usec = 2, .running = true, .state = "shipping" };
        char tmp[] = "/tmp/test-metrics-XXXXXX";
        _cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL, *sub = NULL;
        size_t size;
        json_t *doc;
        Fixture f;

        ASSERT_NOT_NULL(mkdtemp(tmp));
        ASSERT_TRUE(asprintf(&sub, "%s/run", tmp) > 0);

        ASSERT_EQ(setenv("RUNTIME_DIRECTORY", "/nonexistent/a:/b", 1), 0);
        ASSERT_OK(status_dir_resolve(NULL, false, &dir));
        ASSERT_STREQ(dir, "/nonexistent/a");
        dir = mfree(dir);
        ASSERT_ERR(status_dir_resolve(NULL, true, &dir), ENOENT);
        ASSERT_NULL(dir);
        ASSERT_EQ(unsetenv("RUNTIME_DIRECTORY"), 0);
        ASSERT_OK(status_dir_resolve(NULL, false, &dir));
        ASSERT_STREQ(dir, "/run/cwlogd");
        dir = mfree(dir);
        ASSERT_OK(status_dir_resolve(sub, true, &dir)); /* created */
        ASSERT_STREQ(dir, sub);
        ASSERT_TRUE(access(sub, W_OK) == 0);

        fixture_init(&f);
        ship_basic(&f, &c);
        ASSERT_TRUE(asprintf(&path, "%s/%s", dir, STATUS_FILE_NAME) > 0);
        ASSERT_OK(status_file_write(path, f.shipper, &p));
        ASSERT_OK(read_full_file(path, 1 << 20, &text, &size));
        doc = json_loadb(text, size, 0, NULL);
        ASSERT_NOT_NULL(doc);
        ASSERT_EQ(jget(json_object_get(doc, "totals"), "events_sent"), 3);
        json_decref(doc);
        /* Our own pid is never "another owner". */
        ASSERT_EQ(status_file_owner(path), 0);
        fixture_done(&f);

        ASSERT_EQ(unlink(path), 0);
        ASSERT_EQ(rmdir(sub), 0);
        ASSERT_EQ(rmdir(tmp), 0);
}

TEST_MAIN()
