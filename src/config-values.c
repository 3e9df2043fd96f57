/* SPDX-License-Identifier: MIT */
/*
 * Value parsers for the key table: each one checks a single value and stores it in its
 * field, or explains what is wrong (without location; config_build() adds FILE:LINE).
 * Checks that need several keys (file vs journal, required keys) live in config-keys.c.
 *
 * A parser only runs on non-empty values (empty means "default") and may be called again
 * for the same field: it replaces what was there.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <strings.h>

#include "config-internal.h"
#include "datetime.h"
#include "encoding.h"
#include "journal-match.h"
#include "cw-limits.h"
#include "regex-util.h"
#include "shared/parse-util.h"
#include "stream-name.h"

#define FIELD(obj, k, type) ((type *) (void *) ((uint8_t *) (obj) + (k)->offset))

static int replace_string(char **field, const char *v) {
        char *c = strdup(v);

        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

int config_value_string(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_path(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        if (v[0] != '/')
                return config_msg(ret_msg, "invalid %s '%s': must be an absolute path", k->info.name, v);
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_bool(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        int b = parse_boolean(v);

        if (b < 0)
                return config_msg(ret_msg, "invalid %s '%s': expected true or false", k->info.name, v);
        *FIELD(obj, k, bool) = b;
        return 0;
}

static int parse_ranged(const ConfigKeyDef *k, const char *v, uint64_t *ret, char **ret_msg) {
        uint64_t u;

        if (safe_atou64(v, &u) < 0 || u < k->min || u > k->max)
                return config_msg(ret_msg, "invalid %s '%s': must be an integer between %" PRIu64 " and %" PRIu64,
                                  k->info.name, v, k->min, k->max);
        *ret = u;
        return 0;
}

int config_value_unsigned(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        uint64_t u = 0;
        int r;

        r = parse_ranged(k, v, &u, ret_msg);
        if (r < 0)
                return r;
        *FIELD(obj, k, unsigned) = (unsigned) u;
        return 0;
}

int config_value_u64(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        return parse_ranged(k, v, FIELD(obj, k, uint64_t), ret_msg);
}

int config_value_words(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        char ***field = FIELD(obj, k, char **), **l = NULL;
        int r;

        r = strv_split(v, " \t", &l);
        if (r < 0)
                return r;
        strv_free(*field);
        *field = l;
        return 0;
}

int config_value_units(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        _cleanup_strv_free_ char **words = NULL, **units = NULL;
        char ***field = FIELD(obj, k, char **);
        int r;

        r = strv_split(v, " \t", &words);
        if (r < 0)
                return r;
        STRV_FOREACH(w, words) {
                _cleanup_free_ char *m = NULL;

                r = journal_unit_name_mangle(*w, &m);
                if (r == -EINVAL)
                        return config_msg(ret_msg,
                                          "invalid unit name '%s' in %s: expected a name such as nginx or "
                                          "nginx.service (globs and paths are not supported)",
                                          *w, k->info.name);
                if (r < 0)
                        return r;
                r = strv_extend(&units, m);
                if (r < 0)
                        return r;
        }
        strv_free(*field);
        *field = TAKE_PTR(units);
        return 0;
}

int config_value_ignored(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        return 0;
}

int config_value_region(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        if (strlen(v) > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(v))
                return config_msg(ret_msg, "invalid region '%s': expected a region name such as us-east-1", v);
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_endpoint(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        const char *host = startswith(v, "https://") ?: startswith(v, "http://");

        if (!host || isempty(host) || *host == '/' || strpbrk(v, " \t"))
                return config_msg(ret_msg, "invalid endpoint '%s': expected an http:// or https:// URL", v);
        return replace_string(FIELD(obj, k, char *), v);
}

static bool host_is_loopback(const char *host) {
        struct in_addr a4;
        struct in6_addr a6;

        if (strcasecmp(host, "localhost") == 0)
                return true;
        if (inet_pton(AF_INET, host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, host, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6);
        return false;
}

int config_value_metrics_listen(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        _cleanup_free_ char *host = NULL;
        const char *colon;
        unsigned port;

        if (v[0] == '[') {
                const char *close = strchr(v, ']');

                colon = close && close[1] == ':' ? close + 1 : NULL;
                host = close ? strndup(v + 1, (size_t) (close - v - 1)) : NULL;
                if (close && !host)
                        return -ENOMEM;
        } else {
                colon = strrchr(v, ':');
                host = colon ? strndup(v, (size_t) (colon - v)) : NULL;
                if (colon && !host)
                        return -ENOMEM;
        }
        if (!colon || !host || safe_atou(colon + 1, &port) < 0 || port < 1 || port > 65535)
                return config_msg(ret_msg,
                                  "invalid metrics_listen '%s': expected HOST:PORT such as 127.0.0.1:9100 or "
                                  "[::1]:9100",
                                  v);
        if (!host_is_loopback(host))
                return config_msg(ret_msg,
                                  "invalid metrics_listen '%s': '%s' is not a loopback address (the metrics "
                                  "endpoint has no authentication)",
                                  v, host);
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_journal(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        int b = parse_boolean(v);

        if (b < 0)
                return config_msg(ret_msg, "invalid journal '%s': expected true or false", v);
        ((SectionConfig *) obj)->kind = b ? SOURCE_JOURNAL : SOURCE_FILE;
        return 0;
}

int config_value_log_group(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./#-";

        if (strlen(v) > CW_MAX_GROUP_NAME || strspn(v, allowed) != strlen(v))
                return config_msg(ret_msg,
                                  "invalid log_group_name '%s': must be 1-%u characters of A-Z, a-z, 0-9 and "
                                  "'_' '.' '/' '#' '-'",
                                  v, CW_MAX_GROUP_NAME);
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_stream_template(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        _cleanup_free_ char *why = NULL;
        int r;

        r = stream_template_validate(v, &why);
        if (r == -EINVAL)
                return config_msg(ret_msg, "invalid log_stream_name '%s': %s", v, strna(why));
        if (r < 0)
                return r;
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_initial_position(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        SectionConfig *s = obj;

        /* Either family for either kind: awslogs.conf sections may be flipped to journal. */
        if (strcasecmp(v, "start_of_file") == 0 || strcasecmp(v, "start_of_journal") == 0)
                s->initial_position = POSITION_START;
        else if (strcasecmp(v, "end_of_file") == 0 || strcasecmp(v, "end_of_journal") == 0)
                s->initial_position = POSITION_END;
        else
                return config_msg(ret_msg,
                                  "invalid initial_position '%s': expected start_of_file, end_of_file, "
                                  "start_of_journal or end_of_journal",
                                  v);
        return 0;
}

int config_value_time_zone(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        if (strcasecmp(v, "UTC") == 0)
                ((SectionConfig *) obj)->time_zone_utc = true;
        else if (strcasecmp(v, "LOCAL") == 0)
                ((SectionConfig *) obj)->time_zone_utc = false;
        else
                return config_msg(ret_msg, "invalid time_zone '%s': expected LOCAL or UTC", v);
        return 0;
}

int config_value_encoding(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        const char *c = config_encoding_canonical(v);

        if (!c)
                return config_msg(ret_msg,
                                  "invalid encoding '%s': not a supported codec (e.g. utf_8, ascii, latin_1, "
                                  "cp1252, utf_16, shift_jis, euc_jp)",
                                  v);
        /* Known to Python, but this system's iconv may lack it (a trimmed glibc). */
        if (!encoding_is_supported(c))
                return config_msg(ret_msg, "invalid encoding '%s': this system's iconv cannot convert %s to UTF-8", v,
                                  config_encoding_iconv_name(c));
        return replace_string(FIELD(obj, k, char *), c);
}

int config_value_datetime_format(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        _cleanup_free_ char *why = NULL;
        int r;

        /* The parser's own check, so that what passes here is what the file source can parse. */
        r = datetime_format_validate(v, &why);
        if (r == -EINVAL)
                return config_msg(ret_msg, "invalid %s", why ?: "datetime_format");
        if (r < 0)
                return r;
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_regex(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        _cleanup_(pcre2_code_freep) pcre2_code *code = NULL;
        _cleanup_free_ char *why = NULL;
        int r;

        /* Special value: "a line whose start parses with datetime_format". */
        if (streq(k->info.name, "multi_line_start_pattern") && streq(v, "{datetime_format}"))
                return replace_string(FIELD(obj, k, char *), v);
        r = regex_compile(v, &code, &why);
        if (r == -EINVAL)
                return config_msg(ret_msg, "invalid %s '%s': %s", k->info.name, v, strna(why));
        if (r < 0)
                return r;
        return replace_string(FIELD(obj, k, char *), v);
}

int config_value_fingerprint(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        SectionConfig *s = obj;
        _cleanup_free_ char *first = NULL;
        const char *dash = strchr(v, '-');
        unsigned a, b;

        first = dash ? strndup(v, (size_t) (dash - v)) : strdup(v);
        if (!first)
                return -ENOMEM;
        if (safe_atou(first, &a) < 0 || safe_atou(dash ? dash + 1 : v, &b) < 0 || a < 1 || a > b ||
            b > FINGERPRINT_LINES_MAX)
                return config_msg(ret_msg,
                                  "invalid file_fingerprint_lines '%s': expected N or N-M with 1 <= N <= M <= %u",
                                  v, FINGERPRINT_LINES_MAX);
        s->fingerprint_first = a;
        s->fingerprint_last = b;
        return 0;
}

int config_value_retention(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        /* PutRetentionPolicy: the only values the service accepts. */
        static const unsigned allowed[] = {
                1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
        };
        unsigned d;

        if (safe_atou(v, &d) >= 0)
                for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                        if (allowed[i] == d) {
                                ((SectionConfig *) obj)->retention_in_days = d;
                                return 0;
                        }
        return config_msg(ret_msg,
                          "invalid retention_in_days '%s': CloudWatch accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, "
                          "180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
                          v);
}

int config_value_journal_match(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        _cleanup_free_ char *why = NULL;
        int r;

        r = journal_match_validate(v, &why);
        if (r == -EINVAL)
                return config_msg(ret_msg, "invalid journal_match: %s", strna(why));
        if (r < 0)
                return r;
        return strv_extend(FIELD(obj, k, char **), v);
}

int config_value_priority(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        SectionConfig *s = obj;
        int r;

        r = journal_priority_parse(v, &s->priority_min, &s->priority_max);
        if (r < 0)
                return config_msg(ret_msg,
                                  "invalid journal_priority '%s': expected a level (emerg, alert, crit, err, "
                                  "warning, notice, info, debug or 0-7) or a range such as err..warning",
                                  v);
        return 0;
}

int config_value_namespace(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-";

        if (strlen(v) > UNIT_NAME_MAX || strspn(v, allowed) != strlen(v) || v[0] == '.')
                return config_msg(ret_msg, "invalid journal_namespace '%s': not a journal namespace name", v);
        return replace_string(FIELD(obj, k, char *), v);
}

static int parse_field_list(const char *list, char ***ret, char **ret_msg) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = strv_split(list, ",", &l);
        if (r < 0)
                return r;
        if (!l[0])
                return config_msg(ret_msg, "invalid journal_format 'json:%s': no field names after 'json:'", list);
        STRV_FOREACH(f, l) {
                char *name = strstrip(*f);

                if (!journal_field_name_valid(name, strlen(name)) && !streq(name, "__CURSOR") &&
                    !streq(name, "__REALTIME_TIMESTAMP") && !streq(name, "__MONOTONIC_TIMESTAMP"))
                        return config_msg(ret_msg, "invalid journal_format 'json:%s': '%s' is not a journal field name",
                                          list, name);
                memmove(*f, name, strlen(name) + 1);
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int config_value_journal_format(const ConfigKeyDef *k, const char *v, void *obj, char **ret_msg) {
        SectionConfig *s = obj;
        char **fields = NULL;
        const char *list;
        int r;

        if (streq(v, "message"))
                s->journal_format = JOURNAL_FORMAT_MESSAGE;
        else if (streq(v, "short"))
                s->journal_format = JOURNAL_FORMAT_SHORT;
        else if (streq(v, "json"))
                s->journal_format = JOURNAL_FORMAT_JSON;
        else if ((list = startswith(v, "json:"))) {
                r = parse_field_list(list, &fields, ret_msg);
                if (r < 0)
                        return r;
                s->journal_format = JOURNAL_FORMAT_JSON;
        } else
                return config_msg(ret_msg, "invalid journal_format '%s': expected message, short, json or json:F1,F2",
                                  v);
        strv_free(s->journal_fields);
        s->journal_fields = fields;
        return 0;
}
