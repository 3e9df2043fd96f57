/* SPDX-License-Identifier: MIT */
/*
 * The drop-in directory (--additional-configs-dir): every regular *.conf file, in lexical
 * order (strcmp, so the order does not depend on the locale), read after the main file and
 * merged into it (config.c). Hidden files are ignored.
 *
 * The old agent read every regular file of its additional configs directory, in the
 * directory's order; a file there that cwlogd skips because of its name gets a notice, so
 * a migrated host does not lose a stream silently. Nothing is logged here.
 */

#include <dirent.h>
#include <sys/stat.h>

#include "config-internal.h"
#include "shared/log.h"
#include "shared/parse-util.h"

static bool is_conf_name(const char *n) {
        size_t l = strlen(n);

        return l > STRLEN(".conf") && streq(n + l - STRLEN(".conf"), ".conf");
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_regular(const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return true; /* let the caller trip over the same allocation */
        /* a dangling symlink counts as a file: reading it reports the problem */
        return stat(path, &st) < 0 || S_ISREG(st.st_mode);
}

static int note_skipped(RawConfig *raw, const char *dir, const char *name) {
        _cleanup_free_ char *m = NULL;

        if (!is_regular(dir, name))
                return 0;
        if (asprintf(&m, "%s/%s: not read, only *.conf files are (the old agent read every file of its "
                     "additional configs directory)", dir, name) < 0)
                return -ENOMEM;
        return strv_extend(&raw->notices, m);
}

static void sort_names(char **names) {
        if (names)
                qsort(names, strv_length(names), sizeof(char *), cmp_names);
}

static int list_dropins(RawConfig *raw, const char *dir, char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **names = NULL, **skipped = NULL;
        struct dirent *de;
        DIR *d;
        int r = 0;

        d = opendir(dir); /* glibc opens it O_CLOEXEC */
        if (!d) {
                if (errno == ENOENT) {
                        *ret = NULL;
                        return 0;
                }
                r = -errno;
                (void) config_error(ret_error, "%s: %s", dir, errno_text(-r));
                return r;
        }
        while ((errno = 0, de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                r = strv_extend(is_conf_name(de->d_name) ? &names : &skipped, de->d_name);
                if (r < 0)
                        break;
        }
        if (r >= 0 && errno != 0) {
                r = -errno;
                (void) config_error(ret_error, "%s: %s", dir, errno_text(-r));
        }
        (void) closedir(d);
        if (r < 0)
                return r;
        sort_names(names);
        sort_names(skipped);
        STRV_FOREACH(n, skipped) {
                r = note_skipped(raw, dir, *n);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(names);
        return 0;
}

int config_load_dropins(RawConfig *raw, const char *dir, char **ret_error) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = list_dropins(raw, dir, &names, ret_error);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, *n) < 0)
                        return -ENOMEM;
                /* A directory or socket named *.conf is not a drop-in. */
                if (!is_regular(dir, *n))
                        continue;
                r = config_load_file(raw, path, true, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}
