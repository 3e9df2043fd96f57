/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Finding journal files this libsystemd cannot read. sd_journal_open_directory() and
 * friends silently leave out a file written with a newer, incompatible format: the reader
 * then ships nothing from it and says nothing (LESSONS: "don't ship silence"). The probe
 * looks at the headers of the *.journal files of the directories a section reads and asks
 * libsystemd to open those whose incompatible-feature flags it might not know. No logging.
 */

#include "config.h"

/* Journal files in dir that libsystemd refuses with -EPROTONOSUPPORT: how many (>= 0),
 * and the first one's path in *ret_first (may be NULL). A missing dir counts zero. */
int journal_probe_directory(const char *dir, char **ret_first);
/* The same over every directory the section reads (journal_directory, or the system
 * journal's /var and /run directories of this machine and namespace). */
int journal_probe_section(const SectionConfig *c, char **ret_first);
