/* SPDX-License-Identifier: MIT */
/*
 * SectionConfig and GeneralConfig lifecycles: defaults (they must agree with the key
 * table's default column; test-config checks that), destruction, the equality the daemon
 * uses on reload, and the state-file name of a section.
 */

#include "config-internal.h"
#include "cw-limits.h"

void general_config_init(GeneralConfig *g) {
        *g = (GeneralConfig) {
                .use_gzip = true,
                .queue_size = QUEUE_SIZE_DEFAULT,
                .max_event_size = CW_MAX_EVENT_BYTES,
        };
}

void general_config_done(GeneralConfig *g) {
        free(g->region);
        free(g->endpoint);
        free(g->profile);
        free(g->ca_bundle);
        free(g->metrics_listen);
        *g = (GeneralConfig) {};
}

int section_config_new(const char *name, const char *file, unsigned line, SectionConfig **ret) {
        _cleanup_(section_config_freep) SectionConfig *s = NULL;

        s = calloc(1, sizeof(SectionConfig));
        if (!s)
                return -ENOMEM;
        *s = (SectionConfig) {
                .origin_line = line,
                .kind = SOURCE_FILE,
                .initial_position = POSITION_START,
                .buffer_duration_ms = BUFFER_DURATION_DEFAULT_MS,
                .batch_count = CW_MAX_BATCH_COUNT,
                .batch_size = CW_MAX_BATCH_BYTES,
                .create_log_group = true,
                .max_streams = MAX_STREAMS_DEFAULT,
                .max_event_size = CW_MAX_EVENT_BYTES,
                .fingerprint_first = 1,
                .fingerprint_last = 1,
                .priority_min = -1,
                .priority_max = -1,
                .journal_format = JOURNAL_FORMAT_MESSAGE,
        };
        s->name = strdup(name);
        s->origin_file = strdup(file);
        s->log_stream_name = strdup("{instance_id}");
        s->encoding = strdup("utf_8");
        if (!s->name || !s->origin_file || !s->log_stream_name || !s->encoding)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

SectionConfig *section_config_free(SectionConfig *s) {
        if (!s)
                return NULL;
        free(s->name);
        free(s->origin_file);
        free(s->log_group_name);
        free(s->log_stream_name);
        free(s->exclude_pattern);
        free(s->file);
        free(s->datetime_format);
        free(s->encoding);
        free(s->multi_line_start_pattern);
        strv_free(s->journal_match);
        strv_free(s->journal_unit);
        strv_free(s->journal_identifier);
        strv_free(s->journal_exclude_unit);
        strv_free(s->journal_exclude_identifier);
        free(s->journal_namespace);
        free(s->journal_directory);
        strv_free(s->journal_fields);
        return mfree(s);
}

static bool strv_equal(char **a, char **b) {
        size_t i;

        for (i = 0; a && b && a[i] && b[i]; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return (!a || !a[i]) && (!b || !b[i]);
}

/* Everything except where the section was written down. */
bool section_config_equal(const SectionConfig *a, const SectionConfig *b) {
        if (!a || !b)
                return a == b;
        return streq_ptr(a->name, b->name) && a->kind == b->kind &&
               streq_ptr(a->log_group_name, b->log_group_name) &&
               streq_ptr(a->log_stream_name, b->log_stream_name) && a->initial_position == b->initial_position &&
               a->buffer_duration_ms == b->buffer_duration_ms && a->batch_count == b->batch_count &&
               a->batch_size == b->batch_size && streq_ptr(a->exclude_pattern, b->exclude_pattern) &&
               a->retention_in_days == b->retention_in_days && a->create_log_group == b->create_log_group &&
               a->max_streams == b->max_streams && a->max_event_size == b->max_event_size &&
               streq_ptr(a->file, b->file) &&
               streq_ptr(a->datetime_format, b->datetime_format) && a->time_zone_utc == b->time_zone_utc &&
               streq_ptr(a->encoding, b->encoding) &&
               streq_ptr(a->multi_line_start_pattern, b->multi_line_start_pattern) &&
               a->fingerprint_first == b->fingerprint_first && a->fingerprint_last == b->fingerprint_last &&
               strv_equal(a->journal_match, b->journal_match) && strv_equal(a->journal_unit, b->journal_unit) &&
               strv_equal(a->journal_identifier, b->journal_identifier) &&
               strv_equal(a->journal_exclude_unit, b->journal_exclude_unit) &&
               strv_equal(a->journal_exclude_identifier, b->journal_exclude_identifier) &&
               a->priority_min == b->priority_min && a->priority_max == b->priority_max &&
               streq_ptr(a->journal_namespace, b->journal_namespace) &&
               streq_ptr(a->journal_directory, b->journal_directory) && a->journal_format == b->journal_format &&
               strv_equal(a->journal_fields, b->journal_fields);
}

static bool state_char_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
               c == '_' || c == '.';
}

char *config_escape_state_name(const char *name) {
        static const char hex[] = "0123456789abcdef";
        char *out, *t;

        if (!name)
                return NULL;
        /* Names that are already good file names are used as they are ("nginx-access" ->
         * nginx-access.cursor, SPEC §7); anything else is escaped like systemd-escape does,
         * reversibly, with '/' as '-' ("/var/log/messages" -> -var-log-messages). */
        if (name[0] != '.' && name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-")] == 0)
                return strdup(name);
        out = malloc(strlen(name) * 4 + 1);
        if (!out)
                return NULL;
        t = out;
        for (const char *f = name; *f; f++) {
                unsigned char c = (unsigned char) *f;

                if (c == '/')
                        *t++ = '-';
                else if (state_char_plain((char) c) && !(f == name && c == '.'))
                        *t++ = (char) c;
                else {
                        *t++ = '\\';
                        *t++ = 'x';
                        *t++ = hex[c >> 4];
                        *t++ = hex[c & 15];
                }
        }
        *t = 0;
        return out;
}

char *section_state_name(const SectionConfig *s) {
        return s ? config_escape_state_name(s->name) : NULL;
}
