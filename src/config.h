/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The configuration: awslogs.conf-compatible INI (main file + drop-ins) parsed into an
 * immutable Config. Parsing is pure: no logging above debug, no network. Errors come back
 * as one "FILE:LINE: message" string for the caller to print; notices (accepted-but-ignored
 * keys such as state_file) come back as a list the daemon logs.
 *
 * Syntax (what awslogs' Python ConfigParser read, minus its oddities):
 *   - "[name]" starts a section; "[general]" is the global one. Section names may contain
 *     '/' (the old agent's docs use "[/var/log/messages]"); state files use
 *     section_state_name().
 *   - "key = value" or "key: value"; keys are case-insensitive, values are stripped.
 *   - Lines whose first non-blank character is '#' or ';' are comments. There are no
 *     inline comments: " #" and " ;" are kept as part of the value, because values such as
 *     datetime_format and regular expressions may contain them. (Python 2's ConfigParser
 *     cut values at " ;"; nobody's awslogs.conf is known to rely on that.)
 *   - A key repeated within the merged files: the last one wins, except journal_match
 *     which accumulates (each line ANDs). An empty value resets a key to its default, so a
 *     drop-in can undo a setting ("journal_match =" clears all earlier lines).
 *   - No continuation lines, no interpolation.
 */

#include "shared/macro.h"

typedef enum SourceKind {
        SOURCE_FILE,
        SOURCE_JOURNAL,
} SourceKind;

typedef enum InitialPosition {
        POSITION_START, /* start_of_file / start_of_journal */
        POSITION_END,   /* end_of_file / end_of_journal */
} InitialPosition;

typedef enum JournalFormat {
        JOURNAL_FORMAT_MESSAGE,
        JOURNAL_FORMAT_SHORT,
        JOURNAL_FORMAT_JSON, /* journal_fields NULL: every field; else only those */
} JournalFormat;

typedef struct SectionConfig {
        char *name;        /* the [section] name; also names the state file */
        char *origin_file; /* where the section header was, for messages */
        unsigned origin_line;

        SourceKind kind;
        char *log_group_name;
        char *log_stream_name; /* template, default "{instance_id}" */
        InitialPosition initial_position;
        uint64_t buffer_duration_ms;
        unsigned batch_count;
        uint64_t batch_size;
        char *exclude_pattern; /* PCRE2, validated */
        unsigned retention_in_days; /* 0: leave alone */
        bool create_log_group;
        unsigned max_streams; /* distinct per-event streams per section */
        uint64_t max_event_size; /* [general] max_event_size, copied here for the source's caps */

        /* file sections */
        char *file;
        char *datetime_format;
        bool time_zone_utc;
        char *encoding; /* normalised codec name, e.g. "utf_8" */
        char *multi_line_start_pattern;
        unsigned fingerprint_first, fingerprint_last; /* 1-based inclusive line range */

        /* journal sections */
        char **journal_match; /* one entry per journal_match line, in order */
        char **journal_unit;
        char **journal_identifier;
        char **journal_exclude_unit;
        char **journal_exclude_identifier;
        int priority_min, priority_max; /* -1 when journal_priority is unset */
        char *journal_namespace;
        char *journal_directory;
        JournalFormat journal_format;
        char **journal_fields; /* json:F1,F2 */
} SectionConfig;

typedef struct GeneralConfig {
        char *region;   /* NULL: the region chain decides */
        char *endpoint; /* NULL: derived from the region or the environment */
        char *profile;  /* NULL: AWS_PROFILE, else "default" */
        char *ca_bundle;
        bool use_gzip;
        unsigned queue_size;
        uint64_t max_event_size;
        char *metrics_listen; /* "HOST:PORT" on a loopback address, or NULL */
} GeneralConfig;

typedef struct Config {
        GeneralConfig general;
        SectionConfig **sections;
        size_t n_sections;
        char **notices; /* "FILE:LINE: message" for accepted-but-ignored keys */
} Config;

/* Scope of a key in the key table. */
typedef enum ConfigScope {
        CONFIG_SCOPE_GENERAL,
        CONFIG_SCOPE_SECTION,
} ConfigScope;

typedef struct ConfigKeyInfo {
        const char *name;
        ConfigScope scope;
        const char *default_value; /* as the user would write it; NULL: no default */
        const char *description;   /* one line */
} ConfigKeyInfo;

/* The single table of keys that config.c accepts; NULL-name terminated. Docs are checked
 * against it by a test. */
const ConfigKeyInfo *config_key_table(void);

/* Parses main_path, then every *.conf in dropin_dir (may be NULL or missing) in lexical
 * order. On failure returns -ECONFIG (or -errno for I/O) and sets *ret_error to
 * "FILE:LINE: message" (or "FILE: message"). */
int config_load(const char *main_path, const char *dropin_dir, Config **ret, char **ret_error);
/* Same, from a string (for tests and fuzzing); name is used in messages. */
int config_parse_string(const char *name, const char *text, Config **ret, char **ret_error);

Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/* True when two sections would read and ship the same way (reload keeps their position). */
bool section_config_equal(const SectionConfig *a, const SectionConfig *b);
const SectionConfig *config_find_section(const Config *c, const char *name);

/* The section name made safe as a file name in the state dir, the way `systemd-escape`
 * escapes a string: '/' becomes '-'; a leading '.', every '-', every backslash and every
 * byte outside [A-Za-z0-9:_.] become a backslash, 'x' and two lower-case hex digits.
 * Unique and reversible (`systemd-escape -u`), so two sections never share a state file. "/var/log/messages" -> "-var-log-messages".
 * NULL on OOM. Config validation guarantees the result fits SECTION_STATE_NAME_MAX. */
char *section_state_name(const SectionConfig *s);
/* Same, from a bare name. */
char *config_escape_state_name(const char *name);

/* The iconv(3) name for a normalised encoding ("latin_1" -> "ISO-8859-1"), NULL if the
 * name is not one config accepts. */
const char *config_encoding_iconv_name(const char *encoding);
