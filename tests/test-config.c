/* SPDX-License-Identifier: MIT */
/*
 * Config parsing as a user sees it: the old agent's documented files load unchanged,
 * drop-ins merge in order, and every kind of mistake is reported with its exact
 * FILE:LINE and message. Error cases live in test-config-errors.c.
 */

#include <iconv.h>
#include <sys/stat.h>

#include "config-internal.h"
#include "journal-util.h"
#include "cw-limits.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/parse-util.h"
#include "test.h"

static Config *parse_ok(const char *text) {
        Config *c = NULL;
        char *err = NULL;
        int r;

        r = config_parse_string("t.conf", text, &c, &err);
        if (r < 0)
                fprintf(stderr, "unexpected error: %s\n", strna(err));
        ASSERT_OK(r);
        ASSERT_NOT_NULL(c);
        return c;
}

/* The quick start sample of the old agent's documentation, verbatim. */
static const char doc_sample[] = "[general]\n"
                                 "state_file = /var/awslogs/state/agent-state\n"
                                 "\n"
                                 "[/var/log/messages]\n"
                                 "file = /var/log/messages\n"
                                 "log_group_name = /var/log/messages\n"
                                 "log_stream_name = {instance_id}\n"
                                 "datetime_format = %b %d %H:%M:%S\n";

TEST(awslogs_doc_sample) {
        _cleanup_(config_freep) Config *c = parse_ok(doc_sample);
        _cleanup_free_ char *state = NULL;
        const SectionConfig *s;

        ASSERT_EQ(c->n_sections, 1);
        s = c->sections[0];
        ASSERT_STREQ(s->name, "/var/log/messages");
        ASSERT_EQ(s->kind, SOURCE_FILE);
        ASSERT_STREQ(s->file, "/var/log/messages");
        ASSERT_STREQ(s->log_group_name, "/var/log/messages");
        ASSERT_STREQ(s->log_stream_name, "{instance_id}");
        ASSERT_STREQ(s->datetime_format, "%b %d %H:%M:%S");
        ASSERT_STREQ(s->origin_file, "t.conf");
        ASSERT_EQ(s->origin_line, 4);
        ASSERT_EQ(strv_length(c->notices), 1);
        ASSERT_STREQ(c->notices[0],
                     "t.conf:2: state_file is ignored: cwlogd keeps its state in the state directory (--state-dir)");
        state = section_state_name(s);
        ASSERT_STREQ(state, "-var-log-messages");
        ASSERT_TRUE(config_find_section(c, "/var/log/messages") == s);
        ASSERT_NULL(config_find_section(c, "general"));
        ASSERT_NULL(config_find_section(c, "nope"));
}

/* Every key of the old agent's reference, with the defaults the reference names. */
TEST(awslogs_reference_all_keys) {
        _cleanup_(config_freep) Config *c = parse_ok(
                "#\n# CLOUDWATCH LOGS AGENT CONFIGURATION FILE\n#\n"
                "[general]\n"
                "state_file = /var/awslogs/state/agent-state\n"
                "logging_config_file = /etc/awslogs/logging.conf\n"
                "use_gzip_http_content_encoding = false\n"
                "\n"
                "[logstream1]\n"
                "log_group_name = core-nlp-services\n"
                "log_stream_name = {hostname}-app\n"
                "datetime_format = %Y-%m-%dT%H:%M:%S,%f\n"
                "time_zone = UTC\n"
                "file = /var/log/app/*.log\n"
                "file_fingerprint_lines = 2-5\n"
                "multi_line_start_pattern = [^[]\n"
                "initial_position = end_of_file\n"
                "encoding = ascii\n"
                "buffer_duration = 10000\n"
                "batch_count = 500\n"
                "batch_size = 32768\n"
                "\n"
                "[logstream2]\n"
                "file = /var/log/other\n"
                "log_group_name = other\n"
                "multi_line_start_pattern = {datetime_format}\n");
        const SectionConfig *s;

        ASSERT_FALSE(c->general.use_gzip);
        ASSERT_EQ(strv_length(c->notices), 3);
        ASSERT_STREQ(c->notices[1], "t.conf:6: logging_config_file is ignored: cwlogd logs to stderr/the journal; "
                                    "use --log-level");
        /* the old agent's answer to {datetime_format} without datetime_format: its default */
        ASSERT_STREQ(c->notices[2], "t.conf:26: multi_line_start_pattern {datetime_format} without datetime_format: "
                                    "using the default '^[^\\s]', as the old agent did");
        ASSERT_EQ(c->n_sections, 2);
        s = c->sections[0];
        ASSERT_STREQ(s->log_stream_name, "{hostname}-app");
        ASSERT_STREQ(s->datetime_format, "%Y-%m-%dT%H:%M:%S,%f");
        ASSERT_TRUE(s->time_zone_utc);
        ASSERT_STREQ(s->file, "/var/log/app/*.log");
        ASSERT_EQ(s->fingerprint_first, 2);
        ASSERT_EQ(s->fingerprint_last, 5);
        ASSERT_STREQ(s->multi_line_start_pattern, "[^[]");
        ASSERT_EQ(s->initial_position, POSITION_END);
        ASSERT_STREQ(s->encoding, "ascii");
        ASSERT_EQ(s->buffer_duration_ms, 10000);
        ASSERT_EQ(s->batch_count, 500);
        ASSERT_EQ(s->batch_size, 32768);
        s = c->sections[1];
        ASSERT_NULL(s->multi_line_start_pattern);
        /* Defaults. */
        ASSERT_STREQ(s->log_stream_name, "{instance_id}");
        ASSERT_EQ(s->initial_position, POSITION_START);
        ASSERT_FALSE(s->time_zone_utc);
        ASSERT_STREQ(s->encoding, "utf_8");
        ASSERT_EQ(s->fingerprint_first, 1);
        ASSERT_EQ(s->fingerprint_last, 1);
        ASSERT_EQ(s->buffer_duration_ms, 5000);
        ASSERT_EQ(s->batch_count, 10000);
        ASSERT_EQ(s->batch_size, 1048576);
        ASSERT_TRUE(s->create_log_group);
        ASSERT_EQ(s->max_streams, 100);
        ASSERT_EQ(s->retention_in_days, 0);
        ASSERT_EQ(s->priority_min, -1);
        ASSERT_EQ(s->journal_format, JOURNAL_FORMAT_MESSAGE);
}

TEST(general_keys) {
        _cleanup_(config_freep) Config *c = parse_ok("[general]\n"
                                                     "region = eu-west-1\n"
                                                     "endpoint = http://127.0.0.1:4566\n"
                                                     "profile = logs\n"
                                                     "ca_bundle = /etc/ssl/ca.pem\n"
                                                     "queue_size = 3\n"
                                                     "max_event_size = 262144\n"
                                                     "metrics_listen = [::1]:9100\n");

        ASSERT_STREQ(c->general.region, "eu-west-1");
        ASSERT_STREQ(c->general.endpoint, "http://127.0.0.1:4566");
        ASSERT_STREQ(c->general.profile, "logs");
        ASSERT_STREQ(c->general.ca_bundle, "/etc/ssl/ca.pem");
        ASSERT_EQ(c->general.queue_size, 3);
        ASSERT_EQ(c->general.max_event_size, 262144);
        ASSERT_STREQ(c->general.metrics_listen, "[::1]:9100");
        ASSERT_EQ(c->n_sections, 0);
        ASSERT_EQ(strv_length(c->notices), 0);
}

TEST(general_defaults) {
        _cleanup_(config_freep) Config *c = parse_ok("");

        ASSERT_NULL(c->general.region);
        ASSERT_NULL(c->general.endpoint);
        ASSERT_NULL(c->general.profile);
        ASSERT_NULL(c->general.metrics_listen);
        ASSERT_TRUE(c->general.use_gzip);
        ASSERT_EQ(c->general.queue_size, 10);
        ASSERT_EQ(c->general.max_event_size, 1048576);
}

TEST(metrics_listen_forms) {
        static const char *const good[] = { "127.0.0.1:9100", "127.1.2.3:1", "localhost:65535", "[::1]:80" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *text = NULL;
                Config *c;

                ASSERT_TRUE(asprintf(&text, "[general]\nmetrics_listen = %s\n", good[i]) > 0);
                c = parse_ok(text);
                ASSERT_STREQ(c->general.metrics_listen, good[i]);
                config_free(c);
        }
}

TEST(journal_section) {
        _cleanup_(config_freep) Config *c = parse_ok(
                "[web]\n"
                "journal = true\n"
                "log_group_name = web\n"
                "log_stream_name = {instance_id}/{unit}\n"
                "journal_unit = nginx sshd.socket\n"
                "journal_identifier = sudo  su\n"
                "journal_exclude_unit = noisy\n"
                "journal_exclude_identifier = CRON\n"
                "journal_priority = warning..err\n"
                "journal_match = _TRANSPORT=kernel + PRIORITY=3\n"
                "journal_match = _HOSTNAME=web1\n"
                "journal_format = json:MESSAGE, _PID,__CURSOR\n"
                "journal_namespace = app\n"
                "initial_position = end_of_journal\n"
                "exclude_pattern = ^healthcheck\n"
                "retention_in_days = 14\n"
                "create_log_group = no\n"
                "max_streams = 5\n");
        const SectionConfig *s = c->sections[0];

        ASSERT_EQ(s->kind, SOURCE_JOURNAL);
        ASSERT_NULL(s->file);
        ASSERT_EQ(strv_length(s->journal_unit), 2);
        ASSERT_STREQ(s->journal_unit[0], "nginx.service");
        ASSERT_STREQ(s->journal_unit[1], "sshd.socket");
        ASSERT_EQ(strv_length(s->journal_identifier), 2);
        ASSERT_STREQ(s->journal_identifier[1], "su");
        ASSERT_STREQ(s->journal_exclude_unit[0], "noisy.service");
        ASSERT_STREQ(s->journal_exclude_identifier[0], "CRON");
        ASSERT_EQ(s->priority_min, 3);
        ASSERT_EQ(s->priority_max, 4);
        ASSERT_EQ(strv_length(s->journal_match), 2);
        ASSERT_STREQ(s->journal_match[0], "_TRANSPORT=kernel + PRIORITY=3");
        ASSERT_STREQ(s->journal_match[1], "_HOSTNAME=web1");
        ASSERT_EQ(s->journal_format, JOURNAL_FORMAT_JSON);
        ASSERT_EQ(strv_length(s->journal_fields), 3);
        ASSERT_STREQ(s->journal_fields[1], "_PID");
        ASSERT_STREQ(s->journal_namespace, "app");
        ASSERT_EQ(s->initial_position, POSITION_END);
        ASSERT_STREQ(s->exclude_pattern, "^healthcheck");
        ASSERT_EQ(s->retention_in_days, 14);
        ASSERT_FALSE(s->create_log_group);
        ASSERT_EQ(s->max_streams, 5);
}

TEST(syntax_details) {
        /* BOM, CRLF, indented comments, "key: value", no spaces, upper-case keys, a value
         * that contains " #" and " ;" (no inline comments), later duplicate wins. */
        _cleanup_(config_freep) Config *c = parse_ok("\xEF\xBB\xBF[a]\r\n"
                                                     "   # comment\r\n"
                                                     "\t; comment\r\n"
                                                     "FILE: /var/log/a\r\n"
                                                     "Log_Group_Name=one\r\n"
                                                     "log_group_name = two\r\n"
                                                     "datetime_format = %H:%M:%S #1 ;x\r\n"
                                                     "  batch_count   =   7  \r\n");
        const SectionConfig *s = c->sections[0];

        ASSERT_STREQ(s->name, "a");
        ASSERT_STREQ(s->file, "/var/log/a");
        ASSERT_STREQ(s->log_group_name, "two");
        ASSERT_STREQ(s->datetime_format, "%H:%M:%S #1 ;x");
        ASSERT_EQ(s->batch_count, 7);
}

TEST(empty_value_resets_and_journal_match_accumulates) {
        _cleanup_(config_freep) Config *c = parse_ok("[j]\n"
                                                     "journal = true\n"
                                                     "log_group_name = g\n"
                                                     "batch_count = 5\n"
                                                     "batch_count =\n"
                                                     "journal_match = A=1\n"
                                                     "journal_match =\n"
                                                     "journal_match = B=2\n"
                                                     "journal_match = C=3\n"
                                                     "[j]\n"
                                                     "journal_match = D=4\n");
        const SectionConfig *s = c->sections[0];

        ASSERT_EQ(c->n_sections, 1);
        ASSERT_EQ(s->batch_count, 10000);
        ASSERT_EQ(strv_length(s->journal_match), 3);
        ASSERT_STREQ(s->journal_match[0], "B=2");
        ASSERT_STREQ(s->journal_match[2], "D=4");
}

static void write_text(const char *dir, const char *name, const char *text) {
        _cleanup_free_ char *p = NULL;

        ASSERT_TRUE(asprintf(&p, "%s/%s", dir, name) > 0);
        ASSERT_OK(write_file_atomic(p, text, strlen(text)));
}

TEST(dropins_merge_in_lexical_order) {
        _cleanup_free_ char *dir = NULL, *main_path = NULL, *dropins = NULL, *err = NULL;
        Config *c = NULL;
        const SectionConfig *s;

        ASSERT_OK(test_mkdtemp(&dir));
        ASSERT_TRUE(asprintf(&main_path, "%s/main.conf", dir) > 0);
        ASSERT_TRUE(asprintf(&dropins, "%s/conf.d", dir) > 0);
        ASSERT_EQ(mkdir(dropins, 0755), 0);
        write_text(dir, "main.conf", doc_sample);
        write_text(dropins, "20-b.conf", "[general]\nregion = us-west-2\n[/var/log/messages]\nbatch_count = 20\n");
        write_text(dropins, "10-a.conf",
                   "[/var/log/messages]\nbatch_count = 10\nbuffer_duration = 1000\n"
                   "[new]\njournal = true\nlog_group_name = n\n");
        write_text(dropins, "README", "not a config file");
        write_text(dropins, ".hidden.conf", "garbage");
        write_text(dropins, "30-c.conf.disabled", "garbage");
        {
                _cleanup_free_ char *sub = NULL;

                ASSERT_TRUE(asprintf(&sub, "%s/40-dir.conf", dropins) > 0);
                ASSERT_EQ(mkdir(sub, 0755), 0);
        }

        ASSERT_OK(config_load(main_path, dropins, &c, &err));
        ASSERT_STREQ(c->general.region, "us-west-2");
        ASSERT_EQ(c->n_sections, 2);
        s = config_find_section(c, "/var/log/messages");
        ASSERT_EQ(s->batch_count, 20);
        ASSERT_EQ(s->buffer_duration_ms, 1000);
        ASSERT_STREQ(s->origin_file, main_path);
        s = c->sections[1];
        ASSERT_STREQ(s->name, "new");
        ASSERT_EQ(s->kind, SOURCE_JOURNAL);
        /* where cwlogd reads drop-ins differently from the old agent, it says so */
        {
                _cleanup_free_ char *n0 = NULL, *n1 = NULL, *n2 = NULL, *n3 = NULL;

                ASSERT_EQ(strv_length(c->notices), 6);
                ASSERT_TRUE(asprintf(&n0, "%s/30-c.conf.disabled: not read, only *.conf files are (the old agent "
                                     "read every file of its additional configs directory)", dropins) > 0);
                ASSERT_TRUE(asprintf(&n1, "%s/README: not read, only *.conf files are (the old agent read every "
                                     "file of its additional configs directory)", dropins) > 0);
                ASSERT_TRUE(asprintf(&n2, "%s/10-a.conf:1: [/var/log/messages] was already defined at %s:4; the "
                                     "keys here are merged into it (the old agent ignored a repeated section in "
                                     "its additional configs)", dropins, main_path) > 0);
                ASSERT_TRUE(asprintf(&n3, "%s/20-b.conf:1: [general] was already defined at %s:1; the keys here "
                                     "are merged into it (the old agent ignored a repeated section in its "
                                     "additional configs)", dropins, main_path) > 0);
                ASSERT_STREQ(c->notices[0], n0);
                ASSERT_STREQ(c->notices[1], n1);
                ASSERT_STREQ(c->notices[2], n2);
                ASSERT_STREQ(c->notices[3], n3);
                ASSERT_NOT_NULL(strstr(c->notices[4], "20-b.conf:3: [/var/log/messages] was already defined"));
                ASSERT_NOT_NULL(strstr(c->notices[5], "main.conf:2: state_file is ignored"));
        }
        c = config_free(c);

        /* An error in a drop-in names the drop-in and its line. */
        write_text(dropins, "50-bad.conf", "[/var/log/messages]\n\nbatch_count = 0\n");
        ASSERT_ERR(config_load(main_path, dropins, &c, &err), ECONFIG);
        {
                _cleanup_free_ char *expected = NULL;

                ASSERT_TRUE(asprintf(&expected,
                                     "%s/50-bad.conf:3: invalid batch_count '0': must be an integer between 1 and "
                                     "10000",
                                     dropins) > 0);
                ASSERT_STREQ(err, expected);
        }
        err = mfree(err);

        /* A missing drop-in directory is fine. */
        {
                _cleanup_free_ char *sub = NULL;

                ASSERT_TRUE(asprintf(&sub, "%s/40-dir.conf", dropins) > 0);
                ASSERT_EQ(rmdir(sub), 0);
                test_rm_rf(dropins);
        }
        ASSERT_OK(config_load(main_path, dropins, &c, &err));
        ASSERT_EQ(c->sections[0]->batch_count, 10000);
        c = config_free(c);
        test_rm_rf(dir);
}

TEST(load_file_errors) {
        _cleanup_free_ char *dir = NULL, *missing = NULL, *expected = NULL, *err = NULL, *big = NULL;
        Config *c = NULL;

        ASSERT_OK(test_mkdtemp(&dir));
        ASSERT_TRUE(asprintf(&missing, "%s/nope.conf", dir) > 0);
        ASSERT_ERR(config_load(missing, NULL, &c, &err), ENOENT);
        ASSERT_TRUE(asprintf(&expected, "%s: No such file or directory", missing) > 0);
        ASSERT_STREQ(err, expected);
        err = mfree(err);
        expected = mfree(expected);

        ASSERT_ERR(config_load(dir, NULL, &c, &err), EISDIR);
        ASSERT_TRUE(asprintf(&expected, "%s: Is a directory", dir) > 0);
        ASSERT_STREQ(err, expected);
        err = mfree(err);
        expected = mfree(expected);

        write_text(dir, "nul.conf", "[general]\n");
        {
                _cleanup_free_ char *p = NULL;

                ASSERT_TRUE(asprintf(&p, "%s/nul.conf", dir) > 0);
                ASSERT_OK(write_file_atomic(p, "[general]\n\0x\n", 12));
                ASSERT_ERR(config_load(p, NULL, &c, &err), ECONFIG);
                ASSERT_TRUE(asprintf(&expected, "%s: file contains a NUL byte, not a text file", p) > 0);
                ASSERT_STREQ(err, expected);
                err = mfree(err);
                expected = mfree(expected);

                big = calloc(1, CONFIG_FILE_MAX + 2);
                ASSERT_NOT_NULL(big);
                memset(big, '#', CONFIG_FILE_MAX + 1);
                ASSERT_OK(write_file_atomic(p, big, CONFIG_FILE_MAX + 1));
                ASSERT_ERR(config_load(p, NULL, &c, &err), ECONFIG);
                ASSERT_TRUE(asprintf(&expected, "%s: file is larger than %u bytes", p, CONFIG_FILE_MAX) > 0);
                ASSERT_STREQ(err, expected);
                (void) unlink(p);
        }
        ASSERT_NULL(c);
        test_rm_rf(dir);
}

static bool general_defaults_equal(const GeneralConfig *a, const GeneralConfig *b) {
        return a->use_gzip == b->use_gzip && a->queue_size == b->queue_size && a->max_event_size == b->max_event_size;
}

/* The key table's default column is what the parser really does: writing a key with its
 * documented default changes nothing. */
TEST(key_table_defaults_are_real) {
        for (const ConfigKeyDef *k = config_key_defs(); k->info.name; k++) {
                bool journal = k->flags & KEY_JOURNAL_ONLY;
                const char *base = journal ? "[s]\njournal = true\nlog_group_name = g\n"
                                           : "[s]\nfile = /x\nlog_group_name = g\n";
                _cleanup_free_ char *with = NULL, *without = NULL;
                Config *a, *b;

                if (!k->info.default_value || streq(k->info.name, "profile"))
                        continue;
                if (k->info.scope == CONFIG_SCOPE_GENERAL) {
                        ASSERT_TRUE(asprintf(&with, "[general]\n%s = %s\n", k->info.name, k->info.default_value) > 0);
                        without = strdup("");
                } else {
                        ASSERT_TRUE(asprintf(&with, "%s%s = %s\n", base, k->info.name, k->info.default_value) > 0);
                        without = strdup(base);
                }
                a = parse_ok(with);
                b = parse_ok(without);
                if (k->info.scope == CONFIG_SCOPE_GENERAL)
                        ASSERT_TRUE(general_defaults_equal(&a->general, &b->general));
                else if (!section_config_equal(a->sections[0], b->sections[0]))
                        TEST_FAIL_AT("default of '%s' is not what the parser does", k->info.name);
                config_free(a);
                config_free(b);
        }
}

TEST(key_table_is_complete) {
        /* SPEC §3 plus the keys this project added. */
        static const char *const general[] = { "state_file", "region", "endpoint", "profile",
                                               "use_gzip_http_content_encoding", "queue_size", "ca_bundle",
                                               "logging_config_file", "max_event_size", "metrics_listen" };
        static const char *const section[] = {
                "file", "journal", "log_group_name", "log_stream_name", "initial_position", "datetime_format",
                "time_zone", "encoding", "multi_line_start_pattern", "file_fingerprint_lines", "buffer_duration",
                "batch_count", "batch_size", "journal_match", "journal_unit", "journal_identifier",
                "journal_priority", "journal_namespace", "journal_directory", "journal_format", "exclude_pattern",
                "retention_in_days", "create_log_group", "journal_exclude_unit", "journal_exclude_identifier",
                "max_streams",
        };
        const ConfigKeyInfo *t = config_key_table();
        size_t n = 0;

        for (; t[n].name; n++) {
                ASSERT_FALSE(isempty(t[n].description));
                ASSERT_NULL(strchr(t[n].description, '\n'));
                for (size_t j = 0; j < n; j++)
                        ASSERT_FALSE(streq(t[j].name, t[n].name));
        }
        ASSERT_EQ(n, ELEMENTSOF(general) + ELEMENTSOF(section));
        for (size_t i = 0; i < ELEMENTSOF(general); i++) {
                const ConfigKeyDef *k = config_key_lookup(general[i]);

                ASSERT_NOT_NULL(k);
                ASSERT_EQ(k->info.scope, CONFIG_SCOPE_GENERAL);
        }
        for (size_t i = 0; i < ELEMENTSOF(section); i++) {
                const ConfigKeyDef *k = config_key_lookup(section[i]);

                ASSERT_NOT_NULL(k);
                ASSERT_EQ(k->info.scope, CONFIG_SCOPE_SECTION);
        }
}

TEST(section_equality) {
        static const char base[] = "[s]\njournal = true\nlog_group_name = g\njournal_match = A=1\n";
        static const char *const changes[] = {
                "log_group_name = h\n",    "log_stream_name = x\n",     "initial_position = end_of_file\n",
                "buffer_duration = 300\n", "batch_count = 1\n",         "batch_size = 1\n",
                "exclude_pattern = x\n",   "retention_in_days = 1\n",   "create_log_group = false\n",
                "max_streams = 1\n",       "journal_match = B=2\n",     "journal_unit = a\n",
                "journal_identifier = a\n", "journal_exclude_unit = a\n", "journal_exclude_identifier = a\n",
                "journal_priority = 3\n",  "journal_namespace = n\n",   "journal_directory = /d\n",
                "journal_format = json\n", "journal_format = json:A\n",
        };
        _cleanup_(config_freep) Config *a = parse_ok(base), *b = parse_ok(base);

        ASSERT_TRUE(section_config_equal(a->sections[0], b->sections[0]));
        for (size_t i = 0; i < ELEMENTSOF(changes); i++) {
                _cleanup_free_ char *text = NULL;
                Config *c;

                ASSERT_TRUE(asprintf(&text, "%s%s", base, changes[i]) > 0);
                c = parse_ok(text);
                if (section_config_equal(a->sections[0], c->sections[0]))
                        TEST_FAIL_AT("'%s' does not make the section different", changes[i]);
                config_free(c);
        }
}

TEST(section_equality_file_keys) {
        static const char base[] = "[s]\nfile = /a\nlog_group_name = g\n";
        static const char *const changes[] = {
                "file = /b\n", "datetime_format = %H\n", "time_zone = UTC\n", "encoding = latin1\n",
                "multi_line_start_pattern = x\n", "file_fingerprint_lines = 1-2\n",
        };
        _cleanup_(config_freep) Config *a = parse_ok(base), *b = parse_ok("[t]\nfile = /a\nlog_group_name = g\n");

        ASSERT_FALSE(section_config_equal(a->sections[0], b->sections[0])); /* the name */
        for (size_t i = 0; i < ELEMENTSOF(changes); i++) {
                _cleanup_free_ char *text = NULL;
                Config *c;

                ASSERT_TRUE(asprintf(&text, "%s%s", base, changes[i]) > 0);
                c = parse_ok(text);
                if (section_config_equal(a->sections[0], c->sections[0]))
                        TEST_FAIL_AT("'%s' does not make the section different", changes[i]);
                config_free(c);
        }
}

TEST(state_names_are_plain_or_systemd_escaped) {
        static const struct {
                const char *name, *escaped;
        } cases[] = {
                { "/var/log/messages", "-var-log-messages" }, { "logstream1", "logstream1" },
                { "nginx-access", "nginx-access" },            { ".hidden", "\\x2ehidden" },
                { "a b", "a\\x20b" },                          { "na\xc3\xafve", "na\\xc3\\xafve" },
                { "back\\slash", "back\\x5cslash" },           { "x:y_z.w", "x:y_z.w" },
                { "a/b", "a-b" },                              { "a-b/c", "a\\x2db-c" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *e = config_escape_state_name(cases[i].name);

                ASSERT_STREQ(e, cases[i].escaped);
                ASSERT_NULL(strchr(e, '/'));
        }
}

TEST(sections_sharing_a_state_file_are_refused) {
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;

        ASSERT_ERR(config_parse_string("t.conf",
                                       "[/var/log/x]\nfile = /var/log/x\nlog_group_name = g\n"
                                       "[-var-log-x]\nfile = /var/log/y\nlog_group_name = g\n",
                                       &c, &error),
                   ECONFIG);
        ASSERT_NULL(c);
        ASSERT_STREQ(error, "t.conf:4: sections [/var/log/x] and [-var-log-x] would share the state file '-var-log-x'");
}

TEST(encodings) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "utf_8", "utf_8" },         { "UTF-8", "utf_8" },          { "utf8", "utf_8" },
                { "Latin-1", "latin_1" },     { "latin1", "latin_1" },       { "ISO-8859-1", "latin_1" },
                { "iso8859-1", "latin_1" },   { "ascii", "ascii" },          { "US-ASCII", "ascii" },
                { "utf-16", "utf_16" },       { "UTF_16", "utf_16" },        { "utf-16-le", "utf_16_le" },
                { "utf_16_be", "utf_16_be" }, { "Shift_JIS", "shift_jis" },  { "sjis", "shift_jis" },
                { "EUC-JP", "euc_jp" },       { "cp1252", "cp1252" },        { "windows-1252", "cp1252" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL;
                Config *c;

                ASSERT_TRUE(asprintf(&text, "[s]\nfile = /x\nlog_group_name = g\nencoding = %s\n", cases[i].in) > 0);
                c = parse_ok(text);
                ASSERT_STREQ(c->sections[0]->encoding, cases[i].out);
                config_free(c);
        }
        /* Every codec config accepts can really be converted by iconv. */
        for (size_t i = 0; config_encoding_by_index(i); i++) {
                const char *name = config_encoding_iconv_name(config_encoding_by_index(i));
                iconv_t cd;

                ASSERT_NOT_NULL(name);
                cd = iconv_open("UTF-8", name);
                if (cd == (iconv_t) -1)
                        TEST_FAIL_AT("iconv does not know '%s'", name);
                iconv_close(cd);
        }
        ASSERT_NULL(config_encoding_iconv_name("klingon"));
}

/* Python's ConfigParser [DEFAULT]: its keys are every section's defaults, each where it
 * belongs; a section's own value wins; journal sections ignore file-only defaults. */
TEST(defaults_section) {
        _cleanup_(config_freep) Config *c = parse_ok("[DEFAULT]\n"
                                                     "buffer_duration = 10000\n"
                                                     "datetime_format = %Y-%m-%d %H:%M:%S\n"
                                                     "state_file = /var/awslogs/state/agent-state\n"
                                                     "log_group_name = shared\n"
                                                     "[a]\n"
                                                     "file = /var/log/a\n"
                                                     "[b]\n"
                                                     "file = /var/log/b\n"
                                                     "buffer_duration = 2000\n"
                                                     "log_group_name = own\n"
                                                     "[j]\n"
                                                     "journal = true\n");

        ASSERT_EQ(c->n_sections, 3);
        ASSERT_STREQ(c->sections[0]->name, "a");
        ASSERT_EQ(c->sections[0]->buffer_duration_ms, 10000);
        ASSERT_STREQ(c->sections[0]->datetime_format, "%Y-%m-%d %H:%M:%S");
        ASSERT_STREQ(c->sections[0]->log_group_name, "shared");
        ASSERT_EQ(c->sections[1]->buffer_duration_ms, 2000);
        ASSERT_STREQ(c->sections[1]->log_group_name, "own");
        ASSERT_EQ(c->sections[2]->kind, SOURCE_JOURNAL);
        ASSERT_STREQ(c->sections[2]->log_group_name, "shared");
        /* state_file, a [general] key, applied to [general] (there is none: made up) */
        ASSERT_EQ(strv_length(c->notices), 1);
        ASSERT_STREQ(c->notices[0], "t.conf:4: state_file is ignored: cwlogd keeps its state in the state "
                                    "directory (--state-dir)");
}

TEST(max_event_size_reaches_sections) {
        _cleanup_(config_freep) Config *c = parse_ok("[a]\nfile = /var/log/a\nlog_group_name = g\n"
                                                     "[general]\nmax_event_size = 262144\n");
        _cleanup_(config_freep) Config *d = parse_ok("[a]\nfile = /var/log/a\nlog_group_name = g\n");

        ASSERT_EQ(c->sections[0]->max_event_size, 262144);
        ASSERT_EQ(d->sections[0]->max_event_size, 1048576);
        ASSERT_FALSE(section_config_equal(c->sections[0], d->sections[0]));
}

TEST_MAIN()
