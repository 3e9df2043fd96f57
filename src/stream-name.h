/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * log_stream_name templates (SPEC §5), pure. Host placeholders ({instance_id},
 * {hostname}, {ip_address}, {machine_id}, {boot_id}) are resolved once; per-event ones
 * ({unit}, {identifier}) per event. ':' and '*' become '_'; results are cut to 512 bytes on
 * a UTF-8 boundary; an empty result becomes "_".
 */

#include "shared/macro.h"

typedef struct HostFacts {
        const char *instance_id; /* hostname when not on EC2 */
        const char *hostname;
        const char *ip_address;
        const char *machine_id;
        const char *boot_id;
} HostFacts;

/* Rejects unknown placeholders and unbalanced braces with -EINVAL, naming the culprit in
 * *ret_error (may be NULL). */
int stream_template_validate(const char *template, char **ret_error);
/* Whether the template uses {unit} or {identifier}. */
bool stream_template_is_per_event(const char *template);
/* Missing per-event values render as "unknown". */
int stream_name_render(const char *template, const HostFacts *host, const char *unit,
                       const char *identifier, char **ret);
/* Applies the character and length rules to a name. */
int stream_name_sanitize(const char *name, char **ret);
