/* SPDX-License-Identifier: MIT */
/* The instance identity document parser: what the daemon takes from IMDS, or refusal. The
 * client itself talks to a loopback IMDS fake in tests/integration/test_credentials.py. */

#include "imds.h"
#include "test.h"

#define DOC(extra)                                                                                 \
        "{\n  \"accountId\" : \"123456789012\",\n  \"architecture\" : \"x86_64\",\n"              \
        "  \"availabilityZone\" : \"eu-west-3a\",\n  \"imageId\" : \"ami-0123456789abcdef0\",\n"   \
        "  \"instanceId\" : \"i-0123456789abcdef0\",\n  \"instanceType\" : \"t3.micro\",\n"       \
        "  \"pendingTime\" : \"2024-01-01T00:00:00Z\",\n  \"region\" : \"eu-west-3\",\n" extra     \
        "  \"version\" : \"2017-09-30\"\n}"

TEST(identity_document_fields) {
        static const char doc[] = DOC("  \"privateIp\" : \"10.1.2.3\",\n");
        ImdsIdentity id = {};

        ASSERT_OK(imds_parse_identity(doc, strlen(doc), &id));
        ASSERT_STREQ(id.region, "eu-west-3");
        ASSERT_STREQ(id.instance_id, "i-0123456789abcdef0");
        ASSERT_STREQ(id.private_ip, "10.1.2.3");
        imds_identity_done(&id);
        ASSERT_NULL(id.region);
        imds_identity_done(NULL);
}

TEST(identity_document_without_address) {
        static const char doc[] = DOC("");
        static const char v6[] = DOC("  \"privateIp\" : \"fd00::1\",\n");
        static const char null_ip[] = DOC("  \"privateIp\" : null,\n");
        ImdsIdentity id = {};

        ASSERT_OK(imds_parse_identity(doc, strlen(doc), &id));
        ASSERT_NULL(id.private_ip);
        imds_identity_done(&id);
        ASSERT_OK(imds_parse_identity(v6, strlen(v6), &id));
        ASSERT_STREQ(id.private_ip, "fd00::1");
        imds_identity_done(&id);
        ASSERT_OK(imds_parse_identity(null_ip, strlen(null_ip), &id));
        ASSERT_NULL(id.private_ip);
        imds_identity_done(&id);
}

TEST(identity_document_refused) {
        static const char *const bad[] = {
                "",
                "[]",
                "not json",
                "{\"region\": \"us-east-1\"}",
                "{\"instanceId\": \"i-1\"}",
                "{\"region\": \"us east 1\", \"instanceId\": \"i-1\"}",
                "{\"region\": \"us-east-1\", \"instanceId\": \"i-1/../x\"}",
                "{\"region\": \"us-east-1\", \"instanceId\": \"\"}",
                "{\"region\": 7, \"instanceId\": \"i-1\"}",
                "{\"region\": \"us-east-1\", \"instanceId\": \"i-1\", \"privateIp\": \"10.0.0.300\"}",
                "{\"region\": \"us-east-1\", \"instanceId\": \"i-1\", \"privateIp\": 10}",
                "{\"region\": \"us-east-1\", \"region\": \"eu-west-1\", \"instanceId\": \"i-1\"}",
                "{\"region\": \"us-east-1\", \"instanceId\": \"i-1\\u0000x\"}",
                "{\"region\": \"us-east-1\", \"instanceId\": \"i-0123456789abcdef0123456789abcdef0123456789abcdef"
                "0123456789abcdef0\"}",
        };
        ImdsIdentity id = { .region = (char *) "untouched" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_EQ(imds_parse_identity(bad[i], strlen(bad[i]), &id), -EBADMSG);
        ASSERT_EQ(imds_parse_identity(NULL, 0, &id), -EBADMSG);
        ASSERT_STREQ(id.region, "untouched");
}

TEST(disabled_follows_the_environment) {
        ASSERT_OK(unsetenv("AWS_EC2_METADATA_DISABLED"));
        ASSERT_FALSE(imds_disabled());
        ASSERT_OK(setenv("AWS_EC2_METADATA_DISABLED", "true", 1));
        ASSERT_TRUE(imds_disabled());
        ASSERT_OK(setenv("AWS_EC2_METADATA_DISABLED", "false", 1));
        ASSERT_FALSE(imds_disabled());
        ASSERT_OK(unsetenv("AWS_EC2_METADATA_DISABLED"));
}

TEST_MAIN()
