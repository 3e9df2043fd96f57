/* SPDX-License-Identifier: MIT */
/*
 * Fingerprints (see fingerprint.h): a line-counting walk over the file's head that feeds the
 * selected lines to SHA-256. Reads in bounded chunks and never more than FINGERPRINT_READ_MAX.
 */

#include <limits.h>
#include <openssl/evp.h>

#include "fingerprint.h"
#include "cw-limits.h"

typedef struct Walk {
        EVP_MD_CTX *ctx;
        unsigned first, last;
        unsigned line; /* 1-based number of the line the next byte belongs to */
        uint64_t total;
        bool done;
} Walk;

/* Feeds the bytes of chunk that belong to lines first..last; sets done after line last. */
static int walk_chunk(Walk *w, const char *p, size_t n) {
        while (n > 0 && !w->done) {
                const char *nl = memchr(p, '\n', n);
                size_t l = nl ? (size_t) (nl - p) + 1 : n;

                if (w->line >= w->first && EVP_DigestUpdate(w->ctx, p, l) != 1)
                        return -EIO;
                w->total += l;
                if (nl && w->line++ == w->last)
                        w->done = true;
                p += l;
                n -= l;
        }
        return 0;
}

static int walk_finish(Walk *w, char ret[static FINGERPRINT_HEX_SIZE]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        if (EVP_DigestFinal_ex(w->ctx, md, &len) != 1)
                return -EIO;
        for (unsigned i = 0; i < len && i < 32; i++)
                (void) snprintf(ret + 2 * i, 3, "%02x", md[i]);
        return 0;
}

static int walk_init(Walk *w, unsigned first, unsigned last) {
        if (first == 0 || last < first)
                return -EINVAL;
        *w = (Walk) { .first = first, .last = last, .line = 1 };
        w->ctx = EVP_MD_CTX_new();
        if (!w->ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(w->ctx, EVP_sha256(), NULL) != 1) {
                EVP_MD_CTX_free(w->ctx);
                return -EIO;
        }
        return 0;
}

/* Over the cap without reaching line `last`: hash the capped head instead (see header). */
static int hash_head(const char *p, size_t n, char ret[static FINGERPRINT_HEX_SIZE]) {
        Walk w;
        int r;

        r = walk_init(&w, 1, UINT_MAX);
        if (r < 0)
                return r;
        r = walk_chunk(&w, p, n);
        if (r >= 0)
                r = walk_finish(&w, ret);
        EVP_MD_CTX_free(w.ctx);
        return r;
}

int fingerprint_data(const char *data, size_t n, unsigned first, unsigned last,
                     char ret[static FINGERPRINT_HEX_SIZE]) {
        char hex[FINGERPRINT_HEX_SIZE];
        Walk w;
        int r;

        n = MIN(n, (size_t) FINGERPRINT_READ_MAX);
        r = walk_init(&w, first, last);
        if (r < 0)
                return r;
        r = walk_chunk(&w, data, n);
        if (r >= 0) {
                if (w.done)
                        r = walk_finish(&w, hex);
                else if (n >= FINGERPRINT_READ_MAX)
                        r = hash_head(data, n, hex);
                else
                        r = -ENODATA;
        }
        EVP_MD_CTX_free(w.ctx);
        if (r < 0)
                return r;
        memcpy(ret, hex, FINGERPRINT_HEX_SIZE);
        return 0;
}

int fingerprint_file(int fd, unsigned first, unsigned last, char ret[static FINGERPRINT_HEX_SIZE]) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        ssize_t k;

        if (first == 0 || last < first)
                return -EINVAL;
        buf = malloc(FINGERPRINT_READ_MAX);
        if (!buf)
                return -ENOMEM;
        /* The head is small; read it whole (bounded), stopping early once the lines are in. */
        while (n < FINGERPRINT_READ_MAX) {
                k = pread(fd, buf + n, MIN((size_t) FINGERPRINT_CHUNK, FINGERPRINT_READ_MAX - n), (off_t) n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (fingerprint_data(buf, n, first, last, ret) >= 0)
                        return 0;
        }
        return fingerprint_data(buf, n, first, last, ret);
}
