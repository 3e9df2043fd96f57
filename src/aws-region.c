/* SPDX-License-Identifier: MIT */
/*
 * Region and endpoint resolution; see aws-region.h.
 *
 * Deliberately not here: the profile's `endpoint_url`/`services` sections and
 * `use_fips_endpoint`/`use_dualstack_endpoint` config keys (the environment variables are
 * honoured), IMDS region discovery (needs the network; the caller falls back to it on
 * -ENOENT), any check that the service exists in a region.
 * Invariants: nothing is logged above debug except a malformed shared config file (by
 * aws_shared_file_load()); outputs written only on success.
 */

#include "aws-ini.h"
#include "aws-region.h"
#include "aws-shared-files.h"
#include "credentials.h"
#include "shared/log.h"
#include "shared/parse-util.h"

bool aws_region_is_valid(const char *region) {
        size_t n;

        if (isempty(region))
                return false;
        n = strspn(region, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
        return region[n] == 0 && n <= 64;
}

static int return_copy(const char *s, const char *source, char **ret) {
        char *copy;

        if (!aws_region_is_valid(s))
                return -EINVAL;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        log_debug("Region '%s' from %s.", s, source);
        *ret = copy;
        return 0;
}

int aws_resolve_region(const char *cli, const char *config, const char *profile_name, char **ret) {
        const char *env, *profile = aws_profile_name(profile_name);
        _cleanup_(aws_ini_freep) AwsIni *ini = NULL;
        int r;

        if (!isempty(cli))
                return return_copy(cli, "the command line", ret);
        if (!isempty(config))
                return return_copy(config, "the configuration", ret);
        env = getenv("AWS_REGION");
        if (!isempty(env))
                return return_copy(env, "$AWS_REGION", ret);
        env = getenv("AWS_DEFAULT_REGION");
        if (!isempty(env))
                return return_copy(env, "$AWS_DEFAULT_REGION", ret);

        r = aws_shared_file_load(AWS_INI_CONFIG, &ini);
        if (r < 0)
                return -ENOENT; /* a missing or broken file says nothing (a broken one was logged) */
        env = aws_ini_get_profile(ini, profile, "region");
        if (isempty(env))
                return -ENOENT;
        return return_copy(env, "the shared config file", ret);
}

static bool env_true(const char *name) {
        const char *v = getenv(name);

        return v && parse_boolean(v) > 0;
}

int aws_resolve_endpoint(const char *cli, const char *config, const char *region, char **ret) {
        const char *env, *suffix, *service = "logs";
        bool cn, fips, dualstack;
        char *url;

        if (!isempty(cli))
                return (*ret = strdup(cli)) ? 0 : -ENOMEM;
        if (!isempty(config))
                return (*ret = strdup(config)) ? 0 : -ENOMEM;
        if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
                env = getenv("AWS_ENDPOINT_URL_LOGS");
                if (isempty(env))
                        env = getenv("AWS_ENDPOINT_URL");
                if (!isempty(env))
                        return (*ret = strdup(env)) ? 0 : -ENOMEM;
        }

        if (!aws_region_is_valid(region))
                return -EINVAL;
        cn = startswith(region, "cn-");
        fips = env_true("AWS_USE_FIPS_ENDPOINT");
        dualstack = env_true("AWS_USE_DUALSTACK_ENDPOINT");
        if (dualstack)
                suffix = cn ? "api.amazonwebservices.com.cn" : "api.aws";
        else
                suffix = cn ? "amazonaws.com.cn" : "amazonaws.com";
        if (asprintf(&url, "https://%s%s.%s.%s", service, fips ? "-fips" : "", region, suffix) < 0)
                return -ENOMEM;
        *ret = url;
        return 0;
}
