/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Finding journal files the reader would silently skip. sd_journal_open_directory() and
 * friends leave out a file written in a newer, incompatible format, and a truncated or
 * damaged file yields nothing (or less than it holds) without an error: the reader then
 * ships silence (LESSONS). The probe looks at the *.journal files of the directories a
 * section reads: header checks, and libsystemd asked to open each file on its own and read
 * its first and last entries. No logging: the caller names what it finds.
 */

#include "config.h"

typedef enum JournalProblem {
        JOURNAL_PROBLEM_NEWER_FORMAT, /* libsystemd refuses it: -EPROTONOSUPPORT */
        JOURNAL_PROBLEM_DAMAGED,      /* truncated, not a journal, or entries unreadable */
} JournalProblem;

/* Called once per problem file; reason is a short static text. */
typedef void (*JournalProbeFn)(const char *path, JournalProblem problem, const char *reason, void *userdata);

/* Probes the *.journal files in dir; a missing dir is fine. Returns the number of problem
 * files, or -errno. */
int journal_probe_directory(const char *dir, JournalProbeFn fn, void *userdata);
/* The same over every directory the section reads (journal_directory, or the system
 * journal's /var and /run directories of this machine and namespace). */
int journal_probe_section(const SectionConfig *c, JournalProbeFn fn, void *userdata);
