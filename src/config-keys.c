/* SPDX-License-Identifier: MIT */
/*
 * The one table of configuration keys (name, scope, default, description, parser), and
 * config_build(), which turns merged INI entries into the immutable Config: every value
 * parsed by its key's parser, then the checks that span keys (file vs journal, required
 * keys, keys that only make sense for one kind of source).
 *
 * The defaults column is documentation; the values themselves are set in
 * config-section.c, and test-config checks the two agree. Nothing here logs.
 */

#include <stdarg.h>
#include <stddef.h>
#include <strings.h>

#include "config-internal.h"
#include "cw-limits.h"
#include "multiline.h"
#include "shared/log.h"
#include "shared/parse-util.h"
#include "stream-name.h"

/* Beyond this edit distance a "did you mean" is more confusing than helpful. */
#define SUGGEST_MAX_DISTANCE 2U

#define GENERAL(n, def, desc, fn, field, ...)                                                     \
        { .info = { n, CONFIG_SCOPE_GENERAL, def, desc }, .parse = fn,                           \
          .offset = offsetof(GeneralConfig, field), __VA_ARGS__ }
#define SECTION(n, def, desc, fn, field, ...)                                                     \
        { .info = { n, CONFIG_SCOPE_SECTION, def, desc }, .parse = fn,                           \
          .offset = offsetof(SectionConfig, field), __VA_ARGS__ }

static const ConfigKeyDef keys[] = {
        GENERAL("state_file", NULL, "awslogs compatibility; ignored, state lives in the state directory",
                config_value_ignored, region, .flags = KEY_IGNORED,
                .notice = "cwlogd keeps its state in the state directory (--state-dir)"),
        GENERAL("logging_config_file", NULL, "awslogs compatibility; ignored, cwlogd logs to the journal",
                config_value_ignored, region, .flags = KEY_IGNORED,
                .notice = "cwlogd logs to stderr/the journal; use --log-level"),
        GENERAL("region", NULL, "AWS region (default: --region, AWS_REGION, AWS_DEFAULT_REGION, profile, IMDS)",
                config_value_region, region),
        GENERAL("endpoint", NULL, "CloudWatch Logs endpoint URL (default: https://logs.REGION.amazonaws.com)",
                config_value_endpoint, endpoint),
        GENERAL("profile", "default", "shared-config profile for credentials and region (default: AWS_PROFILE)",
                config_value_string, profile),
        GENERAL("use_gzip_http_content_encoding", "true", "gzip request bodies", config_value_bool, use_gzip),
        GENERAL("queue_size", "10", "batches queued per stream before its source pauses", config_value_unsigned,
                queue_size, .min = 1, .max = QUEUE_SIZE_MAX),
        GENERAL("ca_bundle", NULL, "CA certificates file for TLS (default: the system's)", config_value_path,
                ca_bundle),
        GENERAL("max_event_size", "1048576", "largest event in bytes, including the 26-byte overhead",
                config_value_u64, max_event_size, .min = EVENT_SIZE_MIN, .max = CW_MAX_EVENT_BYTES),
        GENERAL("metrics_listen", NULL, "HOST:PORT on loopback for a Prometheus metrics endpoint (default: off)",
                config_value_metrics_listen, metrics_listen),

        SECTION("file", NULL, "path or glob of a text log; the newest matching file is followed",
                config_value_path, file),
        SECTION("journal", "false", "true: read the systemd journal instead of a file", config_value_journal,
                kind),
        SECTION("log_group_name", NULL, "CloudWatch log group (required)", config_value_log_group,
                log_group_name),
        SECTION("log_stream_name", "{instance_id}", "log stream name template ({instance_id}, {hostname}, {unit}, …)",
                config_value_stream_template, log_stream_name),
        SECTION("initial_position", "start_of_file",
                "where to start without saved state: start_of_file/end_of_file (or _journal)",
                config_value_initial_position, initial_position),
        SECTION("datetime_format", NULL, "strftime-style format (plus %f) of the time at the start of a line",
                config_value_datetime_format, datetime_format, .flags = KEY_FILE_ONLY),
        SECTION("time_zone", "LOCAL", "LOCAL or UTC, for times without an offset", config_value_time_zone,
                time_zone_utc, .flags = KEY_FILE_ONLY),
        SECTION("encoding", "utf_8", "file encoding (Python codec name: utf_8, latin_1, shift_jis, …)",
                config_value_encoding, encoding, .flags = KEY_FILE_ONLY),
        SECTION("multi_line_start_pattern", NULL, "regex (or {datetime_format}) that starts a new event",
                config_value_regex, multi_line_start_pattern, .flags = KEY_FILE_ONLY),
        SECTION("file_fingerprint_lines", "1", "N or N-M: lines hashed to recognise a file across rotation",
                config_value_fingerprint, fingerprint_first, .flags = KEY_FILE_ONLY),
        SECTION("buffer_duration", "5000", "ms a batch may wait before it is sent (min 200)",
                config_value_u64, buffer_duration_ms, .min = BUFFER_DURATION_MIN_MS,
                .max = BUFFER_DURATION_MAX_MS),
        SECTION("batch_count", "10000", "max events per request (1-10000)", config_value_unsigned, batch_count,
                .min = 1, .max = CW_MAX_BATCH_COUNT),
        SECTION("batch_size", "1048576", "max request bytes as CloudWatch counts them (1-1048576)",
                config_value_u64, batch_size, .min = 1, .max = CW_MAX_BATCH_BYTES),
        SECTION("journal_match", NULL, "journalctl-style FIELD=VALUE terms, '+' for OR; repeatable, lines AND",
                config_value_journal_match, journal_match, .flags = KEY_JOURNAL_ONLY | KEY_REPEATABLE),
        SECTION("journal_unit", NULL, "unit name(s), space-separated, as journalctl -u", config_value_units,
                journal_unit, .flags = KEY_JOURNAL_ONLY),
        SECTION("journal_identifier", NULL, "SYSLOG_IDENTIFIER value(s), space-separated, as journalctl -t",
                config_value_words, journal_identifier, .flags = KEY_JOURNAL_ONLY),
        SECTION("journal_exclude_unit", NULL, "unit name(s) whose own entries (_SYSTEMD_UNIT) are dropped",
                config_value_units, journal_exclude_unit, .flags = KEY_JOURNAL_ONLY),
        SECTION("journal_exclude_identifier", NULL, "SYSLOG_IDENTIFIER value(s) whose entries are dropped",
                config_value_words, journal_exclude_identifier, .flags = KEY_JOURNAL_ONLY),
        SECTION("journal_priority", NULL, "as journalctl -p: warning, err..warning, 0..4",
                config_value_priority, priority_min, .flags = KEY_JOURNAL_ONLY),
        SECTION("journal_namespace", NULL, "journal namespace to read (journalctl --namespace)",
                config_value_namespace, journal_namespace, .flags = KEY_JOURNAL_ONLY),
        SECTION("journal_directory", NULL, "read journal files from this directory instead",
                config_value_path, journal_directory, .flags = KEY_JOURNAL_ONLY),
        SECTION("journal_format", "message", "message, short, json or json:F1,F2,…",
                config_value_journal_format, journal_format, .flags = KEY_JOURNAL_ONLY),
        SECTION("exclude_pattern", NULL, "regex; matching events are dropped and counted", config_value_regex,
                exclude_pattern),
        SECTION("retention_in_days", NULL, "retention set on log groups cwlogd creates", config_value_retention,
                retention_in_days),
        SECTION("create_log_group", "true", "create missing log groups and streams", config_value_bool,
                create_log_group),
        SECTION("max_streams", "100", "cap on distinct per-event streams ({unit}, {identifier}) per section",
                config_value_unsigned, max_streams, .min = 1, .max = MAX_STREAMS_MAX),
        {},
};

const ConfigKeyDef *config_key_defs(void) {
        return keys;
}

const ConfigKeyInfo *config_key_table(void) {
        static ConfigKeyInfo table[ELEMENTSOF(keys)];

        if (!table[0].name)
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        table[i] = keys[i].info;
        return table;
}

const ConfigKeyDef *config_key_lookup(const char *name) {
        for (const ConfigKeyDef *k = keys; k->info.name; k++)
                if (strcasecmp(k->info.name, name) == 0)
                        return k;
        return NULL;
}

const ConfigKeyDef *config_key_suggest(const char *name, ConfigScope scope) {
        const ConfigKeyDef *best = NULL;
        unsigned best_d = SUGGEST_MAX_DISTANCE + 1;

        for (const ConfigKeyDef *k = keys; k->info.name; k++) {
                unsigned d;

                if (k->info.scope != scope)
                        continue;
                d = string_distance(name, k->info.name);
                if (d < best_d) {
                        best = k;
                        best_d = d;
                }
        }
        return best;
}

static int apply_entries(const RawSection *rs, void *obj, char ***notices, char **ret_error) {
        int r;

        for (size_t i = 0; i < rs->n_entries; i++) {
                const ConfigEntry *e = &rs->entries[i];
                _cleanup_free_ char *msg = NULL;

                if (isempty(e->value)) /* empty: back to the default */
                        continue;
                if (e->key->flags & KEY_IGNORED) {
                        if (asprintf(&msg, "%s:%u: %s is ignored: %s", e->file, e->line, e->key->info.name,
                                     e->key->notice) < 0)
                                return -ENOMEM;
                        r = strv_extend(notices, msg);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = e->key->parse(e->key, e->value, obj, &msg);
                if (r == -EINVAL)
                        return config_error(ret_error, "%s:%u: %s", e->file, e->line, strna(msg));
                if (r < 0)
                        return r;
        }
        return 0;
}

static const ConfigEntry *find_entry(const RawSection *rs, const char *key) {
        for (size_t i = 0; i < rs->n_entries; i++)
                if (streq(rs->entries[i].key->info.name, key) && !isempty(rs->entries[i].value))
                        return &rs->entries[i];
        return NULL;
}

static int check_kind_keys(const RawSection *rs, const SectionConfig *s, char **ret_error) {
        for (size_t i = 0; i < rs->n_entries; i++) {
                const ConfigEntry *e = &rs->entries[i];

                /* [DEFAULT] may hold keys for both kinds; each section takes what fits */
                if (isempty(e->value) || e->inherited)
                        continue;
                if ((e->key->flags & KEY_JOURNAL_ONLY) && s->kind != SOURCE_JOURNAL)
                        return config_error(ret_error, "%s:%u: %s is only valid with journal = true", e->file,
                                           e->line, e->key->info.name);
                if ((e->key->flags & KEY_FILE_ONLY) && s->kind == SOURCE_JOURNAL)
                        return config_error(ret_error, "%s:%u: %s is only valid for files, not with journal = true",
                                           e->file, e->line, e->key->info.name);
        }
        return 0;
}

/* The file source builds its multi-line grouping from these keys: a trial build here makes
 * a config that passes --check-config one that starts (the pattern compiles as the source
 * compiles it). JIT is not tried. {datetime_format} without datetime_format is what the old
 * agent answered with a warning and its default pattern; so does cwlogd, with a notice, as
 * an awslogs.conf that worked must keep working. */
static int check_multiline(const RawSection *rs, SectionConfig *s, char ***notices, char **ret_error) {
        _cleanup_(multiline_freep) Multiline *m = NULL;
        _cleanup_free_ char *why = NULL;
        const ConfigEntry *e;
        int r;

        if (s->kind != SOURCE_FILE)
                return 0;
        e = find_entry(rs, "multi_line_start_pattern");
        if (e && streq(e->value, MULTILINE_DATETIME_PATTERN) && !s->datetime_format) {
                if (asprintf(&why, "%s:%u: multi_line_start_pattern {datetime_format} without datetime_format: "
                             "using the default '%s', as the old agent did", e->file, e->line,
                             MULTILINE_DEFAULT_PATTERN) < 0)
                        return -ENOMEM;
                s->multi_line_start_pattern = mfree(s->multi_line_start_pattern);
                return strv_extend(notices, why);
        }
        r = multiline_new(s->multi_line_start_pattern, s->datetime_format, s->time_zone_utc,
                          (size_t) CW_MAX_EVENT_BYTES - CW_EVENT_OVERHEAD, &m, &why);
        if (r != -EINVAL)
                return MIN(r, 0);
        e = find_entry(rs, "multi_line_start_pattern") ?: find_entry(rs, "datetime_format");
        return config_error(ret_error, "%s:%u: %s", e ? e->file : rs->file, e ? e->line : rs->line,
                           why ?: "invalid multi_line_start_pattern");
}

static int validate_section(const RawSection *rs, const SectionConfig *s, char **ret_error) {
        const ConfigEntry *e;
        int r;

        if (s->kind == SOURCE_JOURNAL && s->file) {
                e = find_entry(rs, "journal");
                return config_error(ret_error, "%s:%u: journal = true cannot be combined with file in section [%s]",
                                     e->file, e->line, s->name);
        }
        r = check_kind_keys(rs, s, ret_error);
        if (r < 0)
                return r;
        if (s->kind == SOURCE_FILE && !s->file)
                return config_error(ret_error, "%s:%u: section [%s] has neither file nor journal = true",
                                     rs->file, rs->line, s->name);
        if (s->kind == SOURCE_FILE && stream_template_is_per_event(s->log_stream_name)) {
                e = find_entry(rs, "log_stream_name");
                return config_error(ret_error, "%s:%u: {unit} and {identifier} in log_stream_name are only "
                                   "available with journal = true", e->file, e->line);
        }
        if (!s->log_group_name)
                return config_error(ret_error, "%s:%u: section [%s] has no log_group_name", rs->file, rs->line,
                                     s->name);
        if (s->journal_namespace && s->journal_directory) {
                e = find_entry(rs, "journal_directory");
                return config_error(ret_error,
                                     "%s:%u: journal_namespace and journal_directory cannot both be set in "
                                     "section [%s]",
                                     e->file, e->line, s->name);
        }
        return 0;
}

static int build_section(const RawSection *rs, Config *c, char **ret_error) {
        _cleanup_(section_config_freep) SectionConfig *s = NULL;
        SectionConfig **n;
        int r;

        r = section_config_new(rs->name, rs->file, rs->line, &s);
        if (r < 0)
                return r;
        r = apply_entries(rs, s, &c->notices, ret_error);
        if (r < 0)
                return r;
        r = validate_section(rs, s, ret_error);
        if (r < 0)
                return r;
        r = check_multiline(rs, s, &c->notices, ret_error);
        if (r < 0)
                return r;
        /* Two sections must never share a state file (e.g. [-var-log-x] and [/var/log/x]). */
        for (size_t i = 0; i < c->n_sections; i++) {
                _cleanup_free_ char *a = section_state_name(c->sections[i]), *b = section_state_name(s);

                if (!a || !b)
                        return -ENOMEM;
                if (streq(a, b))
                        return config_error(ret_error, "%s:%u: sections [%s] and [%s] would share the state file '%s'",
                                           rs->file, rs->line, c->sections[i]->name, s->name, b);
        }
        n = reallocarray(c->sections, c->n_sections + 1, sizeof(SectionConfig *));
        if (!n)
                return -ENOMEM;
        c->sections = n;
        n[c->n_sections++] = TAKE_PTR(s);
        return 0;
}

static bool has_key(const RawSection *rs, const ConfigKeyDef *k) {
        for (size_t i = 0; i < rs->n_entries; i++)
                if (rs->entries[i].key == k)
                        return true;
        return false;
}

/* The view config_build() works on: the section's entries, preceded by [DEFAULT]'s for keys of
 * this scope that the section does not set itself (ConfigParser's rule). Entries are borrowed:
 * free only ret->entries. */
static int merge_defaults(const RawSection *defaults, const RawSection *rs, ConfigScope scope, RawSection *ret) {
        size_t n = 0, max = rs->n_entries + (defaults ? defaults->n_entries : 0);
        ConfigEntry *e;

        e = calloc(MAX(max, (size_t) 1), sizeof(ConfigEntry));
        if (!e)
                return -ENOMEM;
        for (size_t i = 0; defaults && i < defaults->n_entries; i++) {
                const ConfigEntry *d = &defaults->entries[i];

                if (d->key->info.scope != scope || has_key(rs, d->key))
                        continue;
                e[n] = *d;
                e[n++].inherited = true;
        }
        for (size_t i = 0; i < rs->n_entries; i++)
                e[n++] = rs->entries[i];
        *ret = (RawSection) { .name = rs->name, .file = rs->file, .line = rs->line, .entries = e, .n_entries = n };
        return 0;
}

static int build_one(const RawSection *defaults, const RawSection *rs, Config *c, char **ret_error) {
        bool general = streq(rs->name, CONFIG_GENERAL);
        RawSection m;
        int r;

        r = merge_defaults(defaults, rs, general ? CONFIG_SCOPE_GENERAL : CONFIG_SCOPE_SECTION, &m);
        if (r < 0)
                return r;
        if (general)
                r = apply_entries(&m, &c->general, &c->notices, ret_error);
        else
                r = build_section(&m, c, ret_error);
        free(m.entries);
        return r;
}

static const RawSection *raw_find(const RawConfig *raw, const char *name) {
        for (size_t i = 0; i < raw->n_sections; i++)
                if (streq(raw->sections[i].name, name))
                        return &raw->sections[i];
        return NULL;
}

int config_build(const RawConfig *raw, Config **ret, char **ret_error) {
        const RawSection *defaults = raw_find(raw, CONFIG_DEFAULTS);
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        c = calloc(1, sizeof(Config));
        if (!c)
                return -ENOMEM;
        general_config_init(&c->general);
        STRV_FOREACH(n, raw->notices) {
                r = strv_extend(&c->notices, *n);
                if (r < 0)
                        return r;
        }
        /* [DEFAULT]'s [general] keys apply even without a [general] section */
        if (defaults && !raw_find(raw, CONFIG_GENERAL)) {
                r = build_one(defaults, &(RawSection) { .name = (char *) CONFIG_GENERAL, .file = defaults->file,
                                                        .line = defaults->line }, c, ret_error);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < raw->n_sections; i++) {
                if (&raw->sections[i] == defaults)
                        continue;
                r = build_one(defaults, &raw->sections[i], c, ret_error);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_sections; i++)
                c->sections[i]->max_event_size = c->general.max_event_size;
        *ret = TAKE_PTR(c);
        return 0;
}
