/* SPDX-License-Identifier: MIT */
/*
 * State file reading and writing; see state.h. Pure file I/O, no policy: the sources decide
 * what a failed write means (they keep the checkpoint and retry).
 */

#include "cw-limits.h"
#include "shared/fileio.h"
#include "shared/parse-util.h"
#include "shared/strbuf.h"
#include "state.h"

#define CURSOR_COMMENT "cwlogd journal position, written after CloudWatch acknowledged every entry up to here"

int state_path(const char *dir, const char *name, const char *suffix, char **ret) {
        char *p;

        if (isempty(dir) || isempty(name) || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        if (asprintf(&p, "%s/%s%s", dir, name, strempty(suffix)) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static int parse_line(char *line, char ***kv) {
        char *eq, *key;
        int r;

        key = strstrip(line);
        if (*key == 0 || *key == '#')
                return 0;
        eq = strchr(key, '=');
        if (!eq || eq == key)
                return -EBADMSG;
        *eq = 0;
        r = strv_extend(kv, strstrip(key));
        if (r < 0)
                return r;
        return strv_extend(kv, strstrip(eq + 1));
}

int state_parse(const char *text, char ***ret_kv) {
        _cleanup_strv_free_ char **kv = NULL;
        _cleanup_free_ char *copy = strdup(text);
        char *p, *nl;
        int r;

        if (!copy)
                return -ENOMEM;
        for (p = copy; p; p = nl) {
                nl = strchr(p, '\n');
                if (nl)
                        *nl++ = 0;
                r = parse_line(p, &kv);
                if (r < 0)
                        return r;
        }
        if (!kv) {
                kv = calloc(1, sizeof(char *));
                if (!kv)
                        return -ENOMEM;
        }
        *ret_kv = TAKE_PTR(kv);
        return 0;
}

int state_load(const char *path, char ***ret_kv) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, STATE_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        if (strlen(text) != size)
                return -EBADMSG; /* embedded NUL: not ours */
        return state_parse(text, ret_kv);
}

const char *state_kv_get(char *const *kv, const char *key) {
        for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2)
                if (streq(kv[i], key))
                        return kv[i + 1];
        return NULL;
}

int state_format(const char *comment, const char *const *kv, char **ret_text) {
        StrBuf b = STRBUF_INIT(STATE_FILE_MAX);
        int r;

        r = comment ? strbuf_printf(&b, "# %s\n", comment) : 0;
        for (size_t i = 0; r >= 0 && kv[i]; i += 2) {
                if (!kv[i + 1] || isempty(kv[i]) || strpbrk(kv[i], "=\n#") || strchr(kv[i + 1], '\n')) {
                        r = -EINVAL;
                        break;
                }
                r = strbuf_printf(&b, "%s=%s\n", kv[i], kv[i + 1]);
        }
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret_text = strbuf_steal(&b, NULL);
        return *ret_text ? 0 : -ENOMEM;
}

int state_save(const char *path, const char *comment, const char *const *kv) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = state_format(comment, kv, &text);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text));
}

int state_cursor_load(const char *dir, const char *name, char **ret_cursor) {
        _cleanup_strv_free_ char **kv = NULL;
        _cleanup_free_ char *path = NULL;
        const char *cursor;
        char *c;
        int r;

        r = state_path(dir, name, STATE_SUFFIX_CURSOR, &path);
        if (r < 0)
                return r;
        r = state_load(path, &kv);
        if (r < 0)
                return r;
        cursor = state_kv_get(kv, "cursor");
        if (isempty(cursor))
                return -EBADMSG;
        c = strdup(cursor);
        if (!c)
                return -ENOMEM;
        *ret_cursor = c;
        return 0;
}

int state_cursor_format(const char *cursor, char **ret_text) {
        return state_format(CURSOR_COMMENT, (const char *const[]) { "cursor", cursor, NULL }, ret_text);
}

int state_cursor_save(const char *dir, const char *name, const char *cursor) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        r = state_path(dir, name, STATE_SUFFIX_CURSOR, &path);
        if (r < 0)
                return r;
        r = state_cursor_format(cursor, &text);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text));
}
