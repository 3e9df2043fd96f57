/* SPDX-License-Identifier: MIT */
/* Time helpers; see time-util.h. */

#include <ctype.h>

#include "time-util.h"

usec_t now_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / NSEC_PER_USEC;
}

void format_amz_date(usec_t realtime, char buf[static 17]) {
        time_t t = (time_t) (realtime / USEC_PER_SEC);
        struct tm tm;

        (void) gmtime_r(&t, &tm);
        (void) strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}

void format_iso8601_ms(usec_t realtime, char buf[static 25]) {
        time_t t = (time_t) (realtime / USEC_PER_SEC);
        char base[20];
        struct tm tm;

        (void) gmtime_r(&t, &tm);
        (void) strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
        (void) snprintf(buf, 25, "%s.%03uZ", base, (unsigned) ((realtime / USEC_PER_MSEC) % 1000));
}

static int parse_digits(const char **p, unsigned n, int *ret) {
        int v = 0;

        for (unsigned i = 0; i < n; i++) {
                if (!isdigit((unsigned char) (*p)[i]))
                        return -EINVAL;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return 0;
}

int parse_iso8601(const char *s, usec_t *ret) {
        int year, mon, day, hour, min, sec, offset = 0;
        const char *p = s;
        usec_t frac = 0;
        struct tm tm = {};
        time_t t;

        if (parse_digits(&p, 4, &year) < 0 || *p++ != '-' || parse_digits(&p, 2, &mon) < 0 ||
            *p++ != '-' || parse_digits(&p, 2, &day) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
                return -EINVAL;
        p++;
        if (parse_digits(&p, 2, &hour) < 0 || *p++ != ':' || parse_digits(&p, 2, &min) < 0 ||
            *p++ != ':' || parse_digits(&p, 2, &sec) < 0)
                return -EINVAL;
        if (*p == '.') {
                usec_t scale = 100000;
                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                for (; isdigit((unsigned char) *p); p++) {
                        frac += (usec_t) (*p - '0') * scale;
                        scale /= 10;
                }
        }
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                int sign = *p == '-' ? -1 : 1, oh, om;
                p++;
                if (parse_digits(&p, 2, &oh) < 0)
                        return -EINVAL;
                if (*p == ':')
                        p++;
                if (parse_digits(&p, 2, &om) < 0)
                        return -EINVAL;
                offset = sign * (oh * 3600 + om * 60);
        } else
                return -EINVAL;
        if (*p != 0)
                return -EINVAL;
        if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
                return -EINVAL;

        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = min;
        tm.tm_sec = sec;
        t = timegm(&tm);
        if (t == (time_t) -1 || (int64_t) t - offset < 0)
                return -ERANGE;
        *ret = (usec_t) ((int64_t) t - offset) * USEC_PER_SEC + frac;
        return 0;
}
