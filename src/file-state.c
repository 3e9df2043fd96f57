/* SPDX-License-Identifier: MIT */
/* File checkpoints and their state file (see file-state.h). */

#include <inttypes.h>

#include "file-state.h"
#include "cw-limits.h"
#include "shared/fileio.h"
#include "shared/parse-util.h"

int file_checkpoint_new(dev_t dev, ino_t ino, const char *fingerprint, uint64_t offset, const char *path,
                        FileCheckpoint **ret) {
        FileCheckpoint *c;

        c = calloc(1, sizeof(FileCheckpoint));
        if (!c)
                return -ENOMEM;
        *c = (FileCheckpoint) { .dev = dev, .ino = ino, .offset = offset };
        if (fingerprint && strlen(fingerprint) < FINGERPRINT_HEX_SIZE)
                memcpy(c->fingerprint, fingerprint, strlen(fingerprint) + 1);
        if (path) {
                c->path = strdup(path);
                if (!c->path) {
                        free(c);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

FileCheckpoint *file_checkpoint_free(FileCheckpoint *c) {
        if (!c)
                return NULL;
        free(c->path);
        return mfree(c);
}

int file_checkpoint_format(const FileCheckpoint *c, char **ret) {
        /* a path with a newline would break the format; it is informational, so drop it */
        const char *path = c->path && !strchr(c->path, '\n') ? c->path : "";

        if (asprintf(ret, "path=%s\ndev=%" PRIu64 "\nino=%" PRIu64 "\nfingerprint=%s\noffset=%" PRIu64 "\n", path,
                     (uint64_t) c->dev, (uint64_t) c->ino, c->fingerprint, c->offset) < 0)
                return -ENOMEM;
        return 0;
}

static int parse_line(FileCheckpoint *c, char *line, unsigned *seen) {
        char *eq = strchr(line, '=');
        uint64_t v;
        int r;

        if (!eq)
                return 0;
        *eq = 0;
        const char *key = line, *value = eq + 1;
        if (streq(key, "path")) {
                free(c->path);
                c->path = strdup(value);
                return c->path ? 0 : -ENOMEM;
        }
        if (streq(key, "fingerprint")) {
                if (strlen(value) >= FINGERPRINT_HEX_SIZE)
                        return -EBADMSG;
                memcpy(c->fingerprint, value, strlen(value) + 1);
                return 0;
        }
        if (!streq(key, "dev") && !streq(key, "ino") && !streq(key, "offset"))
                return 0;
        r = safe_atou64(value, &v);
        if (r < 0)
                return -EBADMSG;
        if (streq(key, "dev"))
                c->dev = (dev_t) v, *seen |= 1;
        else if (streq(key, "ino"))
                c->ino = (ino_t) v, *seen |= 2;
        else
                c->offset = v, *seen |= 4;
        return 0;
}

int file_checkpoint_parse(const char *text, FileCheckpoint **ret) {
        _cleanup_(file_checkpoint_freep) FileCheckpoint *c = NULL;
        _cleanup_free_ char *copy = strdup(text);
        unsigned seen = 0;
        char *p, *line;
        int r;

        if (!copy)
                return -ENOMEM;
        r = file_checkpoint_new(0, 0, NULL, 0, NULL, &c);
        if (r < 0)
                return r;
        for (p = copy; (line = strsep(&p, "\n"));) {
                r = parse_line(c, line, &seen);
                if (r < 0)
                        return r;
        }
        if (seen != 7)
                return -EBADMSG;
        *ret = TAKE_PTR(c);
        return 0;
}

int file_state_path(const char *dir, const char *name, char **ret) {
        return asprintf(ret, "%s/%s.file", dir, name) < 0 ? -ENOMEM : 0;
}

int file_checkpoint_load(const char *dir, const char *name, FileCheckpoint **ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        r = file_state_path(dir, name, &path);
        if (r < 0)
                return r;
        r = read_full_file(path, STATE_FILE_MAX, &text, NULL);
        if (r < 0)
                return r;
        return file_checkpoint_parse(text, ret);
}
