/* SPDX-License-Identifier: MIT */
/*
 * Detection of journal files in a newer format; see journal-probe.h.
 *
 * Reading 16 header bytes per file is cheap; opening the file with libsystemd is the only
 * authority on what it supports, so it is asked only when the header carries incompatible
 * flags beyond those every supported libsystemd (>= 246) understands.
 */

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "journal-probe.h"

/* Journal header: 8-byte signature, le32 compatible flags, le32 incompatible flags. */
#define JOURNAL_SIGNATURE "LPKSHHRH"
/* compressed-xz, compressed-lz4, keyed-hash, compressed-zstd: known since systemd 246. */
#define JOURNAL_INCOMPAT_ALWAYS_KNOWN 0x0FU

static bool has_journal_suffix(const char *name) {
        size_t n = strlen(name);

        return (n > 8 && streq(name + n - 8, ".journal")) || (n > 9 && streq(name + n - 9, ".journal~"));
}

/* Whether the header asks for features an older libsystemd may lack. */
static bool header_needs_check(int dirfd, const char *name) {
        _cleanup_close_ int fd = -1;
        uint8_t h[16];
        uint32_t incompat;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0 || pread(fd, h, sizeof h, 0) != (ssize_t) sizeof h)
                return false;
        if (memcmp(h, JOURNAL_SIGNATURE, 8) != 0)
                return false;
        memcpy(&incompat, h + 12, sizeof incompat);
        return (le32toh(incompat) & ~JOURNAL_INCOMPAT_ALWAYS_KNOWN) != 0;
}

static bool libsystemd_refuses(const char *path) {
        sd_journal *j = NULL;
        int r;

        r = sd_journal_open_files(&j, (const char *[]) { path, NULL }, 0);
        sd_journal_close(j);
        return r == -EPROTONOSUPPORT;
}

int journal_probe_directory(const char *dir, char **ret_first) {
        _cleanup_free_ char *first = NULL;
        DIR *d;
        struct dirent *de;
        int n = 0;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;

                if (!has_journal_suffix(de->d_name) || !header_needs_check(dirfd(d), de->d_name))
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        (void) closedir(d);
                        return -ENOMEM;
                }
                if (!libsystemd_refuses(path))
                        continue;
                if (!first)
                        first = TAKE_PTR(path);
                n++;
        }
        (void) closedir(d);
        if (ret_first)
                *ret_first = TAKE_PTR(first);
        return n;
}

static int probe_one(const char *dir, int *total, char **first) {
        _cleanup_free_ char *f = NULL;
        int r;

        r = journal_probe_directory(dir, &f);
        if (r < 0)
                return r;
        *total += r;
        if (!*first && f)
                *first = TAKE_PTR(f);
        return 0;
}

int journal_probe_section(const SectionConfig *c, char **ret_first) {
        _cleanup_free_ char *first = NULL;
        char mid[SD_ID128_STRING_MAX];
        sd_id128_t machine;
        int total = 0, r;

        if (c->journal_directory)
                r = probe_one(c->journal_directory, &total, &first);
        else {
                r = sd_id128_get_machine(&machine);
                if (r < 0)
                        return r;
                (void) sd_id128_to_string(machine, mid);
                for (size_t i = 0; r >= 0 && i < 2; i++) {
                        _cleanup_free_ char *dir = NULL;

                        if (asprintf(&dir, "%s/%s%s%s", i == 0 ? "/var/log/journal" : "/run/log/journal", mid,
                                     c->journal_namespace ? "." : "", strempty(c->journal_namespace)) < 0)
                                return -ENOMEM;
                        r = probe_one(dir, &total, &first);
                }
        }
        if (r < 0)
                return r;
        if (ret_first)
                *ret_first = TAKE_PTR(first);
        return total;
}
