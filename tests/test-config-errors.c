/* SPDX-License-Identifier: MIT */
/*
 * Every configuration mistake a user can make, with the exact "FILE:LINE: message" that
 * --check-config will print for it.
 */

#include "config.h"
#include "shared/log.h"
#include "test.h"

#define ASSERT_CONFIG_ERROR(text, expected)                                                       \
        do {                                                                                      \
                Config *_c_ = NULL;                                                               \
                char *_e_ = NULL;                                                                 \
                int _r_ = config_parse_string("t.conf", (text), &_c_, &_e_);                      \
                if (_r_ != -ECONFIG)                                                              \
                        TEST_FAIL_AT("expected -ECONFIG, got %d (%s)", _r_, _e_ ? _e_ : "no error"); \
                ASSERT_NULL(_c_);                                                                 \
                ASSERT_STREQ(_e_, (expected));                                                    \
                free(_e_);                                                                        \
        } while (0)

TEST(structure_errors) {
        ASSERT_CONFIG_ERROR("file = /x\n[s]\n",
                            "t.conf:1: key 'file' is outside of any section (put it under [general] or a stream "
                            "section)");
        ASSERT_CONFIG_ERROR("[general]\n\ngarbage line\n",
                            "t.conf:3: expected 'key = value' or '[section]', got 'garbage line'");
        ASSERT_CONFIG_ERROR("[general]\n= x\n", "t.conf:2: missing key before '='");
        ASSERT_CONFIG_ERROR("# c\n[general\n", "t.conf:2: section header is missing its closing ']'");
        ASSERT_CONFIG_ERROR("[  ]\n", "t.conf:1: empty section name");
        ASSERT_CONFIG_ERROR("[a]b]\n", "t.conf:1: invalid character in section name [a]b]");
        ASSERT_CONFIG_ERROR("[s]\nlog_group_nme = g\n",
                            "t.conf:2: unknown key 'log_group_nme' in section [s], did you mean 'log_group_name'?");
        ASSERT_CONFIG_ERROR("[s]\nMax_Stream = 3\n",
                            "t.conf:2: unknown key 'Max_Stream' in section [s], did you mean 'max_streams'?");
        ASSERT_CONFIG_ERROR("[s]\nfrobnicate = 1\n", "t.conf:2: unknown key 'frobnicate' in section [s]");
        /* [DEFAULT]: its values are checked where they apply, and reported at its own lines */
        ASSERT_CONFIG_ERROR("[DEFAULT]\nbuffer_duration = 1\n[s]\nfile = /x\nlog_group_name = g\n",
                            "t.conf:2: invalid buffer_duration '1': must be an integer between 200 and 86400000");
        ASSERT_CONFIG_ERROR("[DEFAULT]\nfrobnicate = 1\n", "t.conf:2: unknown key 'frobnicate' in section [DEFAULT]");
        ASSERT_CONFIG_ERROR("[general]\nregoin = x\n",
                            "t.conf:2: unknown key 'regoin' in section [general], did you mean 'region'?");
        ASSERT_CONFIG_ERROR("[s]\nregion = us-east-1\n", "t.conf:2: key 'region' is only valid in [general]");
        ASSERT_CONFIG_ERROR("[general]\nfile = /x\n",
                            "t.conf:2: key 'file' is not valid in [general], only in stream sections");
}

TEST(section_name_too_long) {
        char text[64] = "[";

        /* Plain names are used as they are: 201 > 200. */
        char plain[256] = "[";

        memset(plain + 1, 'a', 201);
        memcpy(plain + 202, "]\n", 3);
        {
                char expected[512];

                (void) snprintf(expected, sizeof expected,
                                "t.conf:1: section name [%.*s] is too long for a state file name", 201, plain + 1);
                ASSERT_CONFIG_ERROR(plain, expected);
        }
        /* Escaped names count escaped: each '~' becomes \x7e, 51 * 4 = 204 > 200. */
        memset(text + 1, '~', 51);
        memcpy(text + 52, "]\n", 3);
        ASSERT_CONFIG_ERROR(text, "t.conf:1: section name [~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~] "
                                  "is too long for a state file name");
}

TEST(section_errors) {
        ASSERT_CONFIG_ERROR("[general]\n\n[s]\nlog_group_name = g\n",
                            "t.conf:3: section [s] has neither file nor journal = true");
        ASSERT_CONFIG_ERROR("[s]\nlog_group_name = g\nfile = /x\njournal = false\n[t]\njournal = yes\n",
                            "t.conf:5: section [t] has no log_group_name");
        ASSERT_CONFIG_ERROR("[s]\nlog_group_name = g\nfile = /x\njournal = true\n",
                            "t.conf:4: journal = true cannot be combined with file in section [s]");
        ASSERT_CONFIG_ERROR("[s]\nlog_group_name = g\nfile = /x\njournal_unit = nginx\n",
                            "t.conf:4: journal_unit is only valid with journal = true");
        /* Without file either, the journal key is the better hint. */
        ASSERT_CONFIG_ERROR("[s]\nlog_group_name = g\njournal_priority = err\n",
                            "t.conf:3: journal_priority is only valid with journal = true");
        ASSERT_CONFIG_ERROR("[s]\njournal = 1\nlog_group_name = g\ndatetime_format = %H\n",
                            "t.conf:4: datetime_format is only valid for files, not with journal = true");
        ASSERT_CONFIG_ERROR("[s]\nfile = /x\nlog_stream_name = {hostname}-{unit}\n",
                            "t.conf:3: {unit} and {identifier} in log_stream_name are only available with "
                            "journal = true");
        ASSERT_CONFIG_ERROR("[s]\njournal = 1\nlog_group_name = g\njournal_directory = /d\njournal_namespace = n\n",
                            "t.conf:4: journal_namespace and journal_directory cannot both be set in section [s]");
}

/* One bad line appended to a valid file section (line 4) or journal section (line 4). */
static const struct {
        bool journal;
        const char *line, *message;
} bad_values[] = {
        { false, "journal = maybe", "invalid journal 'maybe': expected true or false" },
        { false, "create_log_group = 2", "invalid create_log_group '2': expected true or false" },
        { false, "batch_count = 0", "invalid batch_count '0': must be an integer between 1 and 10000" },
        { false, "batch_count = 10001", "invalid batch_count '10001': must be an integer between 1 and 10000" },
        { false, "batch_count = ten", "invalid batch_count 'ten': must be an integer between 1 and 10000" },
        { false, "batch_count = -1", "invalid batch_count '-1': must be an integer between 1 and 10000" },
        { false, "batch_size = 1048577", "invalid batch_size '1048577': must be an integer between 1 and 1048576" },
        { false, "buffer_duration = 199",
          "invalid buffer_duration '199': must be an integer between 200 and 86400000" },
        { false, "max_streams = 0", "invalid max_streams '0': must be an integer between 1 and 10000" },
        { false, "initial_position = middle",
          "invalid initial_position 'middle': expected start_of_file, end_of_file, start_of_journal or "
          "end_of_journal" },
        { false, "time_zone = CET", "invalid time_zone 'CET': expected LOCAL or UTC" },
        { false, "encoding = klingon",
          "invalid encoding 'klingon': not a supported codec (e.g. utf_8, ascii, latin_1, cp1252, utf_16, "
          "shift_jis, euc_jp)" },
        { false, "file_fingerprint_lines = 0",
          "invalid file_fingerprint_lines '0': expected N or N-M with 1 <= N <= M <= 1000" },
        { false, "file_fingerprint_lines = 3-2",
          "invalid file_fingerprint_lines '3-2': expected N or N-M with 1 <= N <= M <= 1000" },
        { false, "file_fingerprint_lines = 1-",
          "invalid file_fingerprint_lines '1-': expected N or N-M with 1 <= N <= M <= 1000" },
        { false, "file_fingerprint_lines = -2",
          "invalid file_fingerprint_lines '-2': expected N or N-M with 1 <= N <= M <= 1000" },
        { false, "datetime_format = %Y-%Q", "invalid datetime_format '%Y-%Q': unsupported directive '%Q'" },
        { false, "datetime_format = 100%", "invalid datetime_format '100%': ends with a lone '%'" },
        { false, "exclude_pattern = (abc",
          "invalid exclude_pattern '(abc': missing closing parenthesis at offset 4" },
        { false, "multi_line_start_pattern = [",
          "invalid multi_line_start_pattern '[': missing terminating ] for character class at offset 1" },
        { false, "retention_in_days = 2",
          "invalid retention_in_days '2': CloudWatch accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, "
          "545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653" },
        { false, "log_group_name = bad group",
          "invalid log_group_name 'bad group': must be 1-512 characters of A-Z, a-z, 0-9 and '_' '.' '/' '#' '-'" },
        { false, "log_stream_name = {instance}",
          "invalid log_stream_name '{instance}': unknown placeholder '{instance}' (known: {instance_id}, "
          "{hostname}, {ip_address}, {machine_id}, {boot_id}, {unit}, {identifier})" },
        { false, "log_stream_name = a{hostname",
          "invalid log_stream_name 'a{hostname': unbalanced '{' at offset 1 (write '{{' for a literal brace)" },
        { false, "file = var/log/x", "invalid file 'var/log/x': must be an absolute path" },
        { true, "journal_priority = loud",
          "invalid journal_priority 'loud': expected a level (emerg, alert, crit, err, warning, notice, info, "
          "debug or 0-7) or a range such as err..warning" },
        { true, "journal_match = nginx",
          "invalid journal_match: journal match 'nginx' is not a FIELD=VALUE term" },
        { true, "journal_match = /usr/bin/sshd",
          "invalid journal_match: journal match '/usr/bin/sshd' is a path; journalctl's path matches are not "
          "supported, use a FIELD=VALUE term such as _EXE=/usr/bin/sshd" },
        { true, "journal_match = _comm=x",
          "invalid journal_match: journal match '_comm=x' has an invalid field name (expected 1-64 of A-Z, 0-9, "
          "'_', not starting with a digit or \"__\")" },
        { true, "journal_match = A=1 +", "invalid journal_match: '+' can only be used between match terms" },
        { true, "journal_unit = nginx *.service",
          "invalid unit name '*.service' in journal_unit: expected a name such as nginx or nginx.service (globs "
          "and paths are not supported)" },
        { true, "journal_exclude_unit = /dev/sda",
          "invalid unit name '/dev/sda' in journal_exclude_unit: expected a name such as nginx or nginx.service "
          "(globs and paths are not supported)" },
        { true, "journal_format = xml", "invalid journal_format 'xml': expected message, short, json or json:F1,F2" },
        { true, "journal_format = json:MESSAGE,message",
          "invalid journal_format 'json:MESSAGE,message': 'message' is not a journal field name" },
        { true, "journal_format = json:", "invalid journal_format 'json:': no field names after 'json:'" },
        { true, "journal_namespace = a/b", "invalid journal_namespace 'a/b': not a journal namespace name" },
        { true, "journal_directory = journal", "invalid journal_directory 'journal': must be an absolute path" },
};

TEST(bad_values) {
        for (size_t i = 0; i < ELEMENTSOF(bad_values); i++) {
                _cleanup_free_ char *text = NULL, *expected = NULL;

                ASSERT_TRUE(asprintf(&text, "[s]\n%s\nlog_group_name = g\n%s\n",
                                     bad_values[i].journal ? "journal = true" : "file = /x", bad_values[i].line) > 0);
                ASSERT_TRUE(asprintf(&expected, "t.conf:4: %s", bad_values[i].message) > 0);
                ASSERT_CONFIG_ERROR(text, expected);
        }
}

TEST(bad_general_values) {
        ASSERT_CONFIG_ERROR("[general]\nqueue_size = 0\n",
                            "t.conf:2: invalid queue_size '0': must be an integer between 1 and 1000");
        ASSERT_CONFIG_ERROR("[general]\nmax_event_size = 40\n",
                            "t.conf:2: invalid max_event_size '40': must be an integer between 41 and 1048576");
        ASSERT_CONFIG_ERROR("[general]\nmax_event_size = 1048577\n",
                            "t.conf:2: invalid max_event_size '1048577': must be an integer between 41 and 1048576");
        ASSERT_CONFIG_ERROR("[general]\nuse_gzip_http_content_encoding = gzip\n",
                            "t.conf:2: invalid use_gzip_http_content_encoding 'gzip': expected true or false");
        ASSERT_CONFIG_ERROR("[general]\nregion = US East\n",
                            "t.conf:2: invalid region 'US East': expected a region name such as us-east-1");
        ASSERT_CONFIG_ERROR("[general]\nendpoint = logs.example.com\n",
                            "t.conf:2: invalid endpoint 'logs.example.com': expected an http:// or https:// URL");
        ASSERT_CONFIG_ERROR("[general]\nmetrics_listen = 0.0.0.0:9100\n",
                            "t.conf:2: invalid metrics_listen '0.0.0.0:9100': '0.0.0.0' is not a loopback address "
                            "(the metrics endpoint has no authentication)");
        ASSERT_CONFIG_ERROR("[general]\nmetrics_listen = 127.0.0.1\n",
                            "t.conf:2: invalid metrics_listen '127.0.0.1': expected HOST:PORT such as "
                            "127.0.0.1:9100 or [::1]:9100");
        ASSERT_CONFIG_ERROR("[general]\nmetrics_listen = [::1]:0\n",
                            "t.conf:2: invalid metrics_listen '[::1]:0': expected HOST:PORT such as 127.0.0.1:9100 "
                            "or [::1]:9100");
        ASSERT_CONFIG_ERROR("[general]\nca_bundle = ca.pem\n",
                            "t.conf:2: invalid ca_bundle 'ca.pem': must be an absolute path");
}

/* The first error wins, and its location is the line that set the bad value last. */
TEST(error_location_follows_override) {
        ASSERT_CONFIG_ERROR("[s]\nfile = /x\nlog_group_name = g\nbatch_count = 5\n[t]\nfile=/y\nlog_group_name=h\n"
                            "[s]\nbatch_count = 0\n",
                            "t.conf:9: invalid batch_count '0': must be an integer between 1 and 10000");
}

TEST_MAIN()
