/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Pure parsers of what the network credential sources answer: STS query-API XML
 * (AssumeRole, AssumeRoleWithWebIdentity) and the JSON document the ECS/EKS container
 * endpoint and EC2 IMDS serve. No I/O, no logging; failures never quote the input.
 */

#include "credentials.h"

/* The <Credentials> element of an STS answer. -EBADMSG if it is not exactly one well-formed
 * element with AccessKeyId, SecretAccessKey, SessionToken and Expiration, once each. */
int sts_parse_credentials(const char *xml, size_t size, AwsCredentials *ret);
/* The <Code> of an STS <ErrorResponse>, if it looks like one (letters, digits, '.'), or NULL. */
char *sts_parse_error_code(const char *xml, size_t size);

/* {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", optional "Code": "Success"}.
 * -EBADMSG on anything else; -EACCES if Code says something other than Success. */
int container_parse_credentials(const char *json, size_t size, AwsCredentials *ret);

/* application/x-www-form-urlencoded encoding of one value (RFC 3986 unreserved kept). */
int form_urlencode(const char *s, char **ret);
