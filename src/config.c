/* SPDX-License-Identifier: MIT */
/*
 * awslogs.conf-compatible INI: the syntax, merging of the main file with drop-ins, and
 * loading files. Values are not interpreted here (config-keys.c does that), but every key
 * is resolved against the key table as soon as it is read, so an unknown key is reported
 * at its own FILE:LINE. The syntax rules are documented in config.h.
 *
 * Pure apart from reading the files: nothing is logged, errors come back as one
 * "FILE:LINE: message" (or "FILE: message") string.
 */

#include <ctype.h>
#include <stdarg.h>

#include "config-internal.h"
#include "cw-limits.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/strbuf.h"
#include "shared/parse-util.h"

/* How much of a malformed line an error message quotes. */
#define QUOTE_MAX 60

int config_msg(char **ret_msg, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_error_messagev(ret_msg, EINVAL, fmt, ap);
        va_end(ap);
        return r;
}

/* Like config_msg() but returns -ECONFIG: a located error that ends the parse. */
int config_error(char **ret_error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_error_messagev(ret_error, ECONFIG, fmt, ap);
        va_end(ap);
        return r;
}

static void raw_config_done(RawConfig *raw) {
        for (size_t i = 0; i < raw->n_sections; i++) {
                RawSection *s = &raw->sections[i];

                for (size_t j = 0; j < s->n_entries; j++)
                        free(s->entries[j].value);
                free(s->entries);
                free(s->name);
        }
        free(raw->sections);
        strv_free(raw->files);
        strv_free(raw->notices);
        *raw = (RawConfig) {};
}

static RawSection *raw_section_find(RawConfig *raw, const char *name) {
        for (size_t i = 0; i < raw->n_sections; i++)
                if (streq(raw->sections[i].name, name))
                        return &raw->sections[i];
        return NULL;
}

static RawSection *raw_section_get(RawConfig *raw, const char *name, const char *file, unsigned line) {
        RawSection *n, *old = raw_section_find(raw, name);
        char *copy;

        if (old)
                return old;
        copy = strdup(name);
        if (!copy)
                return NULL;
        n = reallocarray(raw->sections, raw->n_sections + 1, sizeof(RawSection));
        if (!n) {
                free(copy);
                return NULL;
        }
        raw->sections = n;
        n[raw->n_sections] = (RawSection) { .name = copy, .file = file, .line = line };
        return &n[raw->n_sections++];
}

static void raw_section_drop_key(RawSection *s, const ConfigKeyDef *k) {
        size_t w = 0;

        for (size_t i = 0; i < s->n_entries; i++) {
                if (s->entries[i].key == k)
                        free(s->entries[i].value);
                else
                        s->entries[w++] = s->entries[i];
        }
        s->n_entries = w;
}

/* Later values replace earlier ones in place (the entry keeps its position, the location
 * moves to the new line); repeatable keys append, and an empty one clears them. */
static int raw_section_set(RawSection *s, const ConfigKeyDef *k, const char *value, const char *file,
                           unsigned line) {
        ConfigEntry *n;
        char *v;

        if ((k->flags & KEY_REPEATABLE) && isempty(value)) {
                raw_section_drop_key(s, k);
                return 0;
        }
        v = strdup(value);
        if (!v)
                return -ENOMEM;
        if (!(k->flags & KEY_REPEATABLE))
                for (size_t i = 0; i < s->n_entries; i++)
                        if (s->entries[i].key == k) {
                                free(s->entries[i].value);
                                s->entries[i] = (ConfigEntry) { k, v, file, line };
                                return 0;
                        }
        n = reallocarray(s->entries, s->n_entries + 1, sizeof(ConfigEntry));
        if (!n) {
                free(v);
                return -ENOMEM;
        }
        s->entries = n;
        n[s->n_entries++] = (ConfigEntry) { k, v, file, line };
        return 0;
}

typedef struct Parser {
        RawConfig *raw;
        const char *file;
        unsigned line;
        bool dropin;
        RawSection *section;
        char **error;
} Parser;

/* The old agent (awscli-cwlogs) skipped [general] and every section it already had when it
 * read its additional configs; cwlogd merges them (SPEC §2). Say so where that differs. */
static int note_dropin_merge(Parser *p, const char *name) {
        const RawSection *old = raw_section_find(p->raw, name);
        _cleanup_free_ char *m = NULL;
        int r;

        if (!p->dropin || (!old && !streq(name, CONFIG_GENERAL)) || (old && old->file == p->file))
                return 0;
        if (old)
                r = asprintf(&m, "%s:%u: [%s] was already defined at %s:%u; the keys here are merged into it "
                             "(the old agent ignored a repeated section in its additional configs)",
                             p->file, p->line, name, old->file, old->line);
        else
                r = asprintf(&m, "%s:%u: [general] in a drop-in is merged with the main file's (the old agent "
                             "ignored it)", p->file, p->line);
        if (r < 0)
                return -ENOMEM;
        return strv_extend(&p->raw->notices, m);
}

static int parse_header(Parser *p, char *l) {
        size_t n = strlen(l);
        _cleanup_free_ char *escaped = NULL;
        char *name;
        int r;

        if (n < 2 || l[n - 1] != ']')
                return config_error(p->error, "%s:%u: section header is missing its closing ']'", p->file,
                                    p->line);
        l[n - 1] = 0;
        name = strstrip(l + 1);
        if (isempty(name))
                return config_error(p->error, "%s:%u: empty section name", p->file, p->line);
        for (const char *c = name; *c; c++)
                if (*c == '[' || *c == ']' || (unsigned char) *c < 0x20 || *c == 0x7F)
                        return config_error(p->error, "%s:%u: invalid character in section name [%s]", p->file,
                                            p->line, name);
        escaped = config_escape_state_name(name);
        if (!escaped)
                return -ENOMEM;
        if (strlen(escaped) > SECTION_STATE_NAME_MAX)
                return config_error(p->error, "%s:%u: section name [%s] is too long for a state file name",
                                    p->file, p->line, name);
        r = note_dropin_merge(p, name);
        if (r < 0)
                return r;
        p->section = raw_section_get(p->raw, name, p->file, p->line);
        return p->section ? 0 : -ENOMEM;
}

static int unknown_key(Parser *p, const char *key, ConfigScope scope) {
        const ConfigKeyDef *near = config_key_suggest(key, scope);

        if (near)
                return config_error(p->error, "%s:%u: unknown key '%s' in section [%s], did you mean '%s'?",
                                    p->file, p->line, key, p->section->name, near->info.name);
        return config_error(p->error, "%s:%u: unknown key '%s' in section [%s]", p->file, p->line, key,
                            p->section->name);
}

static int parse_assignment(Parser *p, char *l, size_t sep) {
        char sepc = l[sep], *key, *value;
        const ConfigKeyDef *k;
        ConfigScope scope;

        l[sep] = 0;
        key = strstrip(l);
        value = strstrip(l + sep + 1);
        if (isempty(key))
                return config_error(p->error, "%s:%u: missing key before '%c'", p->file, p->line, sepc);
        if (!p->section)
                return config_error(p->error,
                                    "%s:%u: key '%s' is outside of any section (put it under [general] or a "
                                    "stream section)",
                                    p->file, p->line, key);
        scope = streq(p->section->name, CONFIG_GENERAL) ? CONFIG_SCOPE_GENERAL : CONFIG_SCOPE_SECTION;
        k = config_key_lookup(key);
        if (!k)
                return unknown_key(p, key, scope);
        /* [DEFAULT] holds keys of either scope; each applies where it belongs. */
        if (k->info.scope != scope && !streq(p->section->name, CONFIG_DEFAULTS))
                return config_error(p->error,
                                    scope == CONFIG_SCOPE_GENERAL
                                            ? "%s:%u: key '%s' is not valid in [general], only in stream sections"
                                            : "%s:%u: key '%s' is only valid in [general]",
                                    p->file, p->line, key);
        return raw_section_set(p->section, k, value, p->file, p->line);
}

static int parse_line(Parser *p, char *line) {
        char *l = strstrip(line);
        size_t sep;

        if (isempty(l) || l[0] == '#' || l[0] == ';')
                return 0;
        if (l[0] == '[')
                return parse_header(p, l);
        /* Like ConfigParser: the key ends at the first '=' or ':'. */
        sep = strcspn(l, "=:");
        if (!l[sep])
                return config_error(p->error, "%s:%u: expected 'key = value' or '[section]', got '%.*s%s'",
                                    p->file, p->line, QUOTE_MAX, l, strlen(l) > QUOTE_MAX ? "…" : "");
        return parse_assignment(p, l, sep);
}

static int parse_text(RawConfig *raw, const char *name, const char *text, bool dropin, char **ret_error) {
        Parser p = { .raw = raw, .dropin = dropin, .error = ret_error };
        const char *t = text;
        int r;

        r = strv_extend(&raw->files, name);
        if (r < 0)
                return r;
        p.file = raw->files[strv_length(raw->files) - 1];
        if (startswith(t, "\xEF\xBB\xBF")) /* UTF-8 byte order mark, as Notepad writes */
                t += 3;
        while (*t) {
                size_t n = strcspn(t, "\n");
                _cleanup_free_ char *line = strndup(t, n);

                if (!line)
                        return -ENOMEM;
                p.line++;
                r = parse_line(&p, line);
                if (r < 0)
                        return r;
                t += n;
                if (*t == '\n')
                        t++;
        }
        return 0;
}

/* Errors are collected in a local string and handed over only on failure, so *ret_error
 * is written exactly once and callers need not initialise it. */
static int finish(RawConfig *raw, int r, Config **ret, char **error, char **ret_error) {
        if (r >= 0)
                r = config_build(raw, ret, error);
        if (r < 0)
                *ret_error = TAKE_PTR(*error);
        return r;
}

int config_parse_string(const char *name, const char *text, Config **ret, char **ret_error) {
        _cleanup_(raw_config_done) RawConfig raw = {};
        _cleanup_free_ char *error = NULL;

        if (!name || !text || !ret || !ret_error)
                return -EINVAL;
        return finish(&raw, parse_text(&raw, name, text, false, &error), ret, &error, ret_error);
}

int config_load_file(RawConfig *raw, const char *path, bool dropin, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, CONFIG_FILE_MAX, &text, &size);
        if (r == -EFBIG)
                return config_error(ret_error, "%s: file is larger than %u bytes", path, CONFIG_FILE_MAX);
        if (r < 0) {
                (void) config_error(ret_error, "%s: %s", path, errno_text(-r));
                return r;
        }
        if (memchr(text, 0, size))
                return config_error(ret_error, "%s: file contains a NUL byte, not a text file", path);
        return parse_text(raw, path, text, dropin, ret_error);
}

int config_load(const char *main_path, const char *dropin_dir, Config **ret, char **ret_error) {
        _cleanup_(raw_config_done) RawConfig raw = {};
        _cleanup_free_ char *error = NULL;
        int r;

        if (!main_path || !ret || !ret_error)
                return -EINVAL;
        r = config_load_file(&raw, main_path, false, &error);
        if (r >= 0 && dropin_dir)
                r = config_load_dropins(&raw, dropin_dir, &error);
        return finish(&raw, r, ret, &error, ret_error);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        general_config_done(&c->general);
        for (size_t i = 0; i < c->n_sections; i++)
                section_config_free(c->sections[i]);
        free(c->sections);
        strv_free(c->notices);
        return mfree(c);
}

const SectionConfig *config_find_section(const Config *c, const char *name) {
        if (!c || !name)
                return NULL;
        for (size_t i = 0; i < c->n_sections; i++)
                if (streq(c->sections[i]->name, name))
                        return c->sections[i];
        return NULL;
}
