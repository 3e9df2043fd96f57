/* SPDX-License-Identifier: MIT */
#pragma once

/* Clock reads in microseconds, and a few time formatting helpers. */

#include <time.h>

#include "macro.h"

typedef uint64_t usec_t;

usec_t now_usec(clockid_t clock);
/* "20150830T123600Z" (basic ISO 8601, for SigV4) into buf of >= 17 bytes. */
void format_amz_date(usec_t realtime, char buf[static 17]);
/* "2025-01-02T03:04:05.678Z" into buf of >= 25 bytes. */
void format_iso8601_ms(usec_t realtime, char buf[static 25]);
/* Parses RFC 3339 / ISO 8601 as AWS services print it ("2025-01-02T03:04:05Z",
 * fractional seconds and "+00:00" offsets allowed) into realtime usec. */
int parse_iso8601(const char *s, usec_t *ret);
