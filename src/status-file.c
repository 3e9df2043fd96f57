/* SPDX-License-Identifier: MIT */
/*
 * status.json: written by the daemon, read by `cwlogd --status`; see status-file.h. The
 * reader trusts nothing in the file (it may be stale, from another version, or damaged):
 * missing or mistyped fields read as 0 or "", and "running" is believed only while the pid
 * still names a live cwlogd. Numbers are printed raw (no units) so they can be compared with
 * the Prometheus exposition; times are relative to now ("3s ago").
 */

#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>

#include "cw-limits.h"
#include "daemon.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/time-util.h"
#include "status-file.h"

int status_dir_resolve(const char *override, bool create, char **ret) {
        const char *env = getenv("RUNTIME_DIRECTORY");
        char *dir;

        if (override)
                dir = strdup(override);
        else if (!isempty(env)) /* systemd passes a colon-separated list; ours is the first */
                dir = strndup(env, strcspn(env, ":"));
        else
                dir = strdup(RUNTIME_DIR_DEFAULT);
        if (!dir)
                return -ENOMEM;
        if (create && ((mkdir(dir, 0755) < 0 && errno != EEXIST) || access(dir, W_OK) < 0)) {
                int r = -errno;

                free(dir);
                return r;
        }
        *ret = dir;
        return 0;
}

int status_file_write(const char *path, const Shipper *s, const MetricsProcess *p) {
        StrBuf b = STRBUF_INIT(STATUS_FILE_MAX);
        int r;

        r = metrics_format_status_json(s, p, &b);
        if (r >= 0)
                r = write_file_atomic(path, b.data, b.len);
        strbuf_done(&b);
        return r;
}

bool status_pid_alive(pid_t pid) {
        _cleanup_free_ char *comm = NULL;
        char path[64];

        if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
                return false;
        (void) snprintf(path, sizeof path, "/proc/%d/comm", (int) pid);
        if (read_full_file(path, 64, &comm, NULL) < 0)
                return true; /* alive; no /proc to tell more */
        return streq(comm, "cwlogd\n");
}

static int64_t jnum(const json_t *o, const char *key) {
        json_t *v = json_object_get(o, key);

        return json_is_integer(v) ? (int64_t) json_integer_value(v) : 0;
}

static const char *jstr(const json_t *o, const char *key) {
        return strempty(json_string_value(json_object_get(o, key)));
}

pid_t status_file_owner(const char *path) {
        _cleanup_free_ char *text = NULL;
        json_t *doc;
        pid_t pid = 0;
        size_t size;

        if (read_full_file(path, STATUS_FILE_MAX, &text, &size) < 0)
                return 0;
        doc = json_loadb(text, size, 0, NULL);
        if (json_is_true(json_object_get(doc, "running")))
                pid = (pid_t) jnum(doc, "pid");
        json_decref(doc);
        return pid > 0 && pid != getpid() && status_pid_alive(pid) ? pid : 0;
}

/* "45s", "12m 05s", "3h 07m", "2d 04h" */
static const char *format_duration(uint64_t usec, char *buf, size_t size) {
        uint64_t s = usec / USEC_PER_SEC;

        if (s < 60)
                (void) snprintf(buf, size, "%" PRIu64 "s", s);
        else if (s < 3600)
                (void) snprintf(buf, size, "%" PRIu64 "m %02" PRIu64 "s", s / 60, s % 60);
        else if (s < 86400)
                (void) snprintf(buf, size, "%" PRIu64 "h %02" PRIu64 "m", s / 3600, s % 3600 / 60);
        else
                (void) snprintf(buf, size, "%" PRIu64 "d %02" PRIu64 "h", s / 86400, s % 86400 / 3600);
        return buf;
}

static const char *format_lag(int64_t ms, char *buf, size_t size) {
        if (ms <= 0)
                return "0s";
        if (ms < 60 * 1000) {
                (void) snprintf(buf, size, "%.1fs", (double) ms / 1000.0);
                return buf;
        }
        return format_duration((uint64_t) ms * USEC_PER_MSEC, buf, size);
}

static const char *format_ago(int64_t usec, uint64_t now, char *buf, size_t size) {
        char d[32];

        if (usec <= 0)
                return "never";
        (void) snprintf(buf, size, "%s ago", format_duration(now > (uint64_t) usec ? now - (uint64_t) usec : 0, d, sizeof d));
        return buf;
}

static const char *format_time(int64_t usec, char *buf) {
        char iso[25];

        format_iso8601_ms((usec_t) MAX(usec, (int64_t) 0), iso);
        memcpy(buf, iso, 19); /* to the second */
        memcpy(buf + 19, "Z", 2);
        return buf;
}

static int put_header(StrBuf *out, const json_t *doc, uint64_t now, bool (*pid_alive)(pid_t pid)) {
        int64_t pid = jnum(doc, "pid"), start = jnum(doc, "start_usec"), updated = jnum(doc, "updated_usec");
        char d[32], t[32], ago[48];
        int r;

        if (json_is_true(json_object_get(doc, "running")) && pid_alive((pid_t) pid))
                r = strbuf_printf(out, "cwlogd: running (%s), pid %" PRId64 ", up %s; updated %s\n",
                                  jstr(doc, "state"), pid,
                                  format_duration(now > (uint64_t) start ? now - (uint64_t) start : 0, d, sizeof d),
                                  format_ago(updated, now, ago, sizeof ago));
        else if (json_is_true(json_object_get(doc, "running")))
                r = strbuf_printf(out, "cwlogd: not running: pid %" PRId64 " is gone without a clean exit; "
                                  "last update %s (%s)\n",
                                  pid, format_time(updated, t), format_ago(updated, now, ago, sizeof ago));
        else
                r = strbuf_printf(out, "cwlogd: stopped at %s (%s), pid %" PRId64 " ran for %s\n",
                                  format_time(jnum(doc, "exit_usec"), t),
                                  format_ago(jnum(doc, "exit_usec"), now, ago, sizeof ago), pid,
                                  format_duration((uint64_t) MAX(jnum(doc, "exit_usec") - start, (int64_t) 0), d,
                                                  sizeof d));
        return r;
}

static int put_totals(StrBuf *out, const json_t *doc) {
        const json_t *t = json_object_get(doc, "totals"), *sec, *dropped, *v;
        const char *reason;
        int64_t by_reason[16] = {};
        const char *names[16] = {};
        size_t n = 0, i;
        bool first = true;
        int r;

        json_array_foreach(json_object_get(doc, "sections"), i, sec) {
                dropped = json_object_get(sec, "dropped");
                json_object_foreach((json_t *) dropped, reason, v) {
                        size_t k;

                        for (k = 0; k < n && !streq(names[k], reason); k++)
                                ;
                        if (k == n && n < ELEMENTSOF(names))
                                names[n++] = reason;
                        if (k < n)
                                by_reason[k] += json_is_integer(v) ? (int64_t) json_integer_value(v) : 0;
                }
        }
        r = strbuf_printf(out,
                          "Sections: %" PRId64 " (%" PRId64 " failed to start), streams: %" PRId64 "\n"
                          "Events: %" PRId64 " read, %" PRId64 " sent (%" PRId64 " bytes), backlog %" PRId64
                          ", %" PRId64 " retries, %" PRId64 " dropped",
                          jnum(t, "sections"), jnum(doc, "failed_sections"), jnum(t, "streams"), jnum(t, "events_read"),
                          jnum(t, "events_sent"), jnum(t, "bytes_sent"), jnum(t, "backlog"), jnum(t, "retries"),
                          jnum(t, "dropped"));
        for (size_t k = 0; r >= 0 && k < n; k++)
                if (by_reason[k] > 0) {
                        r = strbuf_printf(out, "%s%s %" PRId64, first ? " (" : ", ", names[k], by_reason[k]);
                        first = false;
                }
        if (r >= 0)
                r = strbuf_puts(out, first ? "\n" : ")\n");
        if (r >= 0 && !isempty(jstr(t, "last_error")))
                r = strbuf_printf(out, "Last error: %s\n", jstr(t, "last_error"));
        return r;
}

#define N_COLUMNS 8

static const char *const column_names[N_COLUMNS] = {
        "SECTION", "GROUP/STREAM", "SENT", "BYTES", "DROPPED", "RETRIES", "LAG", "LAST SUCCESS",
};
/* Numbers are right-aligned. */
static const bool column_right[N_COLUMNS] = { false, false, true, true, true, true, true, false };

typedef struct Table {
        char **cells; /* n_rows * N_COLUMNS */
        size_t n_rows;
} Table;

static void table_done(Table *t) {
        for (size_t i = 0; i < t->n_rows * N_COLUMNS; i++)
                free(t->cells[i]);
        free(t->cells);
}

static int table_add(Table *t, const char *const values[static N_COLUMNS]) {
        char **a = reallocarray(t->cells, (t->n_rows + 1) * N_COLUMNS, sizeof(char *));

        if (!a)
                return -ENOMEM;
        t->cells = a;
        for (size_t c = 0; c < N_COLUMNS; c++) {
                a[t->n_rows * N_COLUMNS + c] = strdup(values[c]);
                if (!a[t->n_rows * N_COLUMNS + c]) {
                        for (size_t k = 0; k < c; k++)
                                free(a[t->n_rows * N_COLUMNS + k]);
                        return -ENOMEM;
                }
        }
        t->n_rows++;
        return 0;
}

/* Width on a terminal: code points, not bytes. */
static size_t text_width(const char *s) {
        size_t w = 0;

        for (; *s; s++)
                w += ((unsigned char) *s & 0xC0) != 0x80;
        return w;
}

static int table_print(const Table *t, StrBuf *out) {
        size_t width[N_COLUMNS] = {};
        int r = 0;

        for (size_t i = 0; i < t->n_rows; i++)
                for (size_t c = 0; c < N_COLUMNS; c++)
                        width[c] = MAX(width[c], text_width(t->cells[i * N_COLUMNS + c]));
        for (size_t i = 0; r >= 0 && i < t->n_rows; i++)
                for (size_t c = 0; r >= 0 && c < N_COLUMNS; c++) {
                        const char *cell = t->cells[i * N_COLUMNS + c];
                        int pad = (int) (width[c] - text_width(cell));

                        if (c == N_COLUMNS - 1)
                                r = strbuf_printf(out, "%s\n", cell);
                        else if (column_right[c])
                                r = strbuf_printf(out, "%*s%s  ", pad, "", cell);
                        else
                                r = strbuf_printf(out, "%s%*s  ", cell, pad, "");
                }
        return r;
}

static int table_add_stream(Table *t, const json_t *sec, const json_t *st, uint64_t now) {
        _cleanup_free_ char *name = NULL;
        char sent[24], bytes[24], dropped[24], retries[24], lag[32], ago[48];

        if (asprintf(&name, "%s/%s", jstr(sec, "group"), st ? jstr(st, "name") : "-") < 0)
                return -ENOMEM;
        (void) snprintf(sent, sizeof sent, "%" PRId64, jnum(st, "events_sent"));
        (void) snprintf(bytes, sizeof bytes, "%" PRId64, jnum(st, "bytes_sent"));
        (void) snprintf(dropped, sizeof dropped, "%" PRId64, jnum(st, "dropped"));
        (void) snprintf(retries, sizeof retries, "%" PRId64, jnum(st, "retries"));
        return table_add(t, (const char *const[N_COLUMNS]) {
                                    jstr(sec, "name"), name, sent, bytes, dropped, retries,
                                    format_lag(jnum(st, "lag_ms"), lag, sizeof lag),
                                    format_ago(jnum(st, "last_success_usec"), now, ago, sizeof ago),
                            });
}

static int put_table(StrBuf *out, const json_t *doc, uint64_t now) {
        _cleanup_(table_done) Table t = {};
        const json_t *sec, *st;
        size_t i, j;
        int r;

        r = table_add(&t, column_names);
        json_array_foreach(json_object_get(doc, "sections"), i, sec) {
                const json_t *streams = json_object_get(sec, "streams");

                if (r >= 0 && json_array_size(streams) == 0) /* nothing read yet */
                        r = table_add_stream(&t, sec, NULL, now);
                json_array_foreach(streams, j, st)
                        if (r >= 0)
                                r = table_add_stream(&t, sec, st, now);
        }
        if (r >= 0)
                r = strbuf_putc(out, '\n');
        if (r >= 0)
                r = table_print(&t, out);
        return r;
}

int status_format_table(const char *json, size_t size, uint64_t now_usec, bool (*pid_alive)(pid_t pid),
                        StrBuf *out) {
        json_t *doc;
        int r;

        doc = json_loadb(json, size, 0, NULL);
        if (!json_is_object(doc) || !json_is_integer(json_object_get(doc, "version")) ||
            !json_is_array(json_object_get(doc, "sections"))) {
                json_decref(doc);
                return -EBADMSG;
        }
        r = put_header(out, doc, now_usec, pid_alive);
        if (r >= 0)
                r = put_totals(out, doc);
        if (r >= 0)
                r = put_table(out, doc, now_usec);
        json_decref(doc);
        return r;
}

int status_show(const char *dir_override) {
        _cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL;
        StrBuf out = STRBUF_INIT(0);
        size_t size;
        int r;

        r = status_dir_resolve(dir_override, false, &dir);
        if (r < 0 || asprintf(&path, "%s/%s", dir, STATUS_FILE_NAME) < 0) {
                log_oom();
                return EXIT_RUNTIME;
        }
        r = read_full_file(path, STATUS_FILE_MAX, &text, &size);
        if (r == -ENOENT) {
                fprintf(stderr, "cwlogd is not running (no status at %s)\n", path);
                return EXIT_RUNTIME;
        }
        if (r < 0) {
                fprintf(stderr, "Failed to read %s: %s\n", path, errno_text(-r));
                return EXIT_RUNTIME;
        }
        r = status_format_table(text, size, now_usec(CLOCK_REALTIME), status_pid_alive, &out);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, r == -EBADMSG ? "not a cwlogd status file" : errno_text(-r));
                strbuf_done(&out);
                return EXIT_RUNTIME;
        }
        fputs(out.data, stdout);
        strbuf_done(&out);
        return EXIT_OK;
}
