/* SPDX-License-Identifier: MIT */
/* File helpers; see fileio.h. */

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "fileio.h"
#include "strbuf.h"

int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        StrBuf b = STRBUF_INIT(max_size);
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                r = strbuf_reserve(&b, 4096);
                if (r == -ENOBUFS) {
                        /* Allow the last partial chunk up to the cap. */
                        if (b.len >= max_size) {
                                char c;
                                n = read(fd, &c, 1);
                                if (n == 0)
                                        break;
                                strbuf_done(&b);
                                return n < 0 ? -errno : -EFBIG;
                        }
                        r = strbuf_reserve(&b, max_size - b.len);
                }
                if (r < 0) {
                        strbuf_done(&b);
                        return r;
                }
                n = read(fd, b.data + b.len, b.allocated - b.len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        strbuf_done(&b);
                        return -errno;
                }
                if (n == 0)
                        break;
                b.len += (size_t) n;
                b.data[b.len] = 0;
        }
        if (ret_size)
                *ret_size = b.len;
        *ret = strbuf_steal(&b, NULL);
        return *ret ? 0 : -ENOMEM;
}

static int fsync_directory_of(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int fd = -1;

        if (!copy)
                return -ENOMEM;
        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fsync(fd) < 0)
                return -errno;
        return 0;
}

int write_file_atomic(const char *path, const void *content, size_t size) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        const char *p = content;
        size_t left = size;
        int r;

        if (asprintf(&tmp, "%s.tmp.%ld", path, (long) getpid()) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        while (left > 0) {
                ssize_t n = write(fd, p, left);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                p += n;
                left -= (size_t) n;
        }
        if (fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        fd = safe_close(fd);
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        /* The rename is durable only once the directory is synced. */
        (void) fsync_directory_of(path);
        return 0;
fail:
        (void) unlink(tmp);
        return r;
}
