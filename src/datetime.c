/* SPDX-License-Identifier: MIT */
/*
 * strptime-style parsing with Python's directive semantics (see datetime.h). The parser walks
 * the format once, filling a Fields struct; a second step turns the fields into epoch ms,
 * applying the zone (explicit %z, else UTC or local) and the missing-year/date rules.
 * Deliberately not done: locales other than C, backtracking between adjacent numbers,
 * Python's %G/%V/%u (ISO week dates; rare in logs, rejected by validation).
 */

#include <ctype.h>
#include <time.h>

#include "datetime.h"
#include "cw-limits.h"
#include "shared/time-util.h"

typedef struct Fields {
        int year, month, day, yday; /* -1: not given */
        int hour, minute, second, usec;
        int hour12, pm;             /* -1: not given */
        int wday, week_u, week_w;   /* wday: Monday = 0, as Python */
        bool have_offset, have_epoch;
        int offset_sec;
        int64_t epoch;
} Fields;

typedef struct Cursor {
        const char *s;
        size_t len, pos;
} Cursor;

static const char *const month_full[12] = { "january", "february", "march", "april", "may", "june", "july",
                                            "august", "september", "october", "november", "december" };
static const char *const wday_full[7] = { "monday", "tuesday", "wednesday", "thursday",
                                          "friday", "saturday", "sunday" };

static bool is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Reads max_digits digits at most; like a regex alternation of the legal values, backs off a
 * digit while the value is too big. */
static int read_number(Cursor *c, unsigned min_digits, unsigned max_digits, int lo, int hi, int *ret) {
        unsigned n = 0;
        int64_t v = 0;

        while (n < max_digits && c->pos + n < c->len && is_digit(c->s[c->pos + n]))
                v = v * 10 + (c->s[c->pos + n++] - '0');
        while (v > hi && n > min_digits) {
                v /= 10;
                n--;
        }
        if (n < min_digits || v < lo || v > hi)
                return -EBADMSG;
        c->pos += n;
        *ret = (int) v;
        return 0;
}

/* Case-insensitive prefix match of one of names (first n_chars of each when n_chars > 0). */
static int read_name(Cursor *c, const char *const *names, unsigned n_names, size_t n_chars, int *ret) {
        for (unsigned i = 0; i < n_names; i++) {
                size_t l = n_chars > 0 ? n_chars : strlen(names[i]);

                if (c->len - c->pos >= l && strncasecmp(c->s + c->pos, names[i], l) == 0) {
                        c->pos += l;
                        *ret = (int) i;
                        return 0;
                }
        }
        return -EBADMSG;
}

/* %z: "Z", or ±HH[:]MM with optional [:]SS[.ffffff] (Python 3.7+). */
static int read_offset(Cursor *c, Fields *f) {
        int sign, hh, mm, ss = 0, ignored;

        if (c->pos < c->len && c->s[c->pos] == 'Z') {
                c->pos++;
                f->have_offset = true;
                f->offset_sec = 0;
                return 0;
        }
        if (c->pos >= c->len || (c->s[c->pos] != '+' && c->s[c->pos] != '-'))
                return -EBADMSG;
        sign = c->s[c->pos++] == '-' ? -1 : 1;
        if (read_number(c, 2, 2, 0, 99, &hh) < 0)
                return -EBADMSG;
        bool colon = c->pos < c->len && c->s[c->pos] == ':';
        c->pos += colon;
        if (read_number(c, 2, 2, 0, 59, &mm) < 0)
                return -EBADMSG;
        Cursor save = *c;
        if (colon && c->pos < c->len && c->s[c->pos] == ':')
                c->pos++;
        if (read_number(c, 2, 2, 0, 59, &ss) < 0) {
                *c = save;
                ss = 0;
        } else if (c->pos + 1 < c->len && c->s[c->pos] == '.' && is_digit(c->s[c->pos + 1])) {
                c->pos++;
                (void) read_number(c, 1, 6, 0, 999999, &ignored);
        }
        if (hh >= 24)
                return -EBADMSG;
        f->have_offset = true;
        f->offset_sec = sign * (hh * 3600 + mm * 60 + ss);
        return 0;
}

static int read_zone_name(Cursor *c, Fields *f) {
        static const char *const utc_names[] = { "UTC", "GMT", "Z" };
        const char *local[2];
        int i;

        if (read_name(c, utc_names, ELEMENTSOF(utc_names), 0, &i) >= 0) {
                if (!f->have_offset) {
                        f->have_offset = true;
                        f->offset_sec = 0;
                }
                return 0;
        }
        tzset();
        local[0] = tzname[0];
        local[1] = tzname[1];
        for (i = 0; i < 2; i++)
                if (!isempty(local[i]) && c->len - c->pos >= strlen(local[i]) &&
                    strncasecmp(c->s + c->pos, local[i], strlen(local[i])) == 0) {
                        c->pos += strlen(local[i]);
                        return 0;
                }
        return -EBADMSG;
}

static int read_epoch(Cursor *c, Fields *f) {
        int64_t v = 0;
        size_t n = 0;

        while (n < 12 && c->pos + n < c->len && is_digit(c->s[c->pos + n]))
                v = v * 10 + (c->s[c->pos + n++] - '0');
        if (n == 0)
                return -EBADMSG;
        c->pos += n;
        f->have_epoch = true;
        f->epoch = v;
        return 0;
}

static int read_fraction(Cursor *c, Fields *f) {
        size_t start = c->pos;
        int v, r;

        r = read_number(c, 1, 6, 0, 999999, &v);
        if (r < 0)
                return r;
        for (size_t n = c->pos - start; n < 6; n++)
                v *= 10;
        f->usec = v;
        return 0;
}

static int parse_format(const char *fmt, Cursor *c, Fields *f, unsigned depth);

static int parse_directive(char d, Cursor *c, Fields *f, unsigned depth) {
        int r, ignored;

        switch (d) {
        case 'a': return read_name(c, wday_full, 7, 3, &f->wday);
        case 'A': return read_name(c, wday_full, 7, 0, &f->wday);
        case 'b': case 'h':
                r = read_name(c, month_full, 12, 3, &f->month);
                f->month += r >= 0;
                return r;
        case 'B':
                r = read_name(c, month_full, 12, 0, &f->month);
                f->month += r >= 0;
                return r;
        case 'c': return parse_format("%a %b %d %H:%M:%S %Y", c, f, depth + 1);
        case 'x': case 'D': return parse_format("%m/%d/%y", c, f, depth + 1);
        case 'X': case 'T': return parse_format("%H:%M:%S", c, f, depth + 1);
        case 'F': return parse_format("%Y-%m-%d", c, f, depth + 1);
        case 'R': return parse_format("%H:%M", c, f, depth + 1);
        case 'd': case 'e':
                /* Python's %d also takes " 1": syslog pads days with a space */
                if (c->pos + 1 < c->len && c->s[c->pos] == ' ' && is_digit(c->s[c->pos + 1]))
                        c->pos++;
                return read_number(c, 1, 2, 1, 31, &f->day);
        case 'f': return read_fraction(c, f);
        case 'H': return read_number(c, 1, 2, 0, 23, &f->hour);
        case 'I': return read_number(c, 1, 2, 1, 12, &f->hour12);
        case 'j': return read_number(c, 1, 3, 1, 366, &f->yday);
        case 'm': return read_number(c, 1, 2, 1, 12, &f->month);
        case 'M': return read_number(c, 1, 2, 0, 59, &f->minute);
        case 'S': return read_number(c, 1, 2, 0, 60, &f->second);
        case 'U': return read_number(c, 1, 2, 0, 53, &f->week_u);
        case 'W': return read_number(c, 1, 2, 0, 53, &f->week_w);
        case 'w':
                r = read_number(c, 1, 1, 0, 6, &ignored);
                if (r >= 0)
                        f->wday = (ignored + 6) % 7; /* Sunday = 0 -> Monday = 0 */
                return r;
        case 'y':
                r = read_number(c, 2, 2, 0, 99, &f->year);
                if (r >= 0) /* Python's pivot: 69-99 -> 19xx, 00-68 -> 20xx */
                        f->year += f->year <= 68 ? 2000 : 1900;
                return r;
        case 'Y': return read_number(c, 4, 4, 1, 9999, &f->year);
        case 'p': {
                static const char *const ampm[] = { "am", "pm" };
                return read_name(c, ampm, 2, 0, &f->pm);
        }
        case 'z': return read_offset(c, f);
        case 'Z': return read_zone_name(c, f);
        case 's': return read_epoch(c, f);
        case '%':
                if (c->pos >= c->len || c->s[c->pos] != '%')
                        return -EBADMSG;
                c->pos++;
                return 0;
        case 'n': case 't':
                while (c->pos < c->len && is_ws(c->s[c->pos]))
                        c->pos++;
                return 0;
        default:
                return -EINVAL;
        }
}

static int parse_format(const char *fmt, Cursor *c, Fields *f, unsigned depth) {
        int r;

        if (depth > 2)
                return -EINVAL;
        for (const char *p = fmt; *p;) {
                if (is_ws(*p)) {
                        /* Python: a whitespace run in the format is "\s+" */
                        while (is_ws(*p))
                                p++;
                        if (c->pos >= c->len || !is_ws(c->s[c->pos]))
                                return -EBADMSG;
                        while (c->pos < c->len && is_ws(c->s[c->pos]))
                                c->pos++;
                } else if (*p == '%') {
                        if (!p[1])
                                return -EINVAL;
                        r = parse_directive(p[1], c, f, depth);
                        if (r < 0)
                                return r;
                        p += 2;
                } else {
                        if (c->pos >= c->len || tolower((unsigned char) c->s[c->pos]) != tolower((unsigned char) *p))
                                return -EBADMSG;
                        c->pos++;
                        p++;
                }
        }
        return 0;
}

static bool is_leap(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
        static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d) {
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

/* Python's _calc_julian_from_U_or_W(): day of the year from week number and weekday. */
static int julian_from_week(int year, int week, int wday, bool week_starts_monday) {
        int first = (int) ((days_from_civil(year, 1, 1) + 3) % 7); /* Monday = 0 */
        int week0_len;

        if (first < 0)
                first += 7;
        if (!week_starts_monday) {
                first = (first + 1) % 7;
                wday = (wday + 1) % 7;
        }
        week0_len = (7 - first) % 7;
        if (week == 0)
                return 1 + wday - first;
        return 1 + week0_len + 7 * (week - 1) + wday;
}

/* Resolves %j / %U / %W into year, month and day (Python: julian wins over month/day). */
static int resolve_date(Fields *f, int *year) {
        int yday = f->yday;

        if (yday < 0 && f->wday >= 0 && (f->week_u >= 0 || f->week_w >= 0)) {
                yday = julian_from_week(*year, f->week_u >= 0 ? f->week_u : f->week_w, f->wday,
                                        f->week_u < 0);
                if (yday <= 0) {
                        (*year)--;
                        yday += is_leap(*year) ? 366 : 365;
                }
        }
        if (yday > 0) {
                if (yday > (is_leap(*year) ? 366 : 365))
                        return -EBADMSG;
                f->month = 1;
                while (yday > days_in_month(*year, f->month))
                        yday -= days_in_month(*year, f->month++);
                f->day = yday;
        }
        if (f->month < 0)
                f->month = 1;
        if (f->day < 0)
                f->day = 1;
        return 0;
}

static int fields_to_seconds(const Fields *f, bool utc, int year, int month, int day, int64_t *ret) {
        int hour = f->hour12 >= 0 ? f->hour12 % 12 + (f->pm == 1 ? 12 : 0) : MAX(f->hour, 0);
        struct tm tm = {
                .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                .tm_hour = hour, .tm_min = MAX(f->minute, 0), .tm_sec = MAX(f->second, 0),
                .tm_isdst = -1,
        };
        time_t t;

        if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
                return -EBADMSG;
        if (f->have_offset || utc) {
                *ret = days_from_civil(year, month, day) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
                       tm.tm_sec - (f->have_offset ? f->offset_sec : 0);
                return 0;
        }
        t = mktime(&tm);
        if (t == (time_t) -1 && tm.tm_year != 69)
                return -EBADMSG;
        *ret = (int64_t) t;
        return 0;
}

/* The calendar date of now_ms in the zone the fields will be read in. */
static void today(const Fields *f, bool utc, int64_t now_ms, struct tm *ret) {
        time_t t = (time_t) (now_ms / 1000);

        if (f->have_offset) {
                t += f->offset_sec;
                (void) gmtime_r(&t, ret);
        } else if (utc)
                (void) gmtime_r(&t, ret);
        else
                (void) localtime_r(&t, ret);
}

static int fields_to_ms(Fields *f, bool utc, int64_t now_ms, int64_t *ret) {
        bool have_date = f->month >= 0 || f->day >= 0 || f->yday >= 0 || f->week_u >= 0 || f->week_w >= 0;
        int year = f->year, r;
        int64_t s;
        struct tm now;

        if (f->have_epoch) {
                *ret = f->epoch * 1000 + f->usec / 1000;
                return 0;
        }
        today(f, utc, now_ms, &now);
        if (!have_date && year < 0) {
                /* time only: today, or yesterday if that is clearly in the future */
                r = fields_to_seconds(f, utc, now.tm_year + 1900, now.tm_mon + 1, now.tm_mday, &s);
                if (r < 0)
                        return r;
                if (s * 1000 > now_ms + DATETIME_FUTURE_SLACK_TIME_MS)
                        s -= 86400;
        } else {
                if (year < 0)
                        year = now.tm_year + 1900;
                r = resolve_date(f, &year);
                if (r < 0)
                        return r;
                r = fields_to_seconds(f, utc, year, f->month, f->day, &s);
                if (r < 0)
                        return r;
                if (f->year < 0 && s * 1000 > now_ms + DATETIME_FUTURE_SLACK_DATE_MS) {
                        r = fields_to_seconds(f, utc, year - 1, f->month, f->day, &s);
                        if (r < 0)
                                return r;
                }
        }
        *ret = s * 1000 + f->usec / 1000;
        return 0;
}

int datetime_parse_at(const char *format, const char *line, size_t len, bool utc, int64_t now_ms,
                      int64_t *ret_ms, size_t *ret_consumed) {
        Fields f = {
                .year = -1, .month = -1, .day = -1, .yday = -1,
                .hour = -1, .minute = -1, .second = -1,
                .hour12 = -1, .pm = -1, .wday = -1, .week_u = -1, .week_w = -1,
        };
        Cursor c = { .s = line, .len = len };
        int64_t ms;
        int r;

        r = parse_format(format, &c, &f, 0);
        if (r < 0)
                return r;
        r = fields_to_ms(&f, utc, now_ms, &ms);
        if (r < 0)
                return r;
        if (ret_ms)
                *ret_ms = ms;
        if (ret_consumed)
                *ret_consumed = c.pos;
        return 0;
}

int datetime_parse(const char *format, const char *line, size_t len, bool utc, int64_t *ret_ms,
                   size_t *ret_consumed) {
        return datetime_parse_at(format, line, len, utc, (int64_t) (now_usec(CLOCK_REALTIME) / USEC_PER_MSEC),
                                 ret_ms, ret_consumed);
}

int datetime_search(const char *format, const char *line, size_t len, bool utc, int64_t now_ms,
                    int64_t *ret_ms) {
        size_t window = MIN(len, (size_t) DATETIME_SEARCH_WINDOW);
        int r;

        for (size_t i = 0; i < window; i++) {
                r = datetime_parse_at(format, line + i, len - i, utc, now_ms, ret_ms, NULL);
                if (r != -EBADMSG)
                        return r;
        }
        return -EBADMSG;
}

int datetime_format_validate(const char *format, char **ret_error) {
        static const char known[] = "aAbBcdDefFhHIjmMnpRsStTUwWxXyYzZ%";
        const char *problem = NULL;
        char bad = 0;

        if (strlen(format) > DATETIME_FORMAT_MAX)
                problem = "too long";
        else
                for (const char *p = format; *p; p++) {
                        if (*p != '%')
                                continue;
                        if (!p[1]) {
                                problem = "ends with a lone '%'";
                                break;
                        }
                        if (!strchr(known, p[1])) {
                                problem = "unsupported directive";
                                bad = p[1];
                                break;
                        }
                        p++;
                }
        if (!problem)
                return 0;
        if (ret_error) {
                int n = bad ? asprintf(ret_error, "datetime_format '%s': %s '%%%c'", format, problem, bad)
                            : asprintf(ret_error, "datetime_format '%s': %s", format, problem);
                if (n < 0)
                        *ret_error = NULL;
        }
        return -EINVAL;
}
