/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Journal filters with journalctl's semantics, built from a section's config:
 *   journal_match     FIELD=VALUE terms; the same field ORs, different fields AND, "+" ORs
 *                     groups; each config line ANDs onto the previous ones.
 *   journal_unit      like `journalctl -u`: the unit's own messages, systemd's messages about
 *                     it, coredumps of it; several units OR.
 *   journal_identifier like `journalctl -t`; several OR.
 *   journal_priority  like `journalctl -p`: "err", "3", "err..warning", "0..4".
 * Parsing is pure (and fuzzed); applying adds the matches to an sd_journal.
 */

#include <systemd/sd-journal.h>

#include "shared/macro.h"

/* A priority spec into [min, max] (0 emerg … 7 debug). -EINVAL on bad input. */
int journal_priority_parse(const char *s, int *ret_min, int *ret_max);

/* Validates one journal_match line; on error *ret_error names the bad term. */
int journal_match_validate(const char *line, char **ret_error);

typedef struct SectionConfig SectionConfig;

/* Adds all of the section's filters to j (flushing any previous matches first). */
int journal_filters_apply(sd_journal *j, const SectionConfig *c);
