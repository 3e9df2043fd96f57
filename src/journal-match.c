/* SPDX-License-Identifier: MIT */
/*
 * Journal filters with journalctl's semantics (see journal-match.h).
 *
 * sd-journal's match model is an AND of groups; each group is an OR of terms; each term is
 * an AND of fields, where values of the same field OR. sd_journal_add_match() adds to the
 * current term, sd_journal_add_disjunction() starts a new term in the group ("+"), and
 * sd_journal_add_conjunction() closes the group so the next match starts a new one that is
 * ANDed with it. journalctl builds one group per option (-u, -t, -p) and one for the
 * positional matches; we do the same, with one group per journal_match line.
 *
 * Deliberately not supported: journalctl's path matches ("/usr/bin/foo" meaning _EXE=),
 * unit globs ("nginx*" looked up among existing _SYSTEMD_UNIT values), and values that
 * contain whitespace (terms are split on whitespace). Exclusions cannot be expressed as
 * sd-journal matches, so journal_entry_excluded() is applied by the source per entry.
 *
 * Parsing never logs; the config module turns errors into FILE:LINE messages.
 */

#include <stdarg.h>
#include <strings.h>

#include "config.h"
#include "shared/strbuf.h"
#include "journal-match.h"
#include "cw-limits.h"
#include "shared/parse-util.h"

/* systemd's catalog id for "Process dumped core" (SD_MESSAGE_COREDUMP). */
#define MESSAGE_ID_COREDUMP "fc2e22bc6ee647b6b90729ab34a250b1"

static const char *const priority_names[] = {
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static const char *const unit_suffixes[] = {
        ".service", ".socket", ".target", ".device", ".mount", ".automount",
        ".swap", ".timer", ".path", ".slice", ".scope",
};

_printf_(2, 3) static int fail(char **ret_error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_error_messagev(ret_error, EINVAL, fmt, ap);
        va_end(ap);
        return r;
}

static int priority_from_string(const char *s, size_t n) {
        if (n == 1 && s[0] >= '0' && s[0] <= '7')
                return s[0] - '0';
        for (size_t i = 0; i < ELEMENTSOF(priority_names); i++)
                if (strlen(priority_names[i]) == n && strncasecmp(s, priority_names[i], n) == 0)
                        return (int) i;
        return -EINVAL;
}

int journal_priority_parse(const char *s, int *ret_min, int *ret_max) {
        const char *dots;
        int a, b;

        if (!s)
                return -EINVAL;
        dots = strstr(s, "..");
        if (!dots) {
                /* A single level means "this and everything more severe", as journalctl -p. */
                a = priority_from_string(s, strlen(s));
                if (a < 0)
                        return a;
                *ret_min = 0;
                *ret_max = a;
                return 0;
        }
        a = priority_from_string(s, (size_t) (dots - s));
        b = priority_from_string(dots + 2, strlen(dots + 2));
        if (a < 0 || b < 0)
                return -EINVAL;
        /* journalctl accepts the range in either order. */
        *ret_min = MIN(a, b);
        *ret_max = MAX(a, b);
        return 0;
}

bool journal_field_name_valid(const char *s, size_t n) {
        if (n == 0 || n > JOURNAL_FIELD_NAME_MAX)
                return false;
        if (s[0] >= '0' && s[0] <= '9')
                return false;
        if (n >= 2 && s[0] == '_' && s[1] == '_')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                        return false;
        return true;
}

static int validate_term(const char *term, char **ret_error) {
        const char *eq = strchr(term, '=');

        if (!eq) {
                if (term[0] == '/')
                        return fail(ret_error,
                                    "journal match '%s' is a path; journalctl's path matches are not "
                                    "supported, use a FIELD=VALUE term such as _EXE=%s",
                                    term, term);
                return fail(ret_error, "journal match '%s' is not a FIELD=VALUE term", term);
        }
        if (!journal_field_name_valid(term, (size_t) (eq - term)))
                return fail(ret_error,
                            "journal match '%s' has an invalid field name (expected 1-%u of A-Z, 0-9, '_', "
                            "not starting with a digit or \"__\")",
                            term, JOURNAL_FIELD_NAME_MAX);
        return 0;
}

int journal_match_validate(const char *line, char **ret_error) {
        _cleanup_strv_free_ char **terms = NULL;
        bool have_term = false;
        int r;

        if (!line)
                return -EINVAL;
        r = strv_split(line, " \t\n\r", &terms);
        if (r < 0)
                return r;
        if (!terms || !terms[0])
                return fail(ret_error, "empty journal match");
        STRV_FOREACH(t, terms) {
                if (streq(*t, "+")) {
                        if (!have_term)
                                return fail(ret_error, "'+' can only be used between match terms");
                        have_term = false;
                        continue;
                }
                r = validate_term(*t, ret_error);
                if (r < 0)
                        return r;
                have_term = true;
        }
        if (!have_term)
                return fail(ret_error, "'+' can only be used between match terms");
        return 0;
}

static bool unit_char_valid(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr(":-_.\\@", c);
}

static bool has_unit_suffix(const char *name) {
        size_t n = strlen(name);

        for (size_t i = 0; i < ELEMENTSOF(unit_suffixes); i++) {
                size_t l = strlen(unit_suffixes[i]);

                if (n > l && streq(name + n - l, unit_suffixes[i]))
                        return true;
        }
        return false;
}

int journal_unit_name_mangle(const char *name, char **ret) {
        char *m;

        if (isempty(name) || name[0] == '/' || name[0] == '.')
                return -EINVAL;
        for (const char *p = name; *p; p++)
                if (!unit_char_valid(*p))
                        return -EINVAL;
        if (has_unit_suffix(name))
                m = strdup(name);
        else if (asprintf(&m, "%s.service", name) < 0)
                m = NULL;
        if (!m)
                return -ENOMEM;
        if (strlen(m) > UNIT_NAME_MAX) {
                free(m);
                return -EINVAL;
        }
        *ret = m;
        return 0;
}

static int add_match_pair(sd_journal *j, const char *field, const char *value) {
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "%s=%s", field, value) < 0)
                return -ENOMEM;
        return sd_journal_add_match(j, m, 0);
}

/* One unit as journalctl's add_matches_for_unit(): its own messages, coredumps of it,
 * PID 1's messages about it, and messages about it from privileged daemons. */
static int add_unit(sd_journal *j, const char *unit) {
        int r;

        if ((r = add_match_pair(j, "_SYSTEMD_UNIT", unit)) < 0 ||
            (r = sd_journal_add_disjunction(j)) < 0 ||
            (r = sd_journal_add_match(j, "MESSAGE_ID=" MESSAGE_ID_COREDUMP, 0)) < 0 ||
            (r = sd_journal_add_match(j, "_UID=0", 0)) < 0 ||
            (r = add_match_pair(j, "COREDUMP_UNIT", unit)) < 0 ||
            (r = sd_journal_add_disjunction(j)) < 0 ||
            (r = sd_journal_add_match(j, "_PID=1", 0)) < 0 ||
            (r = add_match_pair(j, "UNIT", unit)) < 0 ||
            (r = sd_journal_add_disjunction(j)) < 0 ||
            (r = sd_journal_add_match(j, "_UID=0", 0)) < 0 ||
            (r = add_match_pair(j, "OBJECT_SYSTEMD_UNIT", unit)) < 0)
                return r;
        /* A slice also shows everything that runs inside it. */
        if (strlen(unit) > STRLEN(".slice") && streq(unit + strlen(unit) - STRLEN(".slice"), ".slice")) {
                if ((r = sd_journal_add_disjunction(j)) < 0 ||
                    (r = add_match_pair(j, "_SYSTEMD_SLICE", unit)) < 0)
                        return r;
        }
        return 0;
}

static int add_units(sd_journal *j, char **units) {
        int r;

        if (!units || !units[0])
                return 0;
        STRV_FOREACH(u, units) {
                _cleanup_free_ char *m = NULL;

                r = journal_unit_name_mangle(*u, &m);
                if (r < 0)
                        return r;
                r = add_unit(j, m);
                if (r < 0)
                        return r;
                r = sd_journal_add_disjunction(j);
                if (r < 0)
                        return r;
        }
        return sd_journal_add_conjunction(j);
}

static int add_identifiers(sd_journal *j, char **identifiers) {
        int r;

        if (!identifiers || !identifiers[0])
                return 0;
        STRV_FOREACH(i, identifiers) {
                r = add_match_pair(j, "SYSLOG_IDENTIFIER", *i);
                if (r < 0)
                        return r;
                r = sd_journal_add_disjunction(j);
                if (r < 0)
                        return r;
        }
        return sd_journal_add_conjunction(j);
}

static int add_priorities(sd_journal *j, int min, int max) {
        int r;

        /* Unset, or the whole range: journalctl adds no match then, so entries without a
         * PRIORITY field still show. */
        if (min < 0 || max < 0 || (min == 0 && max == 7))
                return 0;
        for (int p = min; p <= max && p <= 7; p++) {
                char m[] = "PRIORITY=0";

                m[STRLEN("PRIORITY=")] = (char) ('0' + p);
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        return sd_journal_add_conjunction(j);
}

static int add_match_line(sd_journal *j, const char *line) {
        _cleanup_strv_free_ char **terms = NULL;
        bool have_term = false;
        int r;

        r = journal_match_validate(line, NULL);
        if (r < 0)
                return r;
        r = strv_split(line, " \t\n\r", &terms);
        if (r < 0)
                return r;
        STRV_FOREACH(t, terms) {
                if (streq(*t, "+")) {
                        if (have_term)
                                r = sd_journal_add_disjunction(j);
                        have_term = false;
                } else {
                        r = sd_journal_add_match(j, *t, 0);
                        have_term = true;
                }
                if (r < 0)
                        return r;
        }
        return sd_journal_add_conjunction(j);
}

static int add_all(sd_journal *j, const SectionConfig *c) {
        int r;

        r = add_units(j, c->journal_unit);
        if (r < 0)
                return r;
        r = add_identifiers(j, c->journal_identifier);
        if (r < 0)
                return r;
        r = add_priorities(j, c->priority_min, c->priority_max);
        if (r < 0)
                return r;
        STRV_FOREACH(l, c->journal_match) {
                r = add_match_line(j, *l);
                if (r < 0)
                        return r;
        }
        return 0;
}

int journal_filters_apply(sd_journal *j, const SectionConfig *c) {
        int r;

        if (!j || !c)
                return -EINVAL;
        sd_journal_flush_matches(j);
        r = add_all(j, c);
        if (r < 0) {
                sd_journal_flush_matches(j);
                return r;
        }
        return 0;
}

static bool strv_contains(char **l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

bool journal_entry_excluded(const SectionConfig *c, const char *unit, const char *identifier) {
        if (unit && strv_contains(c->journal_exclude_unit, unit))
                return true;
        if (identifier && strv_contains(c->journal_exclude_identifier, identifier))
                return true;
        return false;
}
