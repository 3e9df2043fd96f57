/* SPDX-License-Identifier: MIT */
/* datetime_format parsing; expected values were computed with Python's datetime.strptime(). */

#include <time.h>

#include "datetime.h"
#include "test.h"

/* 2024-06-01T00:00:00Z: a "now" that makes missing-year formats land in 2024. */
#define NOW_2024 1717200000000LL

static void set_tz(const char *tz) {
        setenv("TZ", tz, 1);
        tzset();
}

static int64_t parse_utc(const char *fmt, const char *s) {
        int64_t ms = -1;
        ASSERT_OK(datetime_parse_at(fmt, s, strlen(s), true, NOW_2024, &ms, NULL));
        return ms;
}

static int parse_err(const char *fmt, const char *s) {
        int64_t ms;
        return datetime_parse_at(fmt, s, strlen(s), true, NOW_2024, &ms, NULL);
}

TEST(log4j_comma_fraction) {
        const char *s = "2024-03-05 14:07:09,123456 INFO started";
        int64_t ms;
        size_t n;

        ASSERT_OK(datetime_parse_at("%Y-%m-%d %H:%M:%S,%f", s, strlen(s), true, NOW_2024, &ms, &n));
        ASSERT_EQ(ms, 1709647629123LL);
        ASSERT_EQ(n, 26);
}

TEST(fraction_digits) {
        ASSERT_EQ(parse_utc("%Y-%m-%d %H:%M:%S.%f", "2024-01-01 00:00:00.1"), 1704067200100LL);
        ASSERT_EQ(parse_utc("%Y-%m-%d %H:%M:%S.%f", "2024-01-01 00:00:00.12"), 1704067200120LL);
        ASSERT_EQ(parse_utc("%Y-%m-%d %H:%M:%S.%f", "2024-01-01 00:00:00.999999"), 1704067200999LL);
        /* a seventh digit is not part of %f; the parse stops after six */
        size_t n;
        ASSERT_OK(datetime_parse_at("%S.%f", "00.1234567", 10, true, NOW_2024, NULL, &n));
        ASSERT_EQ(n, 9);
}

TEST(syslog_without_year) {
        /* space-padded day, as syslog writes it */
        ASSERT_EQ(parse_utc("%b %d %H:%M:%S", "Jan  2 03:04:05 host sshd[1]: hi"), 1704164645000LL);
        ASSERT_EQ(parse_utc("%b %e %H:%M:%S", "jan 2 03:04:05"), 1704164645000LL);
}

TEST(missing_year_rolls_back_over_new_year) {
        int64_t now = 1735689630000LL; /* 2025-01-01T00:00:30Z */
        int64_t ms;
        const char *s = "Dec 31 23:59:59 host x";

        ASSERT_OK(datetime_parse_at("%b %d %H:%M:%S", s, strlen(s), true, now, &ms, NULL));
        ASSERT_EQ(ms, 1735689599000LL);
        /* but a date a few hours ahead stays in this year */
        s = "Jan  1 05:00:00";
        ASSERT_OK(datetime_parse_at("%b %d %H:%M:%S", s, strlen(s), true, now, &ms, NULL));
        ASSERT_EQ(ms, 1735707600000LL);
}

TEST(time_only_is_today_or_yesterday) {
        int64_t now = 1714867210000LL; /* 2024-05-05T00:00:10Z */
        int64_t ms;

        ASSERT_OK(datetime_parse_at("%H:%M:%S", "23:59:58", 8, true, now, &ms, NULL));
        ASSERT_EQ(ms, 1714867198000LL);
        ASSERT_OK(datetime_parse_at("%H:%M:%S", "00:00:05", 8, true, now, &ms, NULL));
        ASSERT_EQ(ms, 1714867205000LL);
}

TEST(apache_with_offset) {
        ASSERT_EQ(parse_utc("%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700"), 971211336000LL);
}

TEST(search_finds_timestamp_inside_line) {
        const char *s = "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200";
        int64_t ms = 0;

        ASSERT_OK(datetime_search("%d/%b/%Y:%H:%M:%S %z", s, strlen(s), true, NOW_2024, &ms));
        ASSERT_EQ(ms, 971211336000LL);
        ASSERT_ERR(datetime_search("%Y-%m-%d", s, strlen(s), true, NOW_2024, &ms), EBADMSG);
        /* at the start, parse itself does not search */
        ASSERT_ERR(parse_err("%d/%b/%Y:%H:%M:%S %z", s), EBADMSG);
}

TEST(offset_forms) {
        const char *f = "%Y-%m-%dT%H:%M:%S%z";

        ASSERT_EQ(parse_utc(f, "2024-01-01T00:00:00+0530"), 1704047400000LL);
        ASSERT_EQ(parse_utc(f, "2024-01-01T00:00:00+05:30"), 1704047400000LL);
        ASSERT_EQ(parse_utc(f, "2024-01-01T05:30:00Z"), 1704087000000LL);
        ASSERT_EQ(parse_utc(f, "2023-12-31T17:00:00-07:00"), 1704067200000LL);
        ASSERT_ERR(parse_err(f, "2024-01-01T00:00:00+5"), EBADMSG);
        ASSERT_ERR(parse_err(f, "2024-01-01T00:00:00 0530"), EBADMSG);
}

TEST(offset_wins_over_local_zone) {
        int64_t ms;
        const char *s = "2024-01-01T00:00:00+0000";

        set_tz("EST5EDT,M3.2.0,M11.1.0");
        ASSERT_OK(datetime_parse_at("%Y-%m-%dT%H:%M:%S%z", s, strlen(s), false, NOW_2024, &ms, NULL));
        ASSERT_EQ(ms, 1704067200000LL);
        set_tz("UTC0");
}

TEST(local_zone_follows_dst) {
        int64_t ms;
        const char *f = "%Y-%m-%d %H:%M:%S";

        set_tz("EST5EDT,M3.2.0,M11.1.0");
        ASSERT_OK(datetime_parse_at(f, "2024-07-01 12:00:00", 19, false, NOW_2024, &ms, NULL));
        ASSERT_EQ(ms, 1719849600000LL);
        ASSERT_OK(datetime_parse_at(f, "2024-01-01 12:00:00", 19, false, NOW_2024, &ms, NULL));
        ASSERT_EQ(ms, 1704128400000LL);
        /* time_zone = UTC ignores the machine's zone */
        ASSERT_OK(datetime_parse_at(f, "2024-01-01 12:00:00", 19, true, NOW_2024, &ms, NULL));
        ASSERT_EQ(ms, 1704110400000LL);
        /* %Z naming UTC means UTC */
        ASSERT_OK(datetime_parse_at("%Y-%m-%d %H:%M:%S %Z", "2024-01-01 12:00:00 UTC", 23, false, NOW_2024,
                                    &ms, NULL));
        ASSERT_EQ(ms, 1704110400000LL);
        /* the local zone's own name is accepted and changes nothing */
        ASSERT_OK(datetime_parse_at("%Y-%m-%d %H:%M:%S %Z", "2024-01-01 12:00:00 EST", 23, false, NOW_2024,
                                    &ms, NULL));
        ASSERT_EQ(ms, 1704128400000LL);
        ASSERT_ERR(datetime_parse_at("%H %Z", "12 XYZ", 6, false, NOW_2024, &ms, NULL), EBADMSG);
        set_tz("UTC0");
}

TEST(two_digit_year_pivot) {
        ASSERT_EQ(parse_utc("%y-%m-%d", "68-01-01"), 3092601600000LL);
        ASSERT_EQ(parse_utc("%y-%m-%d", "69-01-01"), -31536000000LL);
        ASSERT_EQ(parse_utc("%y-%m-%d", "00-01-01"), 946684800000LL);
}

TEST(twelve_hour_clock) {
        ASSERT_EQ(parse_utc("%Y-%m-%d %I:%M %p", "2024-01-01 12:30 AM"), 1704069000000LL);
        ASSERT_EQ(parse_utc("%Y-%m-%d %I:%M %p", "2024-01-01 12:30 pm"), 1704112200000LL);
        ASSERT_EQ(parse_utc("%Y-%m-%d %I %p", "2024-01-01 01 PM"), 1704114000000LL);
        ASSERT_EQ(parse_utc("%Y-%m-%d %I", "2024-01-01 01"), 1704070800000LL);
}

TEST(day_of_year_and_weeks) {
        ASSERT_EQ(parse_utc("%Y %j", "2024 060"), 1709164800000LL); /* 2024-02-29 */
        ASSERT_EQ(parse_utc("%Y %U %w", "2024 10 1"), 1710115200000LL);
        ASSERT_EQ(parse_utc("%Y %W %w", "2024 10 1"), 1709510400000LL);
        ASSERT_EQ(parse_utc("%Y %U %w", "2024 00 0"), 1703980800000LL);
        ASSERT_EQ(parse_utc("%Y %W %w", "2023 00 1"), 1672012800000LL);
        ASSERT_ERR(parse_err("%Y %j", "2023 366"), EBADMSG);
}

TEST(names_case_insensitive) {
        ASSERT_EQ(parse_utc("%A %B %d %Y", "monday JANUARY 01 2024"), 1704067200000LL);
        ASSERT_EQ(parse_utc("%a %b %d %Y", "MON jAn 01 2024"), 1704067200000LL);
        ASSERT_EQ(parse_utc("%Y-%m-%dt%H", "2024-01-01T00"), 1704067200000LL);
        ASSERT_ERR(parse_err("%b %d %Y", "Foo 01 2024"), EBADMSG);
}

TEST(composite_directives) {
        ASSERT_EQ(parse_utc("%c", "Mon Jan  1 00:00:00 2024"), 1704067200000LL);
        ASSERT_EQ(parse_utc("%x %X", "01/02/24 03:04:05"), 1704164645000LL);
        ASSERT_EQ(parse_utc("%D %T", "01/02/24 03:04:05"), 1704164645000LL);
        ASSERT_EQ(parse_utc("%F %R", "2024-01-02 03:04"), 1704164640000LL);
        ASSERT_EQ(parse_utc("%s", "1700000000"), 1700000000000LL);
        ASSERT_EQ(parse_utc("%s.%f", "1700000000.250"), 1700000000250LL);
        ASSERT_EQ(parse_utc("%%%Y", "%2024"), 1704067200000LL);
        ASSERT_ERR(parse_err("%%%Y", "2024"), EBADMSG);
}

TEST(whitespace_rules) {
        /* a format space matches any run of whitespace, but at least one character */
        ASSERT_EQ(parse_utc("%Y-%m-%d %H", "2024-01-01\t \t05"), 1704085200000LL);
        ASSERT_ERR(parse_err("%Y-%m-%d %H", "2024-01-0105"), EBADMSG);
}

TEST(garbage_and_ranges) {
        const char *f = "%Y-%m-%d %H:%M:%S";

        ASSERT_ERR(parse_err(f, ""), EBADMSG);
        ASSERT_ERR(parse_err(f, "hello world"), EBADMSG);
        ASSERT_ERR(parse_err(f, "2024-02-30 00:00:00"), EBADMSG);
        ASSERT_ERR(parse_err(f, "2023-02-29 00:00:00"), EBADMSG);
        ASSERT_ERR(parse_err(f, "2024-13-01 00:00:00"), EBADMSG);
        ASSERT_ERR(parse_err(f, "2024-01-01 24:00:00"), EBADMSG);
        ASSERT_ERR(parse_err(f, "2024-01-01 00:60:00"), EBADMSG);
        ASSERT_ERR(parse_err(f, "0000-01-01 00:00:00"), EBADMSG);
        ASSERT_ERR(parse_err(f, "2024-01-01 00:00"), EBADMSG);
        /* a leap second is accepted */
        ASSERT_EQ(parse_utc(f, "2016-12-31 23:59:60"), 1483228800000LL);
        /* bytes past len are never read */
        ASSERT_ERR(datetime_parse_at("%Y", "2024", 3, true, NOW_2024, NULL, NULL), EBADMSG);
}

TEST(validate) {
        _cleanup_free_ char *e1 = NULL, *e2 = NULL;

        ASSERT_OK(datetime_format_validate("%Y-%m-%d %H:%M:%S,%f", NULL));
        ASSERT_OK(datetime_format_validate("%b %d %H:%M:%S", NULL));
        ASSERT_OK(datetime_format_validate("plain text", NULL));
        ASSERT_ERR(datetime_format_validate("%Y-%Q", &e1), EINVAL);
        ASSERT_NOT_NULL(strstr(e1, "'%Q'"));
        ASSERT_ERR(datetime_format_validate("%Y%", &e2), EINVAL);
        ASSERT_NOT_NULL(strstr(e2, "lone"));
        ASSERT_ERR(parse_err("%Y-%Q", "2024-x"), EINVAL);
}

TEST(clock_based_parse) {
        int64_t ms;
        size_t n;

        /* with a year, "now" does not matter */
        ASSERT_OK(datetime_parse("%Y-%m-%d", "2024-01-01 x", 12, true, &ms, &n));
        ASSERT_EQ(ms, 1704067200000LL);
        ASSERT_EQ(n, 10);
}

TEST_MAIN()
