/* SPDX-License-Identifier: MIT */
/* Choosing among a glob's files (see file-select.h). */

#include <fcntl.h>
#include <glob.h>

#include "file-select.h"

static bool compressed(const char *path) {
        static const char *const suffixes[] = { ".gz", ".bz2", ".xz", ".zst", ".lz4", ".zip", ".Z" };
        size_t l = strlen(path);

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t s = strlen(suffixes[i]);
                if (l > s && streq(path + l - s, suffixes[i]))
                        return true;
        }
        return false;
}

static int ts_cmp(const struct timespec *a, const struct timespec *b) {
        if (a->tv_sec != b->tv_sec)
                return a->tv_sec < b->tv_sec ? -1 : 1;
        if (a->tv_nsec != b->tv_nsec)
                return a->tv_nsec < b->tv_nsec ? -1 : 1;
        return 0;
}

static int candidate_cmp(const void *x, const void *y) {
        const FileCandidate *a = x, *b = y;
        int c = ts_cmp(&a->st.st_mtim, &b->st.st_mtim);

        return c != 0 ? c : strcmp(a->path, b->path);
}

void file_candidates_free(FileCandidate *c, size_t n) {
        for (size_t i = 0; c && i < n; i++)
                free(c[i].path);
        free(c);
}

int file_select_glob(const char *pattern, FileCandidate **ret, size_t *ret_n) {
        FileCandidate *c = NULL;
        size_t n = 0;
        glob_t g = {};
        int r;

        r = glob(pattern, 0, NULL, &g);
        if (r != 0 && r != GLOB_NOMATCH) {
                globfree(&g);
                return r == GLOB_NOSPACE ? -ENOMEM : -EIO;
        }
        if (g.gl_pathc > 0) {
                c = calloc(g.gl_pathc, sizeof(FileCandidate));
                if (!c) {
                        globfree(&g);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < g.gl_pathc; i++) {
                struct stat st;

                if (compressed(g.gl_pathv[i]) || stat(g.gl_pathv[i], &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                c[n].path = strdup(g.gl_pathv[i]);
                if (!c[n].path) {
                        file_candidates_free(c, n);
                        globfree(&g);
                        return -ENOMEM;
                }
                c[n++].st = st;
        }
        globfree(&g);
        if (n > 1)
                qsort(c, n, sizeof(FileCandidate), candidate_cmp);
        *ret = c;
        *ret_n = n;
        return 0;
}

const FileCandidate *file_select_newest(const FileCandidate *c, size_t n) {
        return n > 0 ? &c[n - 1] : NULL;
}

const FileCandidate *file_select_next(const FileCandidate *c, size_t n, const struct timespec *after, dev_t dev,
                                      ino_t ino) {
        for (size_t i = 0; i < n; i++)
                if (ts_cmp(&c[i].st.st_mtim, after) > 0 && !(c[i].st.st_dev == dev && c[i].st.st_ino == ino))
                        return &c[i];
        return NULL;
}

const FileCandidate *file_select_by_id(const FileCandidate *c, size_t n, dev_t dev, ino_t ino) {
        for (size_t i = 0; i < n; i++)
                if (c[i].st.st_dev == dev && c[i].st.st_ino == ino)
                        return &c[i];
        return NULL;
}

const FileCandidate *file_select_by_fingerprint(const FileCandidate *c, size_t n, unsigned first, unsigned last,
                                                const char *fp) {
        char hex[FINGERPRINT_HEX_SIZE];

        if (isempty(fp))
                return NULL;
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int fd = open(c[i].path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

                if (fd >= 0 && fingerprint_file(fd, first, last, hex) >= 0 && streq(hex, fp))
                        return &c[i];
        }
        return NULL;
}
