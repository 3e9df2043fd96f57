/* SPDX-License-Identifier: MIT */
/*
 * Credentials from files: the systemd credential $CREDENTIALS_DIRECTORY/aws-credentials
 * (LoadCredential=/SetCredentialEncrypted=, in ~/.aws/credentials form) and the AWS shared
 * files (credentials file first, then keys in the config file's profile, as the AWS CLI does).
 * The profile is AWS_PROFILE, else the configured one, else "default".
 *
 * Deliberately not here: credential_process, role_arn/source_profile (other providers), SSO.
 * Invariants: answers synchronously; "no file / no profile / no keys in it" is -ENOENT, a
 * malformed file or a half-set key pair is an error with the reason logged once.
 */

#include "aws-ini.h"
#include "aws-shared-files.h"
#include "credentials.h"
#include "shared/log.h"

#define SYSTEMD_CREDENTIAL_NAME "aws-credentials"

typedef struct FileProvider {
        CredentialProvider base;
        char *profile; /* configured; aws_profile_name() picks at fetch time */
} FileProvider;

/* 0 and cb called with the keys; -ENOENT if the profile has none; -EINVAL if half. */
static int answer_from_ini(const AwsIni *ini, const char *profile, const char *what, const char *provider,
                           CredentialsCallback cb, void *userdata) {
        const char *id = aws_ini_get_profile(ini, profile, "aws_access_key_id");
        const char *secret = aws_ini_get_profile(ini, profile, "aws_secret_access_key");
        const char *token = aws_ini_get_profile(ini, profile, "aws_session_token");

        if (isempty(id) && isempty(secret))
                return -ENOENT;
        if (isempty(id) || isempty(secret)) {
                log_warning("Profile '%s' in %s has only one of aws_access_key_id and aws_secret_access_key, "
                            "ignoring it.", profile, what);
                return -EINVAL;
        }
        cb(0,
           &(AwsCredentials) {
                   .access_key_id = (char *) id,
                   .secret_access_key = (char *) secret,
                   .session_token = isempty(token) ? NULL : (char *) token,
                   .provider = provider,
           },
           userdata);
        return 0;
}

static int systemd_lookup(FileProvider *f, CredentialsCallback cb, void *userdata) {
        _cleanup_(aws_ini_freep) AwsIni *ini = NULL;
        _cleanup_free_ char *path = NULL, *error = NULL;
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        const char *profile = aws_profile_name(f->profile);
        int r;

        if (isempty(dir))
                return -ENOENT;
        if (asprintf(&path, "%s/" SYSTEMD_CREDENTIAL_NAME, dir) < 0)
                return -ENOMEM;
        r = aws_ini_load(path, AWS_INI_CREDENTIALS, &ini, &error);
        if (r == -ENOENT)
                return r;
        if (r == -EBADMSG)
                return log_warning_errno(r, "%s, ignoring systemd credential.", error ?: path);
        if (r < 0)
                return log_warning_errno(r, "Failed to read systemd credential '%s', ignoring: %m", path);
        r = answer_from_ini(ini, profile, path, "systemd-credential", cb, userdata);
        if (r == -ENOENT)
                log_debug("Systemd credential '%s' has no keys for profile '%s'.", path, profile);
        return r;
}

static int shared_files_lookup(FileProvider *f, CredentialsCallback cb, void *userdata) {
        static const AwsIniKind order[] = { AWS_INI_CREDENTIALS, AWS_INI_CONFIG };
        const char *profile = aws_profile_name(f->profile);
        int r, failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                _cleanup_(aws_ini_freep) AwsIni *ini = NULL;
                _cleanup_free_ char *path = NULL;

                r = aws_shared_file_load(order[i], &ini); /* logs what is wrong with the file */
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        failed = r;
                        continue;
                }
                (void) aws_shared_file_path(order[i], &path);
                r = answer_from_ini(ini, profile, strna(path), "shared-file", cb, userdata);
                if (r != -ENOENT)
                        return r;
        }
        return failed ?: -ENOENT;
}

static int file_fetch(CredentialProvider *p, CredentialsCallback cb, void *userdata, bool systemd) {
        FileProvider *f = (FileProvider *) p;
        int r;

        r = systemd ? systemd_lookup(f, cb, userdata) : shared_files_lookup(f, cb, userdata);
        if (r < 0)
                cb(r, NULL, userdata);
        return 0;
}

static int systemd_fetch(CredentialProvider *p, CredentialsCallback cb, void *userdata) {
        return file_fetch(p, cb, userdata, true);
}

static int shared_files_fetch(CredentialProvider *p, CredentialsCallback cb, void *userdata) {
        return file_fetch(p, cb, userdata, false);
}

static void file_destroy(CredentialProvider *p) {
        FileProvider *f = (FileProvider *) p;

        free(f->profile);
        free(f);
}

static const CredentialProviderOps systemd_ops = {
        .name = "systemd-credential",
        .fetch = systemd_fetch,
        .destroy = file_destroy,
};

static const CredentialProviderOps shared_files_ops = {
        .name = "shared-file",
        .fetch = shared_files_fetch,
        .destroy = file_destroy,
};

static int file_provider_new(const CredentialProviderOps *ops, const char *profile, CredentialProvider **ret) {
        FileProvider *f;

        f = calloc(1, sizeof *f);
        if (!f)
                return -ENOMEM;
        f->base.ops = ops;
        if (!isempty(profile) && !(f->profile = strdup(profile))) {
                free(f);
                return -ENOMEM;
        }
        *ret = &f->base;
        return 0;
}

int credential_provider_systemd_new(const char *profile, CredentialProvider **ret) {
        return file_provider_new(&systemd_ops, profile, ret);
}

int credential_provider_shared_files_new(const char *profile, CredentialProvider **ret) {
        return file_provider_new(&shared_files_ops, profile, ret);
}
