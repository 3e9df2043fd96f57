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

/* Whether s is a journal field name sd_journal_add_match() accepts and journald writes:
 * 1..64 of [A-Z0-9_], not starting with a digit, not starting with "__" (those are the
 * entry's address fields, never matchable). */
bool journal_field_name_valid(const char *s, size_t n);

/* `journalctl -u` name mangling: "nginx" -> "nginx.service"; names that already end in a
 * unit type suffix are kept. -EINVAL for empty names, globs, paths and characters that
 * systemd does not allow in unit names. */
int journal_unit_name_mangle(const char *name, char **ret);

typedef struct SectionConfig SectionConfig;

/* Adds all of the section's filters to j (flushing any previous matches first). On failure
 * the matches are flushed again, so j never keeps half a filter. */
int journal_filters_apply(sd_journal *j, const SectionConfig *c);

/* journal_exclude_unit / journal_exclude_identifier: sd-journal has no negative matches, so
 * the source asks this for each entry it read. unit is _SYSTEMD_UNIT, identifier
 * SYSLOG_IDENTIFIER; either may be NULL. */
bool journal_entry_excluded(const SectionConfig *c, const char *unit, const char *identifier);
