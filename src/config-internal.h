/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared between the config files only (config.c: INI syntax, merging, loading;
 * config-keys.c: the key table and turning merged entries into a Config;
 * config-values.c: value parsers; config-section.c: section defaults, equality, state
 * file names). Not an API for other modules.
 *
 * Two stages: the INI text of every file is merged into a RawConfig (sections by name,
 * keys already resolved against the key table, each value with the FILE:LINE it came
 * from); then config_build() parses and validates values into the immutable Config.
 */

#include "config.h"

typedef struct ConfigKeyDef ConfigKeyDef;

/* Parses value into the field at obj + k->offset (obj is a GeneralConfig or SectionConfig
 * by the key's scope). On a bad value returns -EINVAL with *ret_msg set to the reason
 * without location; config_build() prefixes "FILE:LINE: ". */
typedef int (*ConfigParser)(const ConfigKeyDef *k, const char *value, void *obj, char **ret_msg);

enum {
        KEY_FILE_ONLY = 1 << 0,    /* only in file sections */
        KEY_JOURNAL_ONLY = 1 << 1, /* only with journal = true */
        KEY_REPEATABLE = 1 << 2,   /* each occurrence adds a value; an empty value clears */
        KEY_IGNORED = 1 << 3,      /* awslogs-only: accepted, ignored, noted */
};

struct ConfigKeyDef {
        ConfigKeyInfo info;
        ConfigParser parse;
        size_t offset;
        uint64_t min, max; /* numeric keys */
        unsigned flags;
        const char *notice; /* KEY_IGNORED: why */
};

/* NULL-name terminated. */
const ConfigKeyDef *config_key_defs(void);
/* Case-insensitive lookup over both scopes. */
const ConfigKeyDef *config_key_lookup(const char *name);
/* The closest key of that scope, if close enough to suggest. */
const ConfigKeyDef *config_key_suggest(const char *name, ConfigScope scope);

typedef struct ConfigEntry {
        const ConfigKeyDef *key;
        char *value;
        const char *file; /* owned by RawConfig.files */
        unsigned line;
        bool inherited; /* from [DEFAULT] (only in the merged view config_build() makes) */
} ConfigEntry;

typedef struct RawSection {
        char *name;
        const char *file;
        unsigned line;
        ConfigEntry *entries;
        size_t n_entries;
} RawSection;

typedef struct RawConfig {
        RawSection *sections;
        size_t n_sections;
        char **files;
        char **notices; /* found while reading (drop-in merging); handed to Config */
} RawConfig;

#define CONFIG_GENERAL "general"
/* Python's ConfigParser section whose keys are the defaults of every other section (the
 * old agent read awslogs.conf with it). Case-sensitive, like Python's. */
#define CONFIG_DEFAULTS "DEFAULT"

/* config.c: reads one file into raw. dropin: it is one of --additional-configs-dir's. */
int config_load_file(RawConfig *raw, const char *path, bool dropin, char **ret_error);
/* Formats a located error into *ret_error (replacing it) and returns -ECONFIG, or -ENOMEM. */
int config_error(char **ret_error, const char *fmt, ...) _printf_(2, 3);
/* config-dropin.c: every *.conf of dir in lexical order (none if dir is missing). */
int config_load_dropins(RawConfig *raw, const char *dir, char **ret_error);

/* Formats a message into *ret_msg (replacing it) and returns -EINVAL, or -ENOMEM. */
int config_msg(char **ret_msg, const char *fmt, ...) _printf_(2, 3);

int config_build(const RawConfig *raw, Config **ret, char **ret_error);

/* config-section.c: a section with every default of the key table applied. */
int section_config_new(const char *name, const char *file, unsigned line, SectionConfig **ret);
SectionConfig *section_config_free(SectionConfig *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(SectionConfig *, section_config_free);
void general_config_init(GeneralConfig *g);
void general_config_done(GeneralConfig *g);

/* Value parsers (config-values.c). */
int config_value_string(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_path(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_bool(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_unsigned(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_u64(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_words(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_units(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_ignored(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_region(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_endpoint(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_metrics_listen(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_journal(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_log_group(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_stream_template(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_initial_position(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_time_zone(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_encoding(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_datetime_format(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_regex(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_fingerprint(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_retention(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_journal_match(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_priority(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_namespace(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);
int config_value_journal_format(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg);

/* Normalises an encoding name as Python's codec lookup would, then resolves aliases:
 * "UTF-8" -> "utf_8", "iso-8859-1" -> "latin_1". NULL if unknown. */
const char *config_encoding_canonical(const char *name);
/* The i-th canonical codec name, NULL past the end (for tests). */
const char *config_encoding_by_index(size_t i);
