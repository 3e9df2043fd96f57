/* SPDX-License-Identifier: MIT */
#pragma once

/* What the EC2 instance metadata service tells the daemon at start: the region (when nothing
 * else names one) and the instance id and private address for log_stream_name. */

#include "daemon-private.h"

/* Asks IMDS for the instance identity document when the region is configured nowhere or a
 * section's log_stream_name uses {instance_id} or {ip_address}; never in --dry-run. Sets
 * d->region (only when no other source has one) and the EC2 host facts. Off EC2, with IMDS
 * disabled, or when it fails, nothing is set and the host name stays (debug log). Waits at
 * most IMDS_STARTUP_TIMEOUT_MSEC on a private event loop. < 0 only when out of memory. */
int daemon_imds_resolve(Daemon *d);
