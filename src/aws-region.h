/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Which region and which CloudWatch Logs endpoint, by the precedence SPEC §6 and the AWS SDKs
 * use. Reads the environment and the shared config file; no network (IMDS comes later).
 */

#include "shared/macro.h"

/* --region > [general] region > AWS_REGION > AWS_DEFAULT_REGION > `region` of the profile
 * (AWS_PROFILE, else profile_name, else "default") in AWS_CONFIG_FILE / ~/.aws/config.
 * -ENOENT if none says; -EINVAL if the chosen value is not a region name (letters, digits,
 * '-'). */
int aws_resolve_region(const char *cli, const char *config, const char *profile_name, char **ret);

/* --endpoint > [general] endpoint > AWS_ENDPOINT_URL_LOGS > AWS_ENDPOINT_URL (the two
 * variables are ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else built from the
 * region: https://logs.REGION.amazonaws.com (.amazonaws.com.cn for cn-*), "logs-fips" with
 * AWS_USE_FIPS_ENDPOINT=true, the dual-stack domain (api.aws; api.amazonwebservices.com.cn
 * for cn-*) with AWS_USE_DUALSTACK_ENDPOINT=true. -EINVAL if an endpoint is needed from the
 * region and region is not a region name. */
int aws_resolve_endpoint(const char *cli, const char *config, const char *region, char **ret);

/* Letters, digits and '-', 1..64 characters: what may go into a host name. */
bool aws_region_is_valid(const char *region);
