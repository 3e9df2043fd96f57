/* SPDX-License-Identifier: MIT */
/* Journal cursor parsing; see journal-cursor.h. */

#include <ctype.h>

#include "journal-cursor.h"
#include "shared/parse-util.h"

enum {
        HAVE_S = 1 << 0,
        HAVE_I = 1 << 1,
        HAVE_B = 1 << 2,
        HAVE_M = 1 << 3,
        HAVE_T = 1 << 4,
        HAVE_X = 1 << 5,
        HAVE_ALL = (1 << 6) - 1,
};

static int parse_id(const char *v, char out[static 33]) {
        if (strlen(v) != 32)
                return -EINVAL;
        for (size_t i = 0; i < 32; i++)
                if (!isxdigit((unsigned char) v[i]))
                        return -EINVAL;
        memcpy(out, v, 33);
        return 0;
}

static int parse_item(char *item, JournalCursor *c, unsigned *have) {
        char *v;

        if (strlen(item) < 2 || item[1] != '=')
                return -EINVAL;
        v = item + 2;
        switch (item[0]) {
        case 's':
                *have |= HAVE_S;
                return parse_id(v, c->seqnum_id);
        case 'b':
                *have |= HAVE_B;
                return parse_id(v, c->boot_id);
        case 'i':
                *have |= HAVE_I;
                return safe_atox64(v, &c->seqnum);
        case 'm':
                *have |= HAVE_M;
                return safe_atox64(v, &c->monotonic);
        case 't':
                *have |= HAVE_T;
                return safe_atox64(v, &c->realtime);
        case 'x':
                *have |= HAVE_X;
                return safe_atox64(v, &c->xor_hash);
        default:
                return 0; /* a field of a newer format: tolerated */
        }
}

int journal_cursor_parse(const char *s, JournalCursor *ret) {
        _cleanup_free_ char *copy = NULL;
        JournalCursor c = {};
        unsigned have = 0;
        char *p, *semi;
        int r;

        if (isempty(s))
                return -EINVAL;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        for (p = copy; p; p = semi) {
                semi = strchr(p, ';');
                if (semi)
                        *semi++ = 0;
                r = parse_item(p, &c, &have);
                if (r < 0)
                        return -EINVAL;
        }
        if (have != HAVE_ALL)
                return -EINVAL;
        *ret = c;
        return 0;
}
