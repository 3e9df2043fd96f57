/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The AWS shared files: ~/.aws/credentials, ~/.aws/config (and a systemd credential written
 * in the credentials form). Parsed the way the AWS CLI reads them: comments, `key = value`
 * (keys case-insensitive), `[name]` sections in the credentials file, `[default]` and
 * `[profile name]` in the config file (other typed sections such as `[sso-session x]` are
 * kept under their type), nested sub-sections (`s3 =` followed by indented lines) skipped.
 * Values may be secrets: they are wiped when the AwsIni is freed.
 */

#include "shared/macro.h"

typedef enum AwsIniKind {
        AWS_INI_CREDENTIALS, /* [name] names a profile */
        AWS_INI_CONFIG,      /* [default], [profile name], [type name] */
} AwsIniKind;

typedef struct AwsIni AwsIni;

/* On a syntax error returns -EBADMSG and, if ret_error is not NULL, a message
 * "FILE:LINE: what is wrong" (never containing file content). -EFBIG above AWS_INI_FILE_MAX. */
int aws_ini_parse(const char *text, size_t size, const char *filename, AwsIniKind kind, AwsIni **ret,
                  char **ret_error);
/* Reads and parses a file. -ENOENT if it does not exist, other -errno as open()/read(). */
int aws_ini_load(const char *path, AwsIniKind kind, AwsIni **ret, char **ret_error);
AwsIni *aws_ini_free(AwsIni *ini);
DEFINE_TRIVIAL_CLEANUP_FUNC(AwsIni *, aws_ini_free);

bool aws_ini_has_section(const AwsIni *ini, const char *type, const char *name);
/* type "profile" for profiles (in both kinds of file); key is matched case-insensitively.
 * Returns NULL when absent; a key present with an empty value returns "". */
const char *aws_ini_get(const AwsIni *ini, const char *type, const char *name, const char *key);

static inline bool aws_ini_has_profile(const AwsIni *ini, const char *profile) {
        return aws_ini_has_section(ini, "profile", profile);
}
static inline const char *aws_ini_get_profile(const AwsIni *ini, const char *profile, const char *key) {
        return aws_ini_get(ini, "profile", profile, key);
}

/* Reads a whole file holding secrets with one exact-size read (no realloc leaves copies
 * behind); NUL terminated; -EFBIG above max. The caller wipes it (erase_and_free()). */
int aws_read_secret_file(const char *path, size_t max, char **ret, size_t *ret_size);
