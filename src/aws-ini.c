/* SPDX-License-Identifier: MIT */
/*
 * Parser for the AWS shared config and credentials files; see aws-ini.h.
 *
 * Follows the AWS CLI's reading (Python configparser as botocore uses it): '#' and ';' start
 * comment lines, '=' or ':' separates key from value, keys are lower-cased, values trimmed
 * and kept verbatim otherwise (no quotes, no inline comments), a later duplicate key or
 * section adds to / overrides the earlier one. Parsing is linear in the file's size. A line indented deeper than the key above it
 * continues that key: such lines (nested sub-sections like `s3 =` + `  max_bandwidth = …`)
 * are skipped, since nothing cwlogd reads lives there.
 *
 * Deliberately not here: environment lookups, profile selection, logging (pure module).
 * Invariants: every value is wiped before it is freed; error texts name FILE:LINE only.
 */

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>

#include "aws-ini.h"
#include "cw-limits.h"
#include "shared/parse-util.h"

typedef struct AwsIniSection {
        char *type; /* "profile", "sso-session", … or NULL for an untyped config section */
        char *name;
} AwsIniSection;

typedef struct AwsIniEntry {
        size_t section;
        char *key;
        char *value;
} AwsIniEntry;

struct AwsIni {
        AwsIniSection *sections;
        size_t n_sections;
        AwsIniEntry *entries;
        size_t n_entries;
};

typedef struct Parser {
        AwsIni *ini;
        AwsIniKind kind;
        const char *filename;
        unsigned line;
        ssize_t section;       /* -1 before the first section header */
        ssize_t key_indent;    /* indentation of the last key line, -1 if none */
        char *error;
} Parser;

AwsIni *aws_ini_free(AwsIni *ini) {
        if (!ini)
                return NULL;
        for (size_t i = 0; i < ini->n_sections; i++) {
                free(ini->sections[i].type);
                free(ini->sections[i].name);
        }
        for (size_t i = 0; i < ini->n_entries; i++) {
                free(ini->entries[i].key);
                erase_and_free(ini->entries[i].value);
        }
        free(ini->sections);
        free(ini->entries);
        return mfree(ini);
}

static int parse_error(Parser *p, const char *what) {
        free(p->error);
        p->error = NULL;
        if (asprintf(&p->error, "%s:%u: %s", p->filename, p->line, what) < 0)
                p->error = NULL;
        return -EBADMSG;
}

/* Maps a header to (type, name) by the kind of file. */
static int add_section(Parser *p, const char *header) {
        _cleanup_free_ char *type = NULL, *name = NULL;
        AwsIniSection *s;
        size_t split = strcspn(header, " \t");
        bool typed = true;

        if (p->kind == AWS_INI_CREDENTIALS || streq(header, "default")) {
                type = strdup("profile");
                name = strdup(header);
        } else if (header[split] == 0) {
                typed = false; /* untyped config section: not a profile */
                name = strdup(header);
        } else {
                type = strndup(header, split);
                name = strdup(header + split + strspn(header + split, " \t"));
        }
        if ((typed && !type) || !name)
                return -ENOMEM;

        /* A repeated section is simply appended: lookups search from the end, so later
         * keys win, and parsing stays linear in the size of the file. */
        s = reallocarray(p->ini->sections, p->ini->n_sections + 1, sizeof *s);
        if (!s)
                return -ENOMEM;
        p->ini->sections = s;
        s[p->ini->n_sections] = (AwsIniSection) { TAKE_PTR(type), TAKE_PTR(name) };
        p->section = (ssize_t) p->ini->n_sections++;
        p->key_indent = -1;
        return 0;
}

/* Appends; a later duplicate key shadows the earlier one (see aws_ini_get()). */
static int add_entry(AwsIni *ini, size_t section, char *key, char *value) {
        AwsIniEntry *e;

        e = reallocarray(ini->entries, ini->n_entries + 1, sizeof *e);
        if (!e) {
                free(key);
                erase_and_free(value);
                return -ENOMEM;
        }
        ini->entries = e;
        e[ini->n_entries++] = (AwsIniEntry) { section, key, value };
        return 0;
}

static int parse_header(Parser *p, char *s) {
        char *end = strrchr(s, ']'), *rest;

        if (!end)
                return parse_error(p, "section header without closing ']'");
        rest = end + 1;
        rest += strspn(rest, " \t");
        if (*rest && *rest != '#' && *rest != ';')
                return parse_error(p, "unexpected text after section header");
        *end = 0;
        s = strstrip(s + 1);
        if (isempty(s))
                return parse_error(p, "empty section name");
        return add_section(p, s);
}

static int parse_key_value(Parser *p, char *s, size_t indent) {
        size_t k = strcspn(s, "=:");
        char *key, *value;

        if (s[k] == 0)
                return parse_error(p, "expected 'key = value', '[section]' or a comment");
        if (p->section < 0)
                return parse_error(p, "key outside of any section");
        s[k] = 0;
        key = strstrip(s);
        if (isempty(key))
                return parse_error(p, "empty key");
        for (char *c = key; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                        *c = (char) (*c - 'A' + 'a');
        key = strdup(key);
        value = strdup(strstrip(s + k + 1));
        if (!key || !value) {
                free(key);
                erase_and_free(value);
                return -ENOMEM;
        }
        p->key_indent = (ssize_t) indent;
        return add_entry(p->ini, (size_t) p->section, key, value);
}

static int parse_line(Parser *p, char *line) {
        size_t indent = strspn(line, " \t");
        char *s = line + indent;
        size_t n = strlen(s);

        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
                s[--n] = 0;
        if (n == 0 || *s == '#' || *s == ';')
                return 0;
        /* Deeper than the key above: a continuation or a nested sub-section. Skipped. */
        if (p->key_indent >= 0 && (ssize_t) indent > p->key_indent)
                return 0;
        if (*s == '[')
                return parse_header(p, s);
        return parse_key_value(p, s, indent);
}

int aws_ini_parse(const char *text, size_t size, const char *filename, AwsIniKind kind, AwsIni **ret,
                  char **ret_error) {
        _cleanup_(aws_ini_freep) AwsIni *ini = NULL;
        _cleanup_erase_ char *buf = NULL;
        Parser p = { .kind = kind, .filename = filename ?: "(input)", .section = -1, .key_indent = -1 };
        int r = 0;

        if (size > AWS_INI_FILE_MAX)
                return -EFBIG;
        ini = calloc(1, sizeof *ini);
        buf = strndup(text, size);
        if (!ini || !buf)
                return -ENOMEM;
        p.ini = ini;

        if (strlen(buf) != size) { /* a NUL byte: not a text file */
                for (const char *c = buf; *c; c++)
                        p.line += *c == '\n';
                p.line++;
                r = parse_error(&p, "NUL byte in file");
        }
        for (char *line = buf, *next; line && r >= 0; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                p.line++;
                r = parse_line(&p, line);
        }
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(p.error);
                free(p.error);
                return r;
        }
        *ret = TAKE_PTR(ini);
        return 0;
}

int aws_read_secret_file(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_erase_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (st.st_size > (off_t) max)
                return -EFBIG;
        buf = calloc(1, (size_t) st.st_size + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size + 1 - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > (size_t) st.st_size)
                        return -EFBIG; /* grew while we read: not a settled config file */
        }
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

int aws_ini_load(const char *path, AwsIniKind kind, AwsIni **ret, char **ret_error) {
        _cleanup_erase_ char *text = NULL;
        size_t size = 0;
        int r;

        r = aws_read_secret_file(path, AWS_INI_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        return aws_ini_parse(text, size, path, kind, ret, ret_error);
}

static bool section_is(const AwsIniSection *s, const char *type, const char *name) {
        return streq_ptr(s->type, type) && streq(s->name, name);
}

bool aws_ini_has_section(const AwsIni *ini, const char *type, const char *name) {
        for (size_t i = 0; ini && name && i < ini->n_sections; i++)
                if (section_is(&ini->sections[i], type, name))
                        return true;
        return false;
}

const char *aws_ini_get(const AwsIni *ini, const char *type, const char *name, const char *key) {
        if (!ini || !name || !key)
                return NULL;
        for (size_t i = ini->n_entries; i > 0; i--) {
                const AwsIniEntry *e = &ini->entries[i - 1];

                if (strcasecmp(e->key, key) == 0 && section_is(&ini->sections[e->section], type, name))
                        return e->value;
        }
        return NULL;
}
