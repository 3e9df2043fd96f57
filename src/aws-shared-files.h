/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Where the AWS shared files are and what a profile says in them: AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials. Files are read
 * afresh on every call (they are tiny and read only when credentials are refreshed).
 */

#include "aws-ini.h"

/* A leading "~/" is expanded. -ENOENT if the default is needed and HOME is unset. */
int aws_shared_file_path(AwsIniKind kind, char **ret);
/* -ENOENT (silently) when there is no such file or no HOME. A malformed or unreadable file is
 * logged as a warning naming FILE:LINE, and its error returned. */
int aws_shared_file_load(AwsIniKind kind, AwsIni **ret);
/* The value of key in the profile, the credentials file first, then the config file (as the
 * AWS CLI merges them). -ENOENT if neither has it; errors of aws_shared_file_load otherwise. */
int aws_shared_profile_get(const char *profile, const char *key, char **ret);
