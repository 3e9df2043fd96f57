/* SPDX-License-Identifier: MIT */
/* Checked parsing helpers; see parse-util.h. */

#include <ctype.h>
#include <limits.h>
#include <strings.h>

#include "parse-util.h"

static int parse_unsigned(const char *s, int base, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (isempty(s) || isspace((unsigned char) s[0]) || s[0] == '-' || s[0] == '+')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || *end != 0 || end == s)
                return -EINVAL;
        *ret = (uint64_t) v;
        return 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        return parse_unsigned(s, 10, ret);
}

int safe_atox64(const char *s, uint64_t *ret) {
        return parse_unsigned(s, 16, ret);
}

int safe_atoi64(const char *s, int64_t *ret) {
        long long v;
        char *end;

        if (isempty(s) || isspace((unsigned char) s[0]) || s[0] == '+')
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || *end != 0 || end == s)
                return -EINVAL;
        *ret = (int64_t) v;
        return 0;
}

int safe_atou(const char *s, unsigned *ret) {
        uint64_t v;
        int r;

        r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT_MAX)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        int64_t v;
        int r;

        r = safe_atoi64(s, &v);
        if (r < 0)
                return r;
        if (v < INT_MIN || v > INT_MAX)
                return -ERANGE;
        *ret = (int) v;
        return 0;
}

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

char *strstrip(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = 0;
        return s;
}

unsigned string_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        unsigned row[64 + 1];

        if (la > 64 || lb > 64)
                return UINT_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++) {
                unsigned prev = row[0];

                row[0] = (unsigned) i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned cur = row[j];
                        unsigned cost = tolower((unsigned char) a[i - 1]) != tolower((unsigned char) b[j - 1]);

                        row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + cost);
                        prev = cur;
                }
        }
        return row[lb];
}

size_t strv_length(char *const *l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

int strv_extend(char ***l, const char *s) {
        size_t n = strv_length(*l);
        char **nl, *c;

        c = strdup(s);
        if (!c)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (n + 2));
        if (!nl) {
                free(c);
                return -ENOMEM;
        }
        nl[n] = c;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

int strv_split(const char *s, const char *separators, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = s;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        while (*p) {
                size_t n;

                p += strspn(p, separators);
                n = strcspn(p, separators);
                if (n == 0)
                        break;
                {
                        _cleanup_free_ char *w = strndup(p, n);
                        if (!w)
                                return -ENOMEM;
                        r = strv_extend(&l, w);
                        if (r < 0)
                                return r;
                }
                p += n;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
