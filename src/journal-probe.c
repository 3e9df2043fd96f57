/* SPDX-License-Identifier: MIT */
/*
 * Detection of journal files the reader would skip in silence; see journal-probe.h.
 *
 * Reading the header is cheap and catches truncation and foreign files; libsystemd is the
 * only authority on what it supports and can read, so each file is also opened on its own
 * and its first and last entries read (a few page faults per file, done at start and when
 * files come or go).
 */

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <sys/stat.h>
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

/* Header offsets (systemd's journal-def.h): these fields have not moved since v187. */
#define HEADER_STATE 16
#define HEADER_HEADER_SIZE 88
#define HEADER_ARENA_SIZE 96
#define HEADER_TAIL_OBJECT 136
#define HEADER_N_ENTRIES 152
#define HEADER_MIN 160
#define STATE_ONLINE 1

static uint64_t le64_at(const uint8_t *h, size_t off) {
        uint64_t v;

        memcpy(&v, h + off, sizeof v);
        return le64toh(v);
}

typedef struct Header {
        bool needs_format_check; /* incompatible flags an older libsystemd may lack */
        uint64_t n_entries;
        const char *damage; /* NULL when the header looks sound */
} Header;

static int read_header(int dirfd, const char *name, Header *ret) {
        _cleanup_close_ int fd = -1;
        uint8_t h[HEADER_MIN];
        uint32_t incompat;
        struct stat st;
        ssize_t n;

        *ret = (Header) {};
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return -errno;
        n = pread(fd, h, sizeof h, 0);
        if (n < 0)
                return -errno;
        if (n < 8 || memcmp(h, JOURNAL_SIGNATURE, 8) != 0) {
                ret->damage = "not a journal file (bad signature)";
                return 0;
        }
        if (n < HEADER_MIN) {
                ret->damage = "truncated header";
                return 0;
        }
        memcpy(&incompat, h + 12, sizeof incompat);
        ret->needs_format_check = (le32toh(incompat) & ~JOURNAL_INCOMPAT_ALWAYS_KNOWN) != 0;
        ret->n_entries = le64_at(h, HEADER_N_ENTRIES);
        /* A file journald has open may be extended under us; a closed one must be whole. */
        if (h[HEADER_STATE] != STATE_ONLINE &&
            (le64_at(h, HEADER_HEADER_SIZE) + le64_at(h, HEADER_ARENA_SIZE) > (uint64_t) st.st_size ||
             le64_at(h, HEADER_TAIL_OBJECT) >= (uint64_t) st.st_size))
                ret->damage = "truncated";
        return 0;
}

/* Opens path on its own and reads its first and last entries. */
static const char *libsystemd_verdict(const char *path, const Header *h, bool *ret_newer) {
        sd_journal *j = NULL;
        const char *damage = NULL;
        int r;

        *ret_newer = false;
        r = sd_journal_open_files(&j, (const char *[]) { path, NULL }, 0);
        if (r == -EPROTONOSUPPORT) {
                *ret_newer = true;
                return NULL;
        }
        if (r < 0)
                return "cannot be opened";
        r = sd_journal_next(j);
        if (r < 0 || (r == 0 && h->n_entries > 0))
                damage = "its first entry cannot be read";
        else if (r > 0 && (sd_journal_seek_tail(j) < 0 || sd_journal_previous(j) <= 0))
                damage = "its last entry cannot be read";
        sd_journal_close(j);
        return damage;
}

int journal_probe_directory(const char *dir, JournalProbeFn fn, void *userdata) {
        DIR *d;
        struct dirent *de;
        int n = 0;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                const char *damage;
                bool newer = false;
                Header h;

                if (!has_journal_suffix(de->d_name) || read_header(dirfd(d), de->d_name, &h) < 0)
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        (void) closedir(d);
                        return -ENOMEM;
                }
                damage = h.damage ?: libsystemd_verdict(path, &h, &newer);
                if (newer)
                        fn(path, JOURNAL_PROBLEM_NEWER_FORMAT, "written in a newer format", userdata);
                else if (damage)
                        fn(path, JOURNAL_PROBLEM_DAMAGED, damage, userdata);
                else
                        continue;
                n++;
        }
        (void) closedir(d);
        return n;
}

static int probe_one(const char *dir, int *total, JournalProbeFn fn, void *userdata) {
        int r;

        r = journal_probe_directory(dir, fn, userdata);
        if (r < 0)
                return r;
        *total += r;
        return 0;
}

int journal_probe_section(const SectionConfig *c, JournalProbeFn fn, void *userdata) {
        char mid[SD_ID128_STRING_MAX];
        sd_id128_t machine;
        int total = 0, r;

        if (c->journal_directory)
                r = probe_one(c->journal_directory, &total, fn, userdata);
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
                        r = probe_one(dir, &total, fn, userdata);
                }
        }
        if (r < 0)
                return r;
        return total;
}
