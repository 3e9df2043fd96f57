/* SPDX-License-Identifier: MIT */
/*
 * journal_format against journalctl itself: entries are written with systemd-journal-remote
 * into a temporary journal file, and each is formatted by us and by `journalctl -o short
 * --all` / `-o json --all` / `-o cat --all` (TZ=UTC, LC_ALL=C, SYSTEMD_COLORS=0), selected by
 * a TEST_ID field. Every intended difference from journalctl has its own test below that
 * states both outputs. The temporary directory is removed at exit.
 */

#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>
#include <time.h>

#include "journal-export.h"
#include "journal-format.h"
#include "test.h"

#define BOOT_ID "0123456789abcdef0123456789abcdef"
#define T0 UINT64_C(1700000000123456) /* Nov 14 22:13:20 UTC */
#define SOURCE_T UINT64_C(1690000000000000) /* Jul 22 04:26:40 UTC */
#define BIG (200U * 1024)

static char tmpdir[] = "/tmp/test-journal-format-XXXXXX";
static sd_journal *journal;
static StrBuf big_message, big_text, big_binary;

static void cleanup(void) {
        DIR *d;

        sd_journal_close(journal);
        strbuf_done(&big_message);
        strbuf_done(&big_text);
        strbuf_done(&big_binary);
        d = opendir(tmpdir);
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
        (void) rmdir(tmpdir);
}

static void entry(StrBuf *b, const char *id, unsigned *n) {
        ASSERT_OK(jexport_begin(b, T0 + *n * USEC_PER_SEC, 5000000 + *n, BOOT_ID));
        ASSERT_OK(jexport_str(b, "TEST_ID", id));
        (*n)++;
}

static void build_big_values(void) {
        for (unsigned i = 0; big_message.len < BIG; i++)
                ASSERT_OK(strbuf_printf(&big_message, "line %06u \"quoted\" back\\slash %s\n", i,
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
        for (unsigned i = 0; big_text.len < BIG; i++)
                ASSERT_OK(strbuf_putc(&big_text, (char) ('A' + i % 26)));
        for (unsigned i = 0; big_binary.len < BIG; i++)
                ASSERT_OK(strbuf_putc(&big_binary, (char) (i % 256)));
}

static void build_stream(StrBuf *b) {
        unsigned n = 0;

        entry(b, "plain", &n);
        ASSERT_OK(jexport_str(b, "MESSAGE", "hello world"));
        ASSERT_OK(jexport_str(b, "PRIORITY", "6"));
        ASSERT_OK(jexport_str(b, "_HOSTNAME", "host1"));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "app"));
        ASSERT_OK(jexport_str(b, "_PID", "42"));
        ASSERT_OK(jexport_str(b, "_COMM", "appd"));
        ASSERT_OK(jexport_str(b, "_SYSTEMD_UNIT", "app.service"));
        ASSERT_OK(jexport_end(b));

        entry(b, "source_time", &n);
        ASSERT_OK(jexport_str(b, "MESSAGE", "stamped by its source"));
        ASSERT_OK(jexport_str(b, "_SOURCE_REALTIME_TIMESTAMP", "1690000000000000"));
        ASSERT_OK(jexport_str(b, "_HOSTNAME", "host1"));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "app"));
        ASSERT_OK(jexport_str(b, "SYSLOG_PID", "9"));
        ASSERT_OK(jexport_end(b));

        entry(b, "multiline", &n); /* _COMM and SYSLOG_PID stand in; an empty line; final LF */
        ASSERT_OK(jexport_str(b, "MESSAGE", "line1\nline2\n\n  line4\n"));
        ASSERT_OK(jexport_str(b, "_HOSTNAME", "host1"));
        ASSERT_OK(jexport_str(b, "_COMM", "comm"));
        ASSERT_OK(jexport_str(b, "SYSLOG_PID", "7"));
        ASSERT_OK(jexport_end(b));

        entry(b, "unknown", &n); /* journalctl's indent does not count " unknown" */
        ASSERT_OK(jexport_str(b, "MESSAGE", "first\nsecond"));
        ASSERT_OK(jexport_str(b, "_HOSTNAME", "hh"));
        ASSERT_OK(jexport_end(b));

        entry(b, "utf8_ident", &n); /* the indent counts bytes, not columns */
        ASSERT_OK(jexport_str(b, "MESSAGE", "über\nnächste Zeile ☃"));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "dämon"));
        ASSERT_OK(jexport_str(b, "_PID", "1"));
        ASSERT_OK(jexport_end(b));

        entry(b, "non_utf8", &n);
        ASSERT_OK(jexport_field(b, "MESSAGE", "bin\xff\xfe ok \xc3", 10));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "app"));
        ASSERT_OK(jexport_end(b));

        entry(b, "binary", &n);
        ASSERT_OK(jexport_str(b, "MESSAGE", "has a binary field"));
        ASSERT_OK(jexport_field(b, "BIN", "x\0y\0", 4));
        ASSERT_OK(jexport_field(b, "CTRL", "\x01\x02\x1b[0m", 6));
        ASSERT_OK(jexport_end(b));

        entry(b, "big", &n);
        ASSERT_OK(jexport_field(b, "MESSAGE", big_message.data, big_message.len));
        ASSERT_OK(jexport_field(b, "BIG_TEXT", big_text.data, big_text.len));
        ASSERT_OK(jexport_field(b, "BIG_BINARY", big_binary.data, big_binary.len));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "big"));
        ASSERT_OK(jexport_end(b));

        entry(b, "repeated", &n);
        ASSERT_OK(jexport_str(b, "FOO", "a"));
        ASSERT_OK(jexport_str(b, "MESSAGE", "two FOO values"));
        ASSERT_OK(jexport_str(b, "FOO", "b"));
        ASSERT_OK(jexport_field(b, "FOO", "\xff", 1));
        ASSERT_OK(jexport_str(b, "BAR", "c"));
        ASSERT_OK(jexport_end(b));

        entry(b, "printable", &n); /* where journalctl switches from strings to byte arrays */
        ASSERT_OK(jexport_str(b, "MESSAGE", "printable rules"));
        ASSERT_OK(jexport_str(b, "ESCAPES", "a\tb\"c\\d/e\nf"));
        ASSERT_OK(jexport_str(b, "UNICODE", "é ☃ 😀 \u2028 \u00a0 \ufeff \U0010FFFD"));
        ASSERT_OK(jexport_str(b, "C1", "x\xc2\x85y"));
        ASSERT_OK(jexport_str(b, "NONCHAR", "x\ufffey"));
        ASSERT_OK(jexport_str(b, "NONCHAR2", "\ufdd0"));
        ASSERT_OK(jexport_str(b, "NONCHAR3", "\xf4\x8f\xbf\xbf"));
        ASSERT_OK(jexport_str(b, "BADCONT", "\xc3\xc3"));
        ASSERT_OK(jexport_str(b, "SURROGATE", "\xed\xa0\x80"));
        ASSERT_OK(jexport_field(b, "OVERLONG", "\xc0\x80", 2));
        ASSERT_OK(jexport_str(b, "DEL", "a\x7f" "b"));
        ASSERT_OK(jexport_field(b, "CR", "a\rb", 3));
        ASSERT_OK(jexport_str(b, "EMPTY", ""));
        ASSERT_OK(jexport_end(b));

        entry(b, "many_fields", &n); /* more than the one-pass JSON renderer handles */
        ASSERT_OK(jexport_str(b, "MESSAGE", "many fields"));
        for (unsigned i = 0; i < 150; i++)
                ASSERT_OK(strbuf_printf(b, "FIELD_%u=value %u\n", i, i));
        ASSERT_OK(jexport_end(b));

        entry(b, "no_message", &n);
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "x"));
        ASSERT_OK(jexport_end(b));

        entry(b, "empty_message", &n);
        ASSERT_OK(jexport_str(b, "MESSAGE", ""));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "e"));
        ASSERT_OK(jexport_end(b));

        entry(b, "newline_message", &n);
        ASSERT_OK(jexport_str(b, "MESSAGE", "\n"));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "e"));
        ASSERT_OK(jexport_end(b));

        entry(b, "two_messages", &n);
        ASSERT_OK(jexport_str(b, "MESSAGE", "first"));
        ASSERT_OK(jexport_str(b, "MESSAGE", "second"));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "dup"));
        ASSERT_OK(jexport_end(b));

        entry(b, "zero_source_time", &n); /* invalid: both fall back to the entry's time */
        ASSERT_OK(jexport_str(b, "MESSAGE", "zero"));
        ASSERT_OK(jexport_str(b, "_SOURCE_REALTIME_TIMESTAMP", "0"));
        ASSERT_OK(jexport_end(b));

        entry(b, "hex_source_time", &n); /* difference: journalctl reads 0x10 as 16 us */
        ASSERT_OK(jexport_str(b, "MESSAGE", "hex"));
        ASSERT_OK(jexport_str(b, "_SOURCE_REALTIME_TIMESTAMP", "0x10"));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "app"));
        ASSERT_OK(jexport_end(b));

        entry(b, "nul_message", &n); /* difference: journalctl cuts each line at a NUL */
        ASSERT_OK(jexport_field(b, "MESSAGE", "a\0b\nc\0d", 7));
        ASSERT_OK(jexport_str(b, "SYSLOG_IDENTIFIER", "app"));
        ASSERT_OK(jexport_end(b));
}

/* Entries whose output must equal journalctl's exactly. */
static const char *const same_ids[] = {
        "plain", "source_time", "multiline", "unknown", "utf8_ident", "non_utf8", "binary", "big",
        "repeated", "printable", "many_fields", "no_message", "empty_message", "newline_message", "two_messages",
        "zero_source_time",
};

static bool setup(void) {
        StrBuf stream = STRBUF_INIT(0);
        _cleanup_free_ char *path = NULL;

        if (journal)
                return true;
        if (access(JOURNAL_REMOTE_PATH, X_OK) < 0) {
                printf("skip: %s missing\n", JOURNAL_REMOTE_PATH);
                return false;
        }
        ASSERT_OK(setenv("TZ", "UTC", 1));
        tzset();
        ASSERT_NOT_NULL(mkdtemp(tmpdir));
        ASSERT_OK(atexit(cleanup));
        build_big_values();
        build_stream(&stream);
        ASSERT_OK(asprintf(&path, "%s/test.journal", tmpdir));
        ASSERT_OK(jexport_write_journal(path, &stream));
        strbuf_done(&stream);
        ASSERT_OK(sd_journal_open_directory(&journal, tmpdir, 0));
        ASSERT_OK(sd_journal_set_data_threshold(journal, 0));
        return true;
}

#define SETUP()                      \
        do {                         \
                if (!setup())        \
                        return;      \
        } while (0)

static void seek_entry(const char *id) {
        _cleanup_free_ char *m = NULL;

        ASSERT_OK(asprintf(&m, "TEST_ID=%s", id));
        sd_journal_flush_matches(journal);
        ASSERT_OK(sd_journal_add_match(journal, m, 0));
        ASSERT_OK(sd_journal_seek_head(journal));
        ASSERT_EQ(sd_journal_next(journal), 1);
}

/* journalctl's output for one entry, with its final newline removed. */
static void journalctl(const char *id, const char *mode, const char *output_fields, StrBuf *out) {
        _cleanup_free_ char *m = NULL, *fields = NULL;
        char *env[] = { (char *) "TZ=UTC", (char *) "LC_ALL=C", (char *) "SYSTEMD_COLORS=0", NULL };
        int r;

        ASSERT_OK(asprintf(&m, "TEST_ID=%s", id));
        ASSERT_OK(asprintf(&fields, "--output-fields=%s", output_fields ?: ""));
        char *argv[] = { (char *) JOURNALCTL_PATH, (char *) "--no-pager", (char *) "-q", (char *) "--all",
                         (char *) "-D", tmpdir, (char *) "-o", (char *) mode, m,
                         output_fields ? fields : NULL, NULL };
        strbuf_reset(out);
        r = jexport_run(argv, env, NULL, out);
        ASSERT_EQ(r, 0);
        if (out->len > 0 && out->data[out->len - 1] == '\n')
                out->data[--out->len] = 0;
}

static void assert_same_bytes(const char *id, const StrBuf *ours, const StrBuf *theirs) {
        if (ours->len == theirs->len && memcmp(ours->data, theirs->data, ours->len) == 0)
                return;
        size_t i = 0;
        while (i < ours->len && i < theirs->len && ours->data[i] == theirs->data[i])
                i++;
        TEST_FAIL_AT("%s: differs at byte %zu (ours %zu bytes, journalctl %zu): ours \"%.40s\" theirs \"%.40s\"",
                     id, i, ours->len, theirs->len, ours->data + i, theirs->data + i);
}

TEST(short_matches_journalctl) {
        StrBuf ours = STRBUF_INIT(0), theirs = STRBUF_INIT(0);

        SETUP();
        for (size_t i = 0; i < ELEMENTSOF(same_ids); i++) {
                int r;

                seek_entry(same_ids[i]);
                r = journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &ours);
                journalctl(same_ids[i], "short", NULL, &theirs);
                if (streq(same_ids[i], "no_message")) {
                        ASSERT_ERR(r, ENODATA);
                        ASSERT_EQ(theirs.len, 0); /* journalctl skips it too */
                        continue;
                }
                ASSERT_OK(r);
                assert_same_bytes(same_ids[i], &ours, &theirs);
        }
        strbuf_done(&ours);
        strbuf_done(&theirs);
}

TEST(short_layout) {
        StrBuf out = STRBUF_INIT(0);

        SETUP();
        /* Spelled out so a reader sees the layout without running journalctl. */
        seek_entry("source_time");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &out));
        ASSERT_STREQ(out.data, "Jul 22 04:26:40 host1 app[9]: stamped by its source");
        seek_entry("multiline");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &out));
        ASSERT_STREQ(out.data, "Nov 14 22:13:22 host1 comm[7]: line1\n"
                               "                               line2\n"
                               "                               \n"
                               "                                 line4");
        seek_entry("unknown");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &out));
        ASSERT_STREQ(out.data, "Nov 14 22:13:23 hh unknown: first\n"
                               "                    second");
        seek_entry("big");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &out));
        ASSERT_TRUE(out.len > BIG); /* printed in full, continuation lines indented */
        strbuf_done(&out);
}

/* Difference: journalctl prints MESSAGE lines with "%.*s", losing the bytes after a NUL. */
TEST(short_keeps_bytes_after_nul) {
        StrBuf ours = STRBUF_INIT(0), theirs = STRBUF_INIT(0);
        static const char want[] = "Nov 14 22:13:37 app: a\0b\n                     c\0d";

        SETUP();
        seek_entry("nul_message");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &ours));
        journalctl("nul_message", "short", NULL, &theirs);
        ASSERT_EQ(ours.len, sizeof(want) - 1);
        ASSERT_TRUE(memcmp(ours.data, want, ours.len) == 0);
        ASSERT_STREQ(theirs.data, "Nov 14 22:13:37 app: a\n                     c");
        strbuf_done(&ours);
        strbuf_done(&theirs);
}

/* Difference: journalctl parses _SOURCE_REALTIME_TIMESTAMP with base 0 ("0x10" = 16 us). */
TEST(short_source_time_decimal_only) {
        StrBuf ours = STRBUF_INIT(0), theirs = STRBUF_INIT(0);
        uint64_t t;

        SETUP();
        seek_entry("hex_source_time");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &ours));
        journalctl("hex_source_time", "short", NULL, &theirs);
        ASSERT_STREQ(ours.data, "Nov 14 22:13:36 app: hex");
        ASSERT_STREQ(theirs.data, "Jan 01 00:00:00 app: hex");
        ASSERT_OK(journal_entry_realtime(journal, &t));
        ASSERT_EQ(t, T0 + 16 * USEC_PER_SEC);
        strbuf_done(&ours);
        strbuf_done(&theirs);
}

TEST(entry_realtime) {
        uint64_t t;

        SETUP();
        seek_entry("source_time");
        ASSERT_OK(journal_entry_realtime(journal, &t));
        ASSERT_EQ(t, SOURCE_T);
        seek_entry("plain");
        ASSERT_OK(journal_entry_realtime(journal, &t));
        ASSERT_EQ(t, T0);
        seek_entry("zero_source_time");
        ASSERT_OK(journal_entry_realtime(journal, &t));
        ASSERT_EQ(t, T0 + 15 * USEC_PER_SEC);
}

TEST(message_matches_cat) {
        StrBuf ours = STRBUF_INIT(0), theirs = STRBUF_INIT(0);

        SETUP();
        for (size_t i = 0; i < ELEMENTSOF(same_ids); i++) {
                int r;

                seek_entry(same_ids[i]);
                r = journal_format_entry(journal, JOURNAL_FORMAT_MESSAGE, NULL, &ours);
                journalctl(same_ids[i], "cat", NULL, &theirs);
                if (streq(same_ids[i], "no_message")) {
                        ASSERT_ERR(r, ENODATA);
                        continue;
                }
                ASSERT_OK(r);
                assert_same_bytes(same_ids[i], &ours, &theirs);
        }
        /* The first of two MESSAGE fields, as -o cat; -o short shows the last. */
        seek_entry("two_messages");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_MESSAGE, NULL, &ours));
        ASSERT_STREQ(ours.data, "first");
        seek_entry("nul_message"); /* bytes as stored */
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_MESSAGE, NULL, &ours));
        ASSERT_EQ(ours.len, 7);
        ASSERT_TRUE(memcmp(ours.data, "a\0b\nc\0d", 7) == 0);
        strbuf_done(&ours);
        strbuf_done(&theirs);
}

static json_t *parse(const StrBuf *b) {
        json_error_t err;
        json_t *v = json_loadb(b->data, b->len, 0, &err);

        if (!v)
                TEST_FAIL_AT("invalid JSON: %s: %.60s", err.text, b->data);
        return v;
}

static void assert_same_json(const char *id, const StrBuf *ours, const StrBuf *theirs, const char *const *drop) {
        json_t *a = parse(ours), *b = parse(theirs);
        bool eq;

        for (const char *const *d = drop; d && *d; d++)
                (void) json_object_del(b, *d);
        eq = json_equal(a, b);
        if (!eq) {
                char *x = json_dumps(a, JSON_SORT_KEYS), *y = json_dumps(b, JSON_SORT_KEYS);

                fprintf(stderr, "%s:\n ours   %.400s\n theirs %.400s\n", id, x, y);
                free(x);
                free(y);
        }
        json_decref(a);
        json_decref(b);
        if (!eq)
                TEST_FAIL_AT("%s: JSON objects differ", id);
}

TEST(json_matches_journalctl) {
        StrBuf ours = STRBUF_INIT(0), theirs = STRBUF_INIT(0);
        const char *const ids[] = { "hex_source_time", "nul_message" };

        SETUP();
        for (size_t i = 0; i < ELEMENTSOF(same_ids) + ELEMENTSOF(ids); i++) {
                const char *id = i < ELEMENTSOF(same_ids) ? same_ids[i] : ids[i - ELEMENTSOF(same_ids)];

                seek_entry(id);
                ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, NULL, &ours));
                journalctl(id, "json", NULL, &theirs);
                ASSERT_TRUE(memchr(ours.data, '\n', ours.len) == NULL); /* one line */
                assert_same_json(id, &ours, &theirs, NULL);
        }
        strbuf_done(&ours);
        strbuf_done(&theirs);
}

TEST(json_layout) {
        StrBuf out = STRBUF_INIT(0);
        _cleanup_free_ char *cursor = NULL, *want = NULL;

        SETUP();
        /* Our key order: header keys, then fields in entry order, a repeated name at its first
         * place (journalctl's order is a random hash order). Values as journalctl encodes them. */
        seek_entry("repeated");
        ASSERT_OK(sd_journal_get_cursor(journal, &cursor));
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, NULL, &out));
        ASSERT_OK(asprintf(&want,
                           "{\"__CURSOR\":\"%s\",\"__REALTIME_TIMESTAMP\":\"1700000008123456\","
                           "\"__MONOTONIC_TIMESTAMP\":\"5000008\",\"_BOOT_ID\":\"" BOOT_ID "\","
                           "\"TEST_ID\":\"repeated\",\"FOO\":[\"a\",\"b\",[255]],"
                           "\"MESSAGE\":\"two FOO values\",\"BAR\":\"c\"}", cursor));
        ASSERT_STREQ(out.data, want);

        seek_entry("printable");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, NULL, &out));
        ASSERT_NOT_NULL(strstr(out.data, ",\"ESCAPES\":\"a\\tb\\\"c\\\\d/e\\nf\","));
        ASSERT_NOT_NULL(strstr(out.data, ",\"C1\":[120,194,133,121],"));
        ASSERT_NOT_NULL(strstr(out.data, ",\"CR\":[97,13,98],"));
        ASSERT_NOT_NULL(strstr(out.data, ",\"EMPTY\":\"\""));

        /* --all: a 200 KiB value is a string, not null (journalctl's default nulls >= 4 KiB). */
        seek_entry("big");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, NULL, &out));
        ASSERT_NULL(strstr(out.data, "null"));
        ASSERT_TRUE(out.len > 3 * BIG);
        strbuf_done(&out);
}

/* json:F1,F2 against journalctl --output-fields, which also prints __CURSOR,
 * __MONOTONIC_TIMESTAMP and _BOOT_ID always, and _SOURCE_REALTIME_TIMESTAMP only if listed. */
TEST(json_fields) {
        StrBuf ours = STRBUF_INIT(0), theirs = STRBUF_INIT(0);
        char *fields[] = { (char *) "MESSAGE", (char *) "FOO", (char *) "_HOSTNAME", (char *) "NOPE", NULL };
        const char *const drop[] = { "__CURSOR", "__MONOTONIC_TIMESTAMP", "_BOOT_ID", NULL };

        SETUP();
        for (size_t i = 0; i < ELEMENTSOF(same_ids); i++) {
                seek_entry(same_ids[i]);
                ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, fields, &ours));
                journalctl(same_ids[i], "json", "MESSAGE,FOO,_HOSTNAME,NOPE,_SOURCE_REALTIME_TIMESTAMP", &theirs);
                assert_same_json(same_ids[i], &ours, &theirs, drop);
        }

        /* "Entry order" is the journal file's: _HOSTNAME=host1 was stored with the first entry,
         * so it comes before this entry's new values. */
        seek_entry("source_time");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, fields, &ours));
        ASSERT_STREQ(ours.data, "{\"__REALTIME_TIMESTAMP\":\"1700000001123456\",\"_HOSTNAME\":\"host1\","
                                "\"MESSAGE\":\"stamped by its source\","
                                "\"_SOURCE_REALTIME_TIMESTAMP\":\"1690000000000000\"}");

        /* Header keys only when listed; an empty list leaves the timestamps. */
        char *header[] = { (char *) "_BOOT_ID", (char *) "__MONOTONIC_TIMESTAMP", NULL }, *none[] = { NULL };
        seek_entry("plain");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, header, &ours));
        ASSERT_STREQ(ours.data, "{\"__REALTIME_TIMESTAMP\":\"1700000000123456\","
                                "\"__MONOTONIC_TIMESTAMP\":\"5000000\",\"_BOOT_ID\":\"" BOOT_ID "\"}");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_JSON, none, &ours));
        ASSERT_STREQ(ours.data, "{\"__REALTIME_TIMESTAMP\":\"1700000000123456\"}");
        strbuf_done(&ours);
        strbuf_done(&theirs);
}

TEST(too_small_buffer) {
        StrBuf out = STRBUF_INIT(64);

        SETUP();
        seek_entry("big");
        ASSERT_ERR(journal_format_entry(journal, JOURNAL_FORMAT_MESSAGE, NULL, &out), ENOBUFS);
        ASSERT_ERR(journal_format_entry(journal, JOURNAL_FORMAT_SHORT, NULL, &out), ENOBUFS);
        ASSERT_ERR(journal_format_entry(journal, JOURNAL_FORMAT_JSON, NULL, &out), ENOBUFS);
        seek_entry("plain");
        ASSERT_OK(journal_format_entry(journal, JOURNAL_FORMAT_MESSAGE, NULL, &out));
        ASSERT_STREQ(out.data, "hello world");
        strbuf_done(&out);
}

TEST(printable_rule) {
        /* systemd's utf8_is_printable(): the boundary of strings vs byte arrays in JSON. */
        ASSERT_TRUE(journal_value_is_printable("", 0));
        ASSERT_TRUE(journal_value_is_printable("a\tb\nc ~", 7));
        ASSERT_TRUE(journal_value_is_printable("\xc2\xa0", 2));         /* U+00A0 */
        ASSERT_TRUE(journal_value_is_printable("\xef\xbf\xbd", 3));     /* U+FFFD */
        ASSERT_TRUE(journal_value_is_printable("\xf4\x8f\xbf\xbd", 4)); /* U+10FFFD */
        ASSERT_FALSE(journal_value_is_printable("a\0", 2));
        ASSERT_FALSE(journal_value_is_printable("\r", 1));
        ASSERT_FALSE(journal_value_is_printable("\x7f", 1));
        ASSERT_FALSE(journal_value_is_printable("\xc2\x85", 2));         /* C1 */
        ASSERT_FALSE(journal_value_is_printable("\xef\xbf\xbe", 3));     /* U+FFFE */
        ASSERT_FALSE(journal_value_is_printable("\xef\xb7\x90", 3));     /* U+FDD0 */
        ASSERT_FALSE(journal_value_is_printable("\xf0\x9f\xbf\xbf", 4)); /* U+1FFFF */
        ASSERT_FALSE(journal_value_is_printable("\xc3", 1));             /* truncated */
        ASSERT_FALSE(journal_value_is_printable("\xc0\x80", 2));         /* overlong */
        ASSERT_FALSE(journal_value_is_printable("\xed\xa0\x80", 3));     /* surrogate */
}

TEST_MAIN()
