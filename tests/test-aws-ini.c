/* SPDX-License-Identifier: MIT */
/* The AWS shared-file parser: what the AWS CLI accepts is read the same, errors name FILE:LINE. */

#include "aws-ini.h"
#include "cw-limits.h"
#include "test.h"

static AwsIni *parse(const char *text, AwsIniKind kind) {
        AwsIni *ini = NULL;
        char *error = NULL;
        int r;

        r = aws_ini_parse(text, strlen(text), "test.ini", kind, &ini, &error);
        if (r < 0)
                fprintf(stderr, "unexpected error %d: %s\n", r, strna(error));
        free(error);
        return ini;
}

static char *parse_error(const char *text, AwsIniKind kind) {
        AwsIni *ini = NULL;
        char *error = NULL;

        if (aws_ini_parse(text, strlen(text), "test.ini", kind, &ini, &error) != -EBADMSG) {
                aws_ini_free(ini);
                free(error);
                return NULL;
        }
        return error;
}

TEST(credentials_file_sections_are_profiles) {
        AwsIni *ini = parse("# comment\n"
                            "; other comment\n"
                            "[default]\n"
                            "aws_access_key_id = AKIDDEFAULT\n"
                            "AWS_Secret_Access_Key=secret/with=equals\n"
                            "\n"
                            "[ work ]  \r\n"
                            "aws_access_key_id: AKIDWORK\r\n"
                            "aws_session_token =\n"
                            "[profile odd]\n"
                            "region = x\n",
                            AWS_INI_CREDENTIALS);

        ASSERT_NOT_NULL(ini);
        ASSERT_STREQ(aws_ini_get_profile(ini, "default", "aws_access_key_id"), "AKIDDEFAULT");
        ASSERT_STREQ(aws_ini_get_profile(ini, "default", "aws_secret_access_key"), "secret/with=equals");
        ASSERT_STREQ(aws_ini_get_profile(ini, "work", "AWS_ACCESS_KEY_ID"), "AKIDWORK");
        ASSERT_STREQ(aws_ini_get_profile(ini, "work", "aws_session_token"), "");
        ASSERT_NULL(aws_ini_get_profile(ini, "work", "aws_secret_access_key"));
        /* In the credentials file "[profile odd]" is a profile literally named "profile odd". */
        ASSERT_STREQ(aws_ini_get_profile(ini, "profile odd", "region"), "x");
        ASSERT_FALSE(aws_ini_has_profile(ini, "odd"));
        ASSERT_FALSE(aws_ini_has_profile(ini, "missing"));
        aws_ini_free(ini);
}

TEST(config_file_uses_profile_prefix) {
        AwsIni *ini = parse("[default]\n"
                            "region = eu-west-1\n"
                            "[profile dev]\n"
                            "region = us-east-2\n"
                            "credential_process = /usr/bin/helper --arg=1 # not a comment\n"
                            "[dev]\n"
                            "region = ignored-untyped\n"
                            "[sso-session corp]\n"
                            "sso_region = us-east-1\n"
                            "[profile  default ]\n"
                            "output = json\n",
                            AWS_INI_CONFIG);

        ASSERT_NOT_NULL(ini);
        ASSERT_STREQ(aws_ini_get_profile(ini, "default", "region"), "eu-west-1");
        ASSERT_STREQ(aws_ini_get_profile(ini, "default", "output"), "json");
        ASSERT_STREQ(aws_ini_get_profile(ini, "dev", "region"), "us-east-2");
        ASSERT_STREQ(aws_ini_get_profile(ini, "dev", "credential_process"),
                     "/usr/bin/helper --arg=1 # not a comment");
        ASSERT_STREQ(aws_ini_get(ini, "sso-session", "corp", "sso_region"), "us-east-1");
        ASSERT_STREQ(aws_ini_get(ini, NULL, "dev", "region"), "ignored-untyped");
        aws_ini_free(ini);
}

/* As in configparser: a line indented deeper than the key above continues that key, even if
 * it looks like a section header. */
TEST(indented_header_after_key_is_a_continuation) {
        AwsIni *ini = parse("[default]\nregion = a\n  [other]\nregion = b\n", AWS_INI_CONFIG);

        ASSERT_NOT_NULL(ini);
        ASSERT_STREQ(aws_ini_get_profile(ini, "default", "region"), "b");
        ASSERT_FALSE(aws_ini_has_section(ini, NULL, "other"));
        aws_ini_free(ini);
}

TEST(nested_subsections_are_skipped_and_later_keys_win) {
        AwsIni *ini = parse("[profile a]\n"
                            "s3 =\n"
                            "  max_concurrent_requests = 20\n"
                            "  region = wrong\n"
                            "region = us-west-2\n"
                            "  indented_continuation = wrong\n"
                            "[profile b]\n"
                            "  region = indented-ok\n"
                            "  output = text\n"
                            "[profile a]\n"
                            "region = later-wins\n",
                            AWS_INI_CONFIG);

        ASSERT_NOT_NULL(ini);
        ASSERT_STREQ(aws_ini_get_profile(ini, "a", "s3"), "");
        ASSERT_NULL(aws_ini_get_profile(ini, "a", "max_concurrent_requests"));
        ASSERT_NULL(aws_ini_get_profile(ini, "a", "indented_continuation"));
        ASSERT_STREQ(aws_ini_get_profile(ini, "a", "region"), "later-wins");
        ASSERT_STREQ(aws_ini_get_profile(ini, "b", "region"), "indented-ok");
        ASSERT_STREQ(aws_ini_get_profile(ini, "b", "output"), "text");
        aws_ini_free(ini);
}

TEST(errors_name_file_and_line) {
        struct {
                const char *text, *error;
        } cases[] = {
                { "key = value\n", "test.ini:1: key outside of any section" },
                { "[default]\nthis is not ini\n", "test.ini:2: expected 'key = value', '[section]' or a comment" },
                { "[default]\n\n[unclosed\n", "test.ini:3: section header without closing ']'" },
                { "[]\n", "test.ini:1: empty section name" },
                { "[default] junk\n", "test.ini:1: unexpected text after section header" },
                { "[default]\n = value\n", "test.ini:2: empty key" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *e = parse_error(cases[i].text, AWS_INI_CONFIG);
                ASSERT_STREQ(e, cases[i].error);
        }
}

TEST(errors_never_quote_content) {
        _cleanup_free_ char *e = parse_error("[default]\nwJalrXUtnFEMI/K7MDENG\n", AWS_INI_CREDENTIALS);

        ASSERT_NOT_NULL(e);
        ASSERT_NULL(strstr(e, "wJalr"));
}

TEST(nul_bytes_and_oversize_are_refused) {
        static const char text[] = "[default]\nkey = a\0b\n";
        _cleanup_free_ char *big = NULL;
        AwsIni *ini = NULL;
        char *error = NULL;

        ASSERT_ERR(aws_ini_parse(text, sizeof text - 1, "f", AWS_INI_CONFIG, &ini, &error), EBADMSG);
        ASSERT_STREQ(error, "f:2: NUL byte in file");
        free(error);
        big = calloc(1, AWS_INI_FILE_MAX + 2);
        ASSERT_NOT_NULL(big);
        memset(big, '#', AWS_INI_FILE_MAX + 1);
        ASSERT_ERR(aws_ini_parse(big, AWS_INI_FILE_MAX + 1, "f", AWS_INI_CONFIG, &ini, NULL), EFBIG);
        ASSERT_NULL(ini);
}

TEST(load_reports_missing_file_and_reads_real_one) {
        char dir[] = "/tmp/test-aws-ini-XXXXXX";
        _cleanup_free_ char *path = NULL;
        AwsIni *ini = NULL;
        char *error = NULL;
        FILE *f;

        ASSERT_NOT_NULL(mkdtemp(dir));
        ASSERT_TRUE(asprintf(&path, "%s/credentials", dir) > 0);
        ASSERT_ERR(aws_ini_load(path, AWS_INI_CREDENTIALS, &ini, &error), ENOENT);
        ASSERT_NULL(error);
        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        fputs("[default]\naws_access_key_id = AKID\n[broken\n", f);
        fclose(f);
        ASSERT_ERR(aws_ini_load(path, AWS_INI_CREDENTIALS, &ini, &error), EBADMSG);
        ASSERT_TRUE(strstr(error, path) == error && strstr(error, ":3: "));
        free(error);
        error = NULL;
        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        fputs("[default]\naws_access_key_id = AKID\n", f);
        fclose(f);
        ASSERT_OK(aws_ini_load(path, AWS_INI_CREDENTIALS, &ini, &error));
        ASSERT_STREQ(aws_ini_get_profile(ini, "default", "aws_access_key_id"), "AKID");
        aws_ini_free(ini);
        ASSERT_ERR(aws_ini_load(dir, AWS_INI_CREDENTIALS, &ini, &error), EISDIR);
        (void) unlink(path);
        ASSERT_OK(rmdir(dir));
}

TEST_MAIN()
