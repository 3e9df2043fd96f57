/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer entry for the STS XML extractor and the container/IMDS JSON parser. Not built by
 * meson; build by hand:
 *   clang -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -iquote src \
 *         tests/fuzz/fuzz-credentials-response.c src/credentials.c src/credentials-env.c src/credentials-file.c \
 *         src/credentials-process.c src/credentials-process-output.c src/credentials-response.c \
 *         src/aws-ini.c src/aws-shared-files.c src/shared/[a-z]*.c -ljansson -lsystemd \
 *         -o fuzz-credentials-response
 *   ./fuzz-credentials-response tests/fuzz/seeds/credentials-response
 * (credentials.c, for aws_credentials_copy(), brings the local providers and libsystemd.)
 */

#include "credentials-response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        AwsCredentials c = {};
        char *code;

        if (sts_parse_credentials((const char *) data, size, &c) >= 0) {
                if (isempty(c.access_key_id) || isempty(c.secret_access_key) || isempty(c.session_token))
                        __builtin_trap();
                aws_credentials_done(&c);
        } else if (c.access_key_id)
                __builtin_trap();
        code = sts_parse_error_code((const char *) data, size);
        free(code);
        if (container_parse_credentials((const char *) data, size, &c) >= 0)
                aws_credentials_done(&c);
        return 0;
}
