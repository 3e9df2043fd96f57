/* SPDX-License-Identifier: MIT */
/*
 * Opening and positioning the journal source's sd_journal, and sealing checkpoints.
 *
 * Positioning never falls back to the head (duplicates) or the tail (loss) because a saved
 * cursor's entry is gone: sd-journal then lands on the first entry after the cursor's place
 * and the reader reports the possible gap (journal-read.c). Only an unusable cursor
 * (malformed, pointing into the future) falls back to initial_position, with a warning.
 * With no saved state and end_of_journal, the current last entry is checkpointed at once,
 * so a restart before anything new arrives does not skip what came in between.
 */

#include "journal-cursor.h"
#include "journal-match.h"
#include "journal-probe.h"
#include "shared/parse-util.h"
#include "cw-limits.h"
#include "shared/time-util.h"
#include "sigbus.h"
#include "source-journal.h"

int journal_source_open(JournalSource *s) {
        const SectionConfig *c = s->base.config;
        sd_journal *j = NULL;
        int r;

        if (c->journal_directory)
                r = sd_journal_open_directory(&j, c->journal_directory, 0);
        else if (c->journal_namespace)
                r = sd_journal_open_namespace(&j, c->journal_namespace, SD_JOURNAL_LOCAL_ONLY);
        else
                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to open the journal%s%s: %m", c->name,
                                       c->journal_directory ? " in " : "", strempty(c->journal_directory));
        /* Values over 64 KiB are cut by default: read them whole. */
        r = sd_journal_set_data_threshold(j, 0);
        if (r >= 0)
                r = journal_filters_apply(j, c);
        if (r < 0) {
                sd_journal_close(j);
                return log_error_errno(r, "[%s] Failed to set up journal filters: %m", c->name);
        }
        s->journal = j;
        s->sigbus_seen = sigbus_count();
        return 0;
}

/* Says loudly when files are left out because this libsystemd is too old for them. */
static void probe_found(const char *path, JournalProblem problem, const char *reason, void *userdata) {
        JournalSource *s = userdata;

        /* Each file is named once per run, not at every rotation. */
        STRV_FOREACH(p, s->reported_files)
                if (streq(*p, path))
                        return;
        (void) strv_extend(&s->reported_files, path);
        if (problem == JOURNAL_PROBLEM_NEWER_FORMAT) {
                s->base.last_error = -EPROTONOSUPPORT;
                log_error("[%s] Journal file '%s' is written in a format newer than this libsystemd can read; "
                          "its entries are NOT shipped. Update libsystemd.", s->base.config->name, path);
        } else {
                s->base.last_error = -EBADMSG;
                log_warning("[%s] Journal file '%s' is damaged (%s); entries libsystemd cannot read from it "
                            "are not shipped, every other file is.", s->base.config->name, path, reason);
        }
}

void journal_source_check_unsupported(JournalSource *s) {
        int n;

        n = journal_probe_section(s->base.config, probe_found, s);
        if (n < 0)
                log_debug_errno(n, "[%s] Could not look for unreadable journal files, ignoring: %m",
                                s->base.config->name);
}

static const char *start_text(JournalSource *s) {
        return s->base.config->initial_position == POSITION_START ? "the start" : "the end";
}

/* Whether a saved cursor can be trusted to seek to. */
static int cursor_usable(JournalSource *s, const char *cursor) {
        JournalCursor c;
        usec_t now = now_usec(CLOCK_REALTIME);
        int r;

        r = journal_cursor_parse(cursor, &c);
        if (r < 0)
                return log_warning_errno(r, "[%s] Saved journal cursor '%s' is malformed, starting at %s "
                                         "instead.", s->base.config->name, cursor, start_text(s));
        if (c.realtime > now + (usec_t) CW_MAX_FUTURE_MS * USEC_PER_MSEC) {
                char t[25];

                format_iso8601_ms(c.realtime, t);
                log_warning("[%s] Saved journal cursor points to %s, in the future (clock change or state "
                            "from another machine?), starting at %s instead.",
                            s->base.config->name, t,
                            start_text(s));
                return -ERANGE;
        }
        return 0;
}

static int position_initial(JournalSource *s) {
        int r;

        if (s->base.config->initial_position == POSITION_START)
                return sd_journal_seek_head(s->journal);

        r = sd_journal_seek_tail(s->journal);
        if (r < 0)
                return r;
        /* Stand on the last entry, so the next one written is the first one read. */
        r = sd_journal_previous(s->journal);
        if (r <= 0)
                return r;
        s->last_realtime = 0;
        (void) sd_journal_get_realtime_usec(s->journal, &s->last_realtime);
        s->unsealed = true;
        return journal_source_seal(s);
}

/* Positions at cursor (its entry is checked on the first read) or at initial_position. */
int journal_source_position(JournalSource *s, const char *cursor) {
        int r;

        s->resume_cursor = mfree(s->resume_cursor);
        if (cursor && cursor_usable(s, cursor) >= 0) {
                r = sd_journal_seek_cursor(s->journal, cursor);
                if (r >= 0) {
                        s->resume_cursor = strdup(cursor);
                        return s->resume_cursor ? 0 : -ENOMEM;
                }
                log_warning_errno(r, "[%s] Cannot seek to saved journal cursor '%s', starting at %s "
                                  "instead: %m", s->base.config->name, cursor, start_text(s));
        }
        r = position_initial(s);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to position in the journal: %m", s->base.config->name);
        return 0;
}

int journal_source_seal(JournalSource *s) {
        char *cursor = NULL, *copy;
        int r;

        if (!s->unsealed)
                return 0;
        r = sd_journal_get_cursor(s->journal, &cursor);
        if (r < 0) {
                if (ratelimit_below(&s->read_ratelimit))
                        log_warning_errno(r, "[%s] Failed to get journal cursor, checkpoint delayed: %m",
                                          s->base.config->name);
                return r;
        }
        copy = strdup(cursor);
        if (!copy) {
                free(cursor);
                return log_oom();
        }
        free(s->checkpoint);
        s->checkpoint = copy;
        s->unsealed = false;
        return ack_tracker_seal(s->base.acks, cursor);
}
