/* SPDX-License-Identifier: MIT */
/* log_stream_name templates: validation messages, rendering, and the names CloudWatch gets. */

#include "cw-limits.h"
#include "stream-name.h"
#include "test.h"

static const HostFacts host = {
        .instance_id = "i-0123456789abcdef0",
        .hostname = "web1.example.com",
        .ip_address = "10.0.0.7",
        .machine_id = "4f1c0d1e2a3b4c5d6e7f809112233445",
        .boot_id = "0123456789abcdef0123456789abcdef",
};

static char *render(const char *t, const HostFacts *h, const char *unit, const char *identifier) {
        char *s = NULL;

        ASSERT_OK(stream_name_render(t, h, unit, identifier, &s));
        return s;
}

#define ASSERT_RENDERS(t, h, unit, ident, expected)                                               \
        do {                                                                                      \
                char *_s_ = render((t), (h), (unit), (ident));                                    \
                ASSERT_STREQ(_s_, (expected));                                                    \
                free(_s_);                                                                        \
        } while (0)

#define ASSERT_INVALID(t, expected)                                                               \
        do {                                                                                      \
                char *_e_ = NULL;                                                                 \
                ASSERT_ERR(stream_template_validate((t), &_e_), EINVAL);                          \
                ASSERT_STREQ(_e_, (expected));                                                    \
                free(_e_);                                                                        \
        } while (0)

TEST(validate) {
        ASSERT_OK(stream_template_validate("{instance_id}", NULL));
        ASSERT_OK(stream_template_validate("plain", NULL));
        ASSERT_OK(stream_template_validate("", NULL));
        ASSERT_OK(stream_template_validate("{hostname}/{unit}-{identifier}:{ip_address}{machine_id}{boot_id}", NULL));
        ASSERT_OK(stream_template_validate("{{literal}}", NULL));
        ASSERT_INVALID("{nope}", "unknown placeholder '{nope}' (known: {instance_id}, {hostname}, {ip_address}, "
                                 "{machine_id}, {boot_id}, {unit}, {identifier})");
        ASSERT_INVALID("{}", "unknown placeholder '{}' (known: {instance_id}, {hostname}, {ip_address}, "
                             "{machine_id}, {boot_id}, {unit}, {identifier})");
        ASSERT_INVALID("ab{unit", "unbalanced '{' at offset 2 (write '{{' for a literal brace)");
        ASSERT_INVALID("{a{unit}", "unbalanced '{' at offset 0 (write '{{' for a literal brace)");
        ASSERT_INVALID("x}", "unbalanced '}' at offset 1 (write '}}' for a literal brace)");
        ASSERT_ERR(stream_template_validate("{x}", NULL), EINVAL);
}

TEST(per_event) {
        ASSERT_FALSE(stream_template_is_per_event("{instance_id}-{hostname}"));
        ASSERT_TRUE(stream_template_is_per_event("{instance_id}/{unit}"));
        ASSERT_TRUE(stream_template_is_per_event("{identifier}"));
        ASSERT_FALSE(stream_template_is_per_event("{{unit}}"));
        ASSERT_FALSE(stream_template_is_per_event("{bad"));
}

TEST(render_host_and_event) {
        ASSERT_RENDERS("{instance_id}", &host, NULL, NULL, "i-0123456789abcdef0");
        ASSERT_RENDERS("{hostname}-{ip_address}", &host, NULL, NULL, "web1.example.com-10.0.0.7");
        ASSERT_RENDERS("{machine_id}/{boot_id}", &host, NULL, NULL,
                       "4f1c0d1e2a3b4c5d6e7f809112233445/0123456789abcdef0123456789abcdef");
        ASSERT_RENDERS("{instance_id}/{unit}", &host, "nginx.service", NULL, "i-0123456789abcdef0/nginx.service");
        ASSERT_RENDERS("{identifier}", &host, "x", "sshd", "sshd");
        ASSERT_RENDERS("{unit}|{identifier}", &host, NULL, "", "unknown|unknown");
        ASSERT_RENDERS("{hostname}", &(HostFacts) {}, NULL, NULL, "unknown");
        ASSERT_RENDERS("{hostname}", NULL, NULL, NULL, "unknown");
        ASSERT_RENDERS("{{{hostname}}}", &host, NULL, NULL, "{web1.example.com}");
}

TEST(render_rejects_bad_template) {
        char *s = NULL;

        ASSERT_ERR(stream_name_render("{nope}", &host, NULL, NULL, &s), EINVAL);
        ASSERT_NULL(s);
}

TEST(forbidden_characters) {
        ASSERT_RENDERS("a:b*c", &host, NULL, NULL, "a_b_c");
        /* Per-event values get the same treatment: a unit name with ':' is common. */
        ASSERT_RENDERS("{unit}", &host, "systemd-fsck@dev-disk-by\\x2duuid-1:2.service", NULL,
                       "systemd-fsck@dev-disk-by\\x2duuid-1_2.service");
        ASSERT_RENDERS("{identifier}", &host, NULL, "tab\there\x7f", "tab_here_");
        ASSERT_RENDERS("{identifier}", &host, NULL, "bad\xff\xfe utf8 \xc3", "bad__ utf8 _");
        ASSERT_RENDERS("{identifier}", &host, NULL, "\xed\xa0\x80", "___"); /* surrogate */
        ASSERT_RENDERS("{identifier}", &host, NULL, "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93");
}

TEST(empty_becomes_underscore) {
        ASSERT_RENDERS("", &host, NULL, NULL, "_");
        ASSERT_RENDERS("{identifier}", &host, NULL, NULL, "unknown");
}

TEST(cut_on_utf8_boundary) {
        char t[CW_MAX_STREAM_NAME + 16], *s = NULL;

        /* 511 ASCII bytes then a 2-byte character: the character does not fit. */
        memset(t, 'a', CW_MAX_STREAM_NAME - 1);
        memcpy(t + CW_MAX_STREAM_NAME - 1, "\xc3\xa9xyz", 6);
        ASSERT_OK(stream_name_sanitize(t, &s));
        ASSERT_EQ(strlen(s), CW_MAX_STREAM_NAME - 1);
        ASSERT_EQ(s[CW_MAX_STREAM_NAME - 2], 'a');
        free(s);

        /* 510 + the 2-byte character fits exactly. */
        memcpy(t + CW_MAX_STREAM_NAME - 2, "\xc3\xa9xyz", 6);
        ASSERT_OK(stream_name_sanitize(t, &s));
        ASSERT_EQ(strlen(s), CW_MAX_STREAM_NAME);
        ASSERT_STREQ(s + CW_MAX_STREAM_NAME - 2, "\xc3\xa9");
        free(s);
}

TEST(long_per_event_value_is_cut) {
        char *v = malloc(200000), *s = NULL;

        ASSERT_NOT_NULL(v);
        memset(v, 'u', 199999);
        v[199999] = 0;
        ASSERT_OK(stream_name_render("prefix-{unit}", &host, v, NULL, &s));
        ASSERT_EQ(strlen(s), CW_MAX_STREAM_NAME);
        ASSERT_TRUE(strncmp(s, "prefix-uuu", 10) == 0);
        free(s);
        free(v);
}

TEST_MAIN()
