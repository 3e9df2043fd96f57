/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer entry for the AWS shared-file parser. Not built by meson; build by hand:
 *   clang -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -iquote src tests/fuzz/fuzz-aws-ini.c \
 *         src/aws-ini.c src/shared/parse-util.c -o fuzz-aws-ini
 *   ./fuzz-aws-ini tests/fuzz/seeds/aws-ini
 * Both kinds of file are parsed; on success every section's profile lookups are exercised.
 */

#include "aws-ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        for (int kind = AWS_INI_CREDENTIALS; kind <= AWS_INI_CONFIG; kind++) {
                AwsIni *ini = NULL;
                char *error = NULL;
                int r;

                r = aws_ini_parse((const char *) data, size, "fuzz", (AwsIniKind) kind, &ini, &error);
                if (r >= 0) {
                        (void) aws_ini_get_profile(ini, "default", "region");
                        (void) aws_ini_get_profile(ini, "a", "aws_access_key_id");
                        (void) aws_ini_get(ini, "sso-session", "x", "sso_region");
                        (void) aws_ini_has_section(ini, NULL, "plugins");
                } else if (r == -EBADMSG && (!error || !strstr(error, "fuzz:")))
                        __builtin_trap(); /* every syntax error names FILE:LINE */
                free(error);
                aws_ini_free(ini);
        }
        return 0;
}
