/* SPDX-License-Identifier: MIT */
#pragma once

/* Gathers the host placeholders of log_stream_name: hostname, primary IPv4 address,
 * machine and boot ids. The instance id is filled in later from IMDS when on EC2; until
 * then it is the hostname (SPEC §5). */

#include "stream-name.h"

typedef struct HostFactsStorage {
        HostFacts facts; /* points into the strings below */
        char *instance_id, *hostname, *ip_address, *machine_id, *boot_id;
} HostFactsStorage;

int host_facts_gather(HostFactsStorage *ret);
/* Replaces instance id (and, if given, the IP address) with what IMDS said. */
int host_facts_set_ec2(HostFactsStorage *h, const char *instance_id, const char *ip_address);
void host_facts_done(HostFactsStorage *h);
