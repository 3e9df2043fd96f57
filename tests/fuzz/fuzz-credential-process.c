/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer entry for the credential_process output parser (pure JSON -> AwsCredentials).
 * Not built by meson; build by hand:
 *   clang -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -iquote src \
 *         tests/fuzz/fuzz-credential-process.c src/credentials.c src/credentials-env.c src/credentials-file.c \
 *         src/credentials-process.c src/credentials-process-output.c src/credentials-response.c \
 *         src/aws-ini.c src/aws-shared-files.c src/shared/[a-z]*.c -ljansson -lsystemd \
 *         -o fuzz-credential-process
 *   ./fuzz-credential-process tests/fuzz/seeds/credential-process
 * (credentials.c, for aws_credentials_copy(), brings the providers and libsystemd along.)
 */

#include "credentials-process.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        AwsCredentials c = {};
        const char *reason = NULL;
        int r;

        r = credential_process_parse_output((const char *) data, size, &c, &reason);
        if (r >= 0) {
                if (!c.access_key_id || !c.secret_access_key || !*c.access_key_id || !*c.secret_access_key)
                        __builtin_trap();
                aws_credentials_done(&c);
        } else if (!reason || c.access_key_id)
                __builtin_trap(); /* failures explain themselves and write nothing */
        return 0;
}
