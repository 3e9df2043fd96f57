/* SPDX-License-Identifier: MIT */
/* Parsers of STS XML and container/IMDS JSON answers: exact fields or refusal. */

#include "credentials-response.h"
#include "test.h"

#define STS_OK                                                                                     \
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n" \
        "  <AssumeRoleWithWebIdentityResult>\n"                                                    \
        "    <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken>\n" \
        "    <Credentials>\n"                                                                      \
        "      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"                                           \
        "      <SecretAccessKey>se/cr+et&amp;x</SecretAccessKey>\n"                                \
        "      <SessionToken>FwoGZXIvYXdzE==</SessionToken>\n"                                    \
        "      <Expiration>2030-01-02T03:04:05Z</Expiration>\n"                                    \
        "    </Credentials>\n"                                                                     \
        "  </AssumeRoleWithWebIdentityResult>\n"                                                   \
        "</AssumeRoleWithWebIdentityResponse>\n"

TEST(sts_credentials) {
        AwsCredentials c = {};

        ASSERT_OK(sts_parse_credentials(STS_OK, strlen(STS_OK), &c));
        ASSERT_STREQ(c.access_key_id, "ASIAEXAMPLE");
        ASSERT_STREQ(c.secret_access_key, "se/cr+et&x");
        ASSERT_STREQ(c.session_token, "FwoGZXIvYXdzE==");
        ASSERT_EQ(c.expiration, 1893553445ULL * USEC_PER_SEC);
        aws_credentials_done(&c);
}

TEST(sts_refuses_odd_shapes) {
        static const char *const bad[] = {
                "",
                "<Credentials></Credentials>",
                "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
                "<SessionToken>T</SessionToken></Credentials>",
                "<Credentials><AccessKeyId>A</AccessKeyId><AccessKeyId>B</AccessKeyId><SecretAccessKey>S"
                "</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
                "</Credentials>",
                "<Credentials><AccessKeyId>A&#65;</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
                "<SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>",
                "<Credentials><AccessKeyId><b>A</b></AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
                "<SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>",
                "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
                "<SessionToken>T</SessionToken><Expiration>soon</Expiration></Credentials>",
                "<Credentials><AccessKeyId>A</AccessKeyId></Credentials><Credentials></Credentials>",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                AwsCredentials c = {};

                ASSERT_ERR(sts_parse_credentials(bad[i], strlen(bad[i]), &c), EBADMSG);
                ASSERT_NULL(c.access_key_id);
        }
}

TEST(sts_error_code) {
        static const char err[] = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                                  "<Message>secret-ish detail</Message></Error></ErrorResponse>";
        static const char evil[] = "<Error><Code>a b<script></Code></Error>";
        _cleanup_free_ char *code = sts_parse_error_code(err, strlen(err));

        ASSERT_STREQ(code, "InvalidIdentityToken");
        ASSERT_NULL(sts_parse_error_code(evil, strlen(evil)));
        ASSERT_NULL(sts_parse_error_code("nothing", 7));
}

TEST(container_and_imds_json) {
        static const char ecs[] = "{\"RoleArn\":\"arn:aws:iam::1:role/r\",\"AccessKeyId\":\"ASIAECS\","
                                  "\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2030-01-02T03:04:05Z\"}";
        static const char imds[] = "{\"Code\":\"Success\",\"LastUpdated\":\"2025-01-01T00:00:00Z\",\"Type\":\"AWS-HMAC\","
                                   "\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
                                   "\"Expiration\":\"2030-01-02T03:04:05Z\"}";
        static const char failed[] = "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"AccessKeyId\":\"A\","
                                     "\"SecretAccessKey\":\"s\"}";
        static const char no_secret[] = "{\"AccessKeyId\":\"A\",\"Token\":\"t\"}";
        AwsCredentials c = {};

        ASSERT_OK(container_parse_credentials(ecs, strlen(ecs), &c));
        ASSERT_STREQ(c.access_key_id, "ASIAECS");
        ASSERT_STREQ(c.session_token, "t");
        ASSERT_EQ(c.expiration, 1893553445ULL * USEC_PER_SEC);
        aws_credentials_done(&c);
        ASSERT_OK(container_parse_credentials(imds, strlen(imds), &c));
        ASSERT_STREQ(c.access_key_id, "ASIAIMDS");
        aws_credentials_done(&c);
        ASSERT_ERR(container_parse_credentials(failed, strlen(failed), &c), EACCES);
        ASSERT_ERR(container_parse_credentials(no_secret, strlen(no_secret), &c), EBADMSG);
        ASSERT_ERR(container_parse_credentials("<html>", 6, &c), EBADMSG);
        ASSERT_NULL(c.access_key_id);
}

TEST(form_encoding) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        ASSERT_OK(form_urlencode("arn:aws:iam::123:role/x y+z~", &a));
        ASSERT_STREQ(a, "arn%3Aaws%3Aiam%3A%3A123%3Arole%2Fx%20y%2Bz~");
        ASSERT_OK(form_urlencode("", &b));
        ASSERT_STREQ(b, "");
}

TEST_MAIN()
