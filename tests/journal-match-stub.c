/* SPDX-License-Identifier: MIT */
/*
 * TEMPORARY test-only stand-in for journal_filters_apply() (src/journal-match.c is being
 * written on another branch). Only the journal source tests link it; delete it once the
 * real module is merged. Supports journal_match lines of plain FIELD=VALUE terms and "+".
 */

#include "config.h"
#include "journal-match.h"
#include "shared/parse-util.h"

int journal_filters_apply(sd_journal *j, const SectionConfig *c) {
        int r;

        sd_journal_flush_matches(j);
        STRV_FOREACH(line, c->journal_match) {
                _cleanup_strv_free_ char **terms = NULL;

                r = strv_split(*line, " \t", &terms);
                if (r < 0)
                        return r;
                STRV_FOREACH(t, terms) {
                        r = streq(*t, "+") ? sd_journal_add_disjunction(j) : sd_journal_add_match(j, *t, 0);
                        if (r < 0)
                                return r;
                }
                r = sd_journal_add_conjunction(j);
                if (r < 0)
                        return r;
        }
        return 0;
}
