/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The output of a `credential_process` (AWS CLI "sourcing credentials with an external
 * process"): one JSON object, {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken"?, "Expiration"? (ISO 8601)}. Pure, no I/O, so it can be fuzzed.
 */

#include "credentials.h"

/* On failure returns -EBADMSG (not that JSON) or -EPROTONOSUPPORT (Version is not 1) and
 * sets *ret_reason (if not NULL) to a static text that never quotes the input. */
int credential_process_parse_output(const char *text, size_t size, AwsCredentials *ret,
                                    const char **ret_reason);
