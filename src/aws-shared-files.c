/* SPDX-License-Identifier: MIT */
/*
 * Locating and loading the AWS shared files; see aws-shared-files.h.
 *
 * Deliberately not here: parsing (aws-ini.c), profile selection (aws_profile_name()).
 * Invariants: a file that does not exist is never an error; a broken one always is, with its
 * FILE:LINE logged once per load. No value is ever logged.
 */

#include "aws-shared-files.h"
#include "shared/log.h"

int aws_shared_file_path(AwsIniKind kind, char **ret) {
        const char *env = getenv(kind == AWS_INI_CONFIG ? "AWS_CONFIG_FILE" : "AWS_SHARED_CREDENTIALS_FILE");
        const char *home = getenv("HOME"), *rest;
        char *p;

        if (isempty(env))
                env = kind == AWS_INI_CONFIG ? "~/.aws/config" : "~/.aws/credentials";
        rest = startswith(env, "~/");
        if (!rest) {
                p = strdup(env);
        } else {
                if (isempty(home))
                        return -ENOENT;
                if (asprintf(&p, "%s/%s", home, rest) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int aws_shared_file_load(AwsIniKind kind, AwsIni **ret) {
        _cleanup_free_ char *path = NULL, *error = NULL;
        int r;

        r = aws_shared_file_path(kind, &path);
        if (r < 0)
                return r;
        r = aws_ini_load(path, kind, ret, &error);
        if (r == -ENOENT)
                log_debug("AWS shared file '%s' does not exist.", path);
        else if (r == -EBADMSG)
                log_warning("%s, ignoring file.", error ?: path);
        else if (r < 0)
                log_warning_errno(r, "Failed to read AWS shared file '%s', ignoring: %m", path);
        return r;
}

int aws_shared_profile_get(const char *profile, const char *key, char **ret) {
        static const AwsIniKind order[] = { AWS_INI_CREDENTIALS, AWS_INI_CONFIG };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                _cleanup_(aws_ini_freep) AwsIni *ini = NULL;
                const char *v;
                char *copy;

                r = aws_shared_file_load(order[i], &ini);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                v = aws_ini_get_profile(ini, profile, key);
                if (isempty(v))
                        continue;
                copy = strdup(v);
                if (!copy)
                        return -ENOMEM;
                *ret = copy;
                return 0;
        }
        return -ENOENT;
}
