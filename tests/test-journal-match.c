/* SPDX-License-Identifier: MIT */
/*
 * Journal filters: the pure parsers, and the real thing: a journal file written by
 * systemd-journal-remote, read back through sd-journal with our filters, compared with
 * what `journalctl -D DIR -o cat` shows for the equivalent flags.
 */

#include "config.h"
#include "journal-match.h"
#include "journal-util.h"
#include "test.h"

#define ASSERT_PRIORITY(s, lo, hi)                                                                \
        do {                                                                                      \
                int _lo_ = -2, _hi_ = -2;                                                         \
                ASSERT_OK(journal_priority_parse((s), &_lo_, &_hi_));                             \
                ASSERT_EQ(_lo_, (lo));                                                            \
                ASSERT_EQ(_hi_, (hi));                                                            \
        } while (0)

TEST(priority_parse) {
        int a = 42, b = 42;

        ASSERT_PRIORITY("err", 0, 3);
        ASSERT_PRIORITY("3", 0, 3);
        ASSERT_PRIORITY("emerg", 0, 0);
        ASSERT_PRIORITY("debug", 0, 7);
        ASSERT_PRIORITY("WARNING", 0, 4);
        ASSERT_PRIORITY("err..warning", 3, 4);
        ASSERT_PRIORITY("warning..err", 3, 4);
        ASSERT_PRIORITY("0..4", 0, 4);
        ASSERT_PRIORITY("notice..notice", 5, 5);
        ASSERT_PRIORITY("info..7", 6, 7);
        static const char *const bad[] = { "", "8", "-1", "error", "err..", "..err", "err...warning", "3 ", "03",
                                           "err..warning..info" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (journal_priority_parse(bad[i], &a, &b) != -EINVAL)
                        TEST_FAIL_AT("'%s' was accepted", bad[i]);
        ASSERT_EQ(a, 42); /* outputs untouched on failure */
        ASSERT_EQ(b, 42);
}

TEST(match_validate) {
        char *e = NULL;

        ASSERT_OK(journal_match_validate("_SYSTEMD_UNIT=nginx.service", NULL));
        ASSERT_OK(journal_match_validate("_SYSTEMD_UNIT=a.service PRIORITY=3 + _TRANSPORT=kernel", NULL));
        ASSERT_OK(journal_match_validate("FIELD=", NULL));
        ASSERT_OK(journal_match_validate("A=b=c\tB_2=x", NULL));
        ASSERT_OK(journal_match_validate("  A=1  ", NULL));
        ASSERT_ERR(journal_match_validate("", &e), EINVAL);
        ASSERT_STREQ(e, "empty journal match");
        ASSERT_ERR(journal_match_validate("+ A=1", &e), EINVAL);
        ASSERT_STREQ(e, "'+' can only be used between match terms");
        ASSERT_ERR(journal_match_validate("A=1 + + B=2", &e), EINVAL);
        ASSERT_ERR(journal_match_validate("A=1 +", &e), EINVAL);
        ASSERT_ERR(journal_match_validate("+", &e), EINVAL);
        ASSERT_ERR(journal_match_validate("=x", &e), EINVAL);
        ASSERT_ERR(journal_match_validate("1A=x", &e), EINVAL);
        ASSERT_ERR(journal_match_validate("__CURSOR=x", &e), EINVAL);
        ASSERT_ERR(journal_match_validate("A-B=x", &e), EINVAL);
        ASSERT_STREQ(e, "journal match 'A-B=x' has an invalid field name (expected 1-64 of A-Z, 0-9, '_', not "
                        "starting with a digit or \"__\")");
        ASSERT_ERR(journal_match_validate("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=1", NULL),
                   EINVAL); /* 65 characters */
        ASSERT_OK(journal_match_validate("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=1", NULL));
        ASSERT_ERR(journal_match_validate("/usr/bin/sshd", &e), EINVAL);
        ASSERT_STREQ(e, "journal match '/usr/bin/sshd' is a path; journalctl's path matches are not supported, use "
                        "a FIELD=VALUE term such as _EXE=/usr/bin/sshd");
        free(e);
}

TEST(unit_mangle) {
        static const struct {
                const char *in, *out;
        } good[] = {
                { "nginx", "nginx.service" },         { "nginx.service", "nginx.service" },
                { "sshd.socket", "sshd.socket" },     { "user-1000.slice", "user-1000.slice" },
                { "foo@bar", "foo@bar.service" },     { "a.b", "a.b.service" },
                { "dev-sda.device", "dev-sda.device" }, { "x\\x2dy", "x\\x2dy.service" },
        };
        static const char *const bad[] = { "", "/dev/sda", "*.service", "a b", "ngin?", ".service", "a/b" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *m = NULL;

                ASSERT_OK(journal_unit_name_mangle(good[i].in, &m));
                ASSERT_STREQ(m, good[i].out);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *m = NULL;

                if (journal_unit_name_mangle(bad[i], &m) != -EINVAL)
                        TEST_FAIL_AT("'%s' was accepted", bad[i]);
                ASSERT_NULL(m);
        }
}

TEST(entry_excluded) {
        char *units[] = { (char *) "noisy.service", NULL }, *idents[] = { (char *) "CRON", NULL };
        SectionConfig c = { .journal_exclude_unit = units, .journal_exclude_identifier = idents };

        ASSERT_TRUE(journal_entry_excluded(&c, "noisy.service", NULL));
        ASSERT_TRUE(journal_entry_excluded(&c, "a.service", "CRON"));
        ASSERT_FALSE(journal_entry_excluded(&c, "a.service", "cron"));
        ASSERT_FALSE(journal_entry_excluded(&c, NULL, NULL));
        ASSERT_FALSE(journal_entry_excluded(&(SectionConfig) {}, "noisy.service", "CRON"));
}

#define COREDUMP "MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1"

/* A small journal with an entry for each way a unit, identifier or priority can match or
 * nearly match. MESSAGE is the entry's name. */
static const char *const entries[][8] = {
        { "MESSAGE=m01", "_SYSTEMD_UNIT=nginx.service", "PRIORITY=6", "SYSLOG_IDENTIFIER=nginx" },
        { "MESSAGE=m02", "_SYSTEMD_UNIT=nginx.service", "PRIORITY=3", "SYSLOG_IDENTIFIER=nginx" },
        { "MESSAGE=m03", "_SYSTEMD_UNIT=sshd.service", "PRIORITY=4", "SYSLOG_IDENTIFIER=sshd" },
        { "MESSAGE=m04", "_PID=1", "UNIT=nginx.service", "_SYSTEMD_UNIT=init.scope", "PRIORITY=6",
          "SYSLOG_IDENTIFIER=systemd" },
        { "MESSAGE=m05", COREDUMP, "_UID=0", "COREDUMP_UNIT=nginx.service", "PRIORITY=2",
          "_SYSTEMD_UNIT=systemd-coredump@0.service", "SYSLOG_IDENTIFIER=systemd-coredump" },
        { "MESSAGE=m06", COREDUMP, "_UID=1000", "COREDUMP_UNIT=nginx.service", "PRIORITY=2" },
        { "MESSAGE=m07", "_UID=0", "OBJECT_SYSTEMD_UNIT=nginx.service", "_SYSTEMD_UNIT=systemd-logind.service",
          "PRIORITY=5", "SYSLOG_IDENTIFIER=systemd-logind" },
        { "MESSAGE=m08", "_UID=1000", "OBJECT_SYSTEMD_UNIT=nginx.service", "PRIORITY=5" },
        { "MESSAGE=m09", "_PID=2", "UNIT=nginx.service", "PRIORITY=6" },
        { "MESSAGE=m10", "_TRANSPORT=kernel", "PRIORITY=3", "SYSLOG_IDENTIFIER=kernel" },
        { "MESSAGE=m11", "SYSLOG_IDENTIFIER=sudo", "PRIORITY=5", "_SYSTEMD_UNIT=session-1.scope",
          "_SYSTEMD_SLICE=user-1000.slice" },
        { "MESSAGE=m12", "SYSLOG_IDENTIFIER=cron", "_SYSTEMD_UNIT=cron.service" },
        { "MESSAGE=m13", "_SYSTEMD_UNIT=user@1000.service", "_SYSTEMD_SLICE=user-1000.slice", "PRIORITY=7",
          "SYSLOG_IDENTIFIER=systemd" },
        { "MESSAGE=m14", "_SYSTEMD_UNIT=foo@bar.service", "PRIORITY=0", "SYSLOG_IDENTIFIER=foo" },
};

/* Each case: section keys, the equivalent journalctl flags (NULL: journalctl cannot say it
 * in one invocation), and the entries a user expects. */
static const struct {
        const char *keys;
        const char *flags[8];
        const char *expected;
} cases[] = {
        { "journal_unit = nginx", { "-u", "nginx" }, "m01 m02 m04 m05 m07" },
        { "journal_unit = nginx sshd.service", { "-u", "nginx", "-u", "sshd.service" }, "m01 m02 m03 m04 m05 m07" },
        { "journal_unit = user-1000.slice", { "-u", "user-1000.slice" }, "m11 m13" },
        { "journal_unit = foo@bar", { "-u", "foo@bar" }, "m14" },
        { "journal_identifier = nginx sudo", { "-t", "nginx", "-t", "sudo" }, "m01 m02 m11" },
        { "journal_priority = err", { "-p", "err" }, "m02 m05 m06 m10 m14" },
        { "journal_priority = notice..warning", { "-p", "notice..warning" }, "m03 m07 m08 m11" },
        { "journal_priority = debug", { "-p", "debug" }, "m01 m02 m03 m04 m05 m06 m07 m08 m09 m10 m11 m12 m13 m14" },
        { "journal_unit = nginx\njournal_priority = 3", { "-u", "nginx", "-p", "3" }, "m02 m05" },
        { "journal_identifier = nginx\njournal_match = PRIORITY=6", { "-t", "nginx", "PRIORITY=6" }, "m01" },
        { "journal_match = _TRANSPORT=kernel + SYSLOG_IDENTIFIER=cron",
          { "_TRANSPORT=kernel", "+", "SYSLOG_IDENTIFIER=cron" }, "m10 m12" },
        { "journal_match = _SYSTEMD_UNIT=nginx.service _SYSTEMD_UNIT=sshd.service PRIORITY=3",
          { "_SYSTEMD_UNIT=nginx.service", "_SYSTEMD_UNIT=sshd.service", "PRIORITY=3" }, "m02" },
        { "journal_match = PRIORITY=5 _UID=1000 + _TRANSPORT=kernel",
          { "PRIORITY=5", "_UID=1000", "+", "_TRANSPORT=kernel" }, "m08 m10" },
        { "journal_match = SYSLOG_IDENTIFIER=", { "SYSLOG_IDENTIFIER=" }, "" },
        /* Lines AND: journalctl has one positional expression only. */
        { "journal_match = _SYSTEMD_UNIT=nginx.service + _TRANSPORT=kernel\njournal_match = PRIORITY=3",
          { NULL }, "m02 m10" },
        { "journal_unit = nginx\njournal_identifier = systemd", { "-u", "nginx", "-t", "systemd" }, "m04" },
        { "", { NULL }, "m01 m02 m03 m04 m05 m06 m07 m08 m09 m10 m11 m12 m13 m14" },
};

static int write_test_journal(const char *dir) {
        _cleanup_(strbuf_done) StrBuf b = STRBUF_INIT(0);
        _cleanup_free_ char *path = NULL;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(entries); i++) {
                r = journal_util_append_entry(&b, 1700000000000000ULL + i * 1000000ULL, entries[i]);
                if (r < 0)
                        return r;
        }
        if (asprintf(&path, "%s/test.journal", dir) < 0)
                return -ENOMEM;
        return journal_util_write(path, b.data);
}

static char *read_filtered(sd_journal *j, const SectionConfig *s) {
        _cleanup_(strbuf_done) StrBuf out = STRBUF_INIT(0);

        ASSERT_OK(journal_filters_apply(j, s));
        ASSERT_OK(sd_journal_seek_head(j));
        while (sd_journal_next(j) > 0) {
                const void *d;
                size_t l;

                ASSERT_OK(sd_journal_get_data(j, "MESSAGE", &d, &l));
                ASSERT_OK(strbuf_printf(&out, "%s%.*s", out.len > 0 ? " " : "", (int) l - 8, (const char *) d + 8));
        }
        ASSERT_OK(strbuf_append(&out, "", 0)); /* a terminated buffer even when empty */
        return strbuf_steal(&out, NULL);
}

static char *read_journalctl(const char *dir, const char *const *flags) {
        const char *argv[16] = { "journalctl", "-q", "-o", "cat", "-D", dir };
        size_t n = 6;
        char *out = NULL;

        for (size_t i = 0; flags[i]; i++)
                argv[n++] = flags[i];
        ASSERT_OK(test_run_capture((char *const *) argv, &out));
        /* One message per line -> the same space-separated form. */
        for (char *p = out; *p; p++)
                if (*p == '\n')
                        *p = p[1] ? ' ' : 0;
        return out;
}

static SectionConfig *section_for(const char *dir, const char *keys, Config **ret_config) {
        _cleanup_free_ char *text = NULL;
        char *err = NULL;

        ASSERT_TRUE(asprintf(&text, "[j]\njournal = true\nlog_group_name = g\njournal_directory = %s\n%s\n", dir,
                             keys) > 0);
        if (config_parse_string("t.conf", text, ret_config, &err) < 0)
                TEST_FAIL_AT("config error: %s", strna(err));
        return (*ret_config)->sections[0];
}

TEST(filters_on_a_real_journal) {
        _cleanup_free_ char *dir = NULL;
        sd_journal *j = NULL;

        if (!journal_util_remote_binary()) {
                printf("skip: systemd-journal-remote is not installed\n");
                return;
        }
        ASSERT_OK(test_mkdtemp(&dir));
        ASSERT_OK(write_test_journal(dir));
        ASSERT_OK(sd_journal_open_directory(&j, dir, 0));

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Config *c = NULL;
                const SectionConfig *s = section_for(dir, cases[i].keys, &c);
                _cleanup_free_ char *ours = read_filtered(j, s), *theirs = NULL;

                if (!streq(ours, cases[i].expected))
                        TEST_FAIL_AT("case %zu '%s': got '%s', expected '%s'", i, cases[i].keys, ours,
                                     cases[i].expected);
                if (cases[i].flags[0] || !cases[i].keys[0]) {
                        theirs = read_journalctl(dir, cases[i].flags);
                        if (!streq(ours, theirs))
                                TEST_FAIL_AT("case %zu '%s': we show '%s', journalctl shows '%s'", i, cases[i].keys,
                                             ours, theirs);
                }
                config_free(c);
        }
        sd_journal_close(j);
        test_rm_rf(dir);
}

TEST(apply_replaces_previous_filters) {
        _cleanup_free_ char *dir = NULL, *first = NULL, *second = NULL;
        Config *a = NULL, *b = NULL;
        sd_journal *j = NULL;

        if (!journal_util_remote_binary())
                return;
        ASSERT_OK(test_mkdtemp(&dir));
        ASSERT_OK(write_test_journal(dir));
        ASSERT_OK(sd_journal_open_directory(&j, dir, 0));
        first = read_filtered(j, section_for(dir, "journal_unit = sshd", &a));
        ASSERT_STREQ(first, "m03");
        second = read_filtered(j, section_for(dir, "journal_identifier = kernel", &b));
        ASSERT_STREQ(second, "m10");
        config_free(a);
        config_free(b);
        sd_journal_close(j);
        test_rm_rf(dir);
}

TEST_MAIN()
