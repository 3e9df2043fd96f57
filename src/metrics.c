/* SPDX-License-Identifier: MIT */
/*
 * The shipper's counters as Prometheus text and as the status document; see metrics.h.
 * Pure: the caller supplies the clock (MetricsProcess) and does the I/O. Both formats are
 * stable interfaces, documented here:
 *
 * Prometheus text format 0.0.4, families in this order, each with "# HELP" and "# TYPE"
 * (help texts may be reworded; names, types, labels and units will not change):
 *   cwlogd_events_read_total{section}                     counter  events the source handed over,
 *                                                                  including those dropped later
 *   cwlogd_events_sent_total{section,group,stream}        counter  events CloudWatch accepted
 *   cwlogd_events_dropped_total{section,reason}           counter  reason: empty, too_old, too_new,
 *                                                                  excluded, rejected, undelivered
 *                                                                  (every reason always present)
 *   cwlogd_events_truncated_total{section}                counter  events cut to the size limit (sent)
 *   cwlogd_bytes_sent_total{section,group,stream}         counter  message bytes accepted (UTF-8,
 *                                                                  without the 26-byte overhead)
 *   cwlogd_retries_total{section,group,stream}            counter  failed attempts that were retried
 *   cwlogd_last_success_timestamp_seconds{section,group,stream}
 *                                                         gauge    Unix time of the last accepted
 *                                                                  batch, ms precision; 0: never
 *   cwlogd_lag_seconds{section}                           gauge    see metrics_lag_ms(), ms precision
 *   cwlogd_backlog_events{section}                        gauge    events read, not yet acknowledged
 * Sections come in configuration order, streams by name within their section; counters are
 * integers, seconds have exactly three decimals. Label values are escaped (\\, \", \n).
 *
 * Status document (status.json), one JSON object; times are realtime µs since the epoch
 * (0: never), lags are ms, every number an integer:
 *   { "version": 1, "pid", "running": bool, "state", "start_usec", "updated_usec", "exit_usec",
 *     "failed_sections",
 *     "totals": { "sections", "streams", "events_read", "events_sent", "bytes_sent", "dropped",
 *                 "retries", "backlog", "last_error": "" },
 *     "sections": [ { "name", "group", "events_read", "events_sent", "bytes_sent", "truncated",
 *                     "dropped": { REASON: n, ... }, "retries", "requests", "backlog", "lag_ms",
 *                     "last_success_usec",
 *                     "streams": [ { "name", "events_sent", "bytes_sent", "dropped", "retries",
 *                                    "backlog", "lag_ms", "last_success_usec" } ] } ] }
 * The numbers are the ones of the Prometheus families at the same moment.
 */

#include <jansson.h>

#include "metrics.h"
#include "utf8.h"

typedef struct IndexedStream {
        size_t section_index;
        StreamInfo info;
} IndexedStream;

/* One consistent view of the shipper, with streams sorted for stable output. */
typedef struct Snapshot {
        SectionInfo *sections;
        size_t n_sections;
        IndexedStream *streams;
        size_t n_streams;
} Snapshot;

int64_t metrics_lag_ms(uint64_t backlog, int64_t first_read_ms, int64_t newest_read_ms, int64_t newest_acked_ms) {
        int64_t base = newest_acked_ms > 0 ? newest_acked_ms : first_read_ms;

        if (backlog == 0 || newest_read_ms <= 0 || base <= 0)
                return 0;
        return MAX(newest_read_ms - base, (int64_t) 0);
}

static void snapshot_done(Snapshot *snap) {
        free(snap->sections);
        free(snap->streams);
}

static int compare_streams(const void *a, const void *b) {
        const IndexedStream *x = a, *y = b;

        if (x->section_index != y->section_index)
                return x->section_index < y->section_index ? -1 : 1;
        return strcmp(x->info.stream, y->info.stream);
}

static int snapshot_take(const Shipper *s, Snapshot *ret) {
        Snapshot snap = {};
        size_t i = 0, j = 0, n_streams = 0;
        SectionInfo sec;
        StreamInfo st;

        while (shipper_iterate_sections(s, &i, &sec))
                n_streams += sec.n_streams;
        snap.sections = calloc(MAX(i, (size_t) 1), sizeof(SectionInfo));
        snap.streams = calloc(MAX(n_streams, (size_t) 1), sizeof(IndexedStream));
        if (!snap.sections || !snap.streams) {
                snapshot_done(&snap);
                return -ENOMEM;
        }
        i = 0;
        while (shipper_iterate_sections(s, &i, &sec))
                snap.sections[snap.n_sections++] = sec;
        i = 0;
        while (snap.n_streams < n_streams && shipper_iterate_streams(s, &i, &j, &st))
                snap.streams[snap.n_streams++] = (IndexedStream) { .section_index = i, .info = st };
        qsort(snap.streams, snap.n_streams, sizeof(IndexedStream), compare_streams);
        *ret = snap;
        return 0;
}

static int64_t stream_lag_ms(const StreamInfo *st) {
        return metrics_lag_ms(st->pending, st->first_read_ms, st->newest_read_ms, st->newest_acked_ms);
}

static int64_t section_lag_ms(const SectionInfo *sec) {
        return metrics_lag_ms(sec->backlog, sec->stats->first_read_ms, sec->stats->newest_read_ms,
                              sec->stats->newest_acked_ms);
}

/* ---- Prometheus -------------------------------------------------------------------------- */

int metrics_escape_label(StrBuf *out, const char *s) {
        int r = 0;

        for (const char *p = s; *p && r >= 0; p++)
                switch (*p) {
                case '\\':
                        r = strbuf_puts(out, "\\\\");
                        break;
                case '"':
                        r = strbuf_puts(out, "\\\"");
                        break;
                case '\n':
                        r = strbuf_puts(out, "\\n");
                        break;
                default:
                        r = strbuf_putc(out, *p);
                }
        return r;
}

static int put_family(StrBuf *out, const char *name, const char *type, const char *help) {
        return strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{section="…"[,group="…",stream="…"][,reason="…"]} */
static int put_series(StrBuf *out, const char *name, const char *section, const StreamInfo *st, const char *reason) {
        int r;

        r = strbuf_printf(out, "%s{section=\"", name);
        if (r >= 0)
                r = metrics_escape_label(out, section);
        if (r >= 0 && st) {
                r = strbuf_puts(out, "\",group=\"");
                if (r >= 0)
                        r = metrics_escape_label(out, st->group);
                if (r >= 0)
                        r = strbuf_puts(out, "\",stream=\"");
                if (r >= 0)
                        r = metrics_escape_label(out, st->stream);
        }
        if (r >= 0 && reason)
                r = strbuf_printf(out, "\",reason=\"%s", reason);
        if (r >= 0)
                r = strbuf_puts(out, "\"}");
        return r;
}

static int put_u64(StrBuf *out, uint64_t v) {
        return strbuf_printf(out, " %" PRIu64 "\n", v);
}

/* Seconds with exactly three decimals, from ms; integer arithmetic so it never rounds. */
static int put_seconds_ms(StrBuf *out, uint64_t ms) {
        return strbuf_printf(out, " %" PRIu64 ".%03u\n", ms / MSEC_PER_SEC, (unsigned) (ms % MSEC_PER_SEC));
}

typedef enum SectionValue {
        SECTION_READ,
        SECTION_TRUNCATED,
        SECTION_LAG,
        SECTION_BACKLOG,
} SectionValue;

static int put_section_family(StrBuf *out, const Snapshot *snap, const char *name, const char *type,
                              const char *help, SectionValue what) {
        int r;

        r = put_family(out, name, type, help);
        for (size_t i = 0; r >= 0 && i < snap->n_sections; i++) {
                const SectionInfo *sec = &snap->sections[i];

                r = put_series(out, name, sec->section, NULL, NULL);
                if (r < 0)
                        break;
                switch (what) {
                case SECTION_READ:
                        r = put_u64(out, sec->stats->events_read);
                        break;
                case SECTION_TRUNCATED:
                        r = put_u64(out, sec->stats->truncated);
                        break;
                case SECTION_LAG:
                        r = put_seconds_ms(out, (uint64_t) section_lag_ms(sec));
                        break;
                case SECTION_BACKLOG:
                        r = put_u64(out, sec->backlog);
                        break;
                }
        }
        return r;
}

typedef enum StreamValue {
        STREAM_SENT,
        STREAM_BYTES,
        STREAM_RETRIES,
        STREAM_LAST_SUCCESS,
} StreamValue;

static int put_stream_family(StrBuf *out, const Snapshot *snap, const char *name, const char *type,
                             const char *help, StreamValue what) {
        int r;

        r = put_family(out, name, type, help);
        for (size_t i = 0; r >= 0 && i < snap->n_streams; i++) {
                const StreamInfo *st = &snap->streams[i].info;

                r = put_series(out, name, st->section, st, NULL);
                if (r < 0)
                        break;
                switch (what) {
                case STREAM_SENT:
                        r = put_u64(out, st->events_sent);
                        break;
                case STREAM_BYTES:
                        r = put_u64(out, st->bytes_sent);
                        break;
                case STREAM_RETRIES:
                        r = put_u64(out, st->retries);
                        break;
                case STREAM_LAST_SUCCESS:
                        r = put_seconds_ms(out, st->last_success_usec / USEC_PER_MSEC);
                        break;
                }
        }
        return r;
}

static int put_dropped(StrBuf *out, const Snapshot *snap) {
        const char *name = "cwlogd_events_dropped_total";
        int r;

        r = put_family(out, name, "counter", "Events not sent, by reason.");
        for (size_t i = 0; r >= 0 && i < snap->n_sections; i++)
                for (DropReason d = 0; r >= 0 && d < _DROP_MAX; d++) {
                        r = put_series(out, name, snap->sections[i].section, NULL, drop_reason_to_string(d));
                        if (r >= 0)
                                r = put_u64(out, snap->sections[i].stats->dropped[d]);
                }
        return r;
}

static int format_prometheus(const Snapshot *snap, StrBuf *out) {
        int r;

        r = put_section_family(out, snap, "cwlogd_events_read_total", "counter",
                               "Events read from the source, including those dropped later.", SECTION_READ);
        if (r >= 0)
                r = put_stream_family(out, snap, "cwlogd_events_sent_total", "counter",
                                      "Events accepted by CloudWatch Logs.", STREAM_SENT);
        if (r >= 0)
                r = put_dropped(out, snap);
        if (r >= 0)
                r = put_section_family(out, snap, "cwlogd_events_truncated_total", "counter",
                                       "Events cut to the size limit before sending.", SECTION_TRUNCATED);
        if (r >= 0)
                r = put_stream_family(out, snap, "cwlogd_bytes_sent_total", "counter",
                                      "Message bytes accepted by CloudWatch Logs.", STREAM_BYTES);
        if (r >= 0)
                r = put_stream_family(out, snap, "cwlogd_retries_total", "counter",
                                      "Failed requests that will be retried.", STREAM_RETRIES);
        if (r >= 0)
                r = put_stream_family(out, snap, "cwlogd_last_success_timestamp_seconds", "gauge",
                                      "Unix time of the last accepted batch; 0 if none.", STREAM_LAST_SUCCESS);
        if (r >= 0)
                r = put_section_family(out, snap, "cwlogd_lag_seconds", "gauge",
                                       "Event time between the newest event read and the newest acknowledged.",
                                       SECTION_LAG);
        if (r >= 0)
                r = put_section_family(out, snap, "cwlogd_backlog_events", "gauge",
                                       "Events read and not yet acknowledged.", SECTION_BACKLOG);
        return r;
}

int metrics_format_prometheus(const Shipper *s, StrBuf *out) {
        Snapshot snap;
        int r;

        r = snapshot_take(s, &snap);
        if (r < 0)
                return r;
        r = format_prometheus(&snap, out);
        snapshot_done(&snap);
        return r;
}

/* ---- status document ----------------------------------------------------------------------- */

/* json_string() refuses invalid UTF-8; names come from configuration files and journal
 * fields, so repair rather than fail. NULL only on OOM. */
static json_t *json_text(const char *s) {
        StrBuf b = STRBUF_INIT(0);
        json_t *j;

        s = strempty(s);
        if (utf8_is_valid(s, strlen(s)))
                return json_string(s);
        if (utf8_append_repaired(&b, s, strlen(s)) < 0)
                return NULL;
        j = json_stringn(b.data, b.len);
        strbuf_done(&b);
        return j;
}

#define JI(v) ((json_int_t) (v))

static json_t *json_drop(json_t *j) {
        json_decref(j);
        return NULL;
}

static json_t *stream_json(const StreamInfo *st) {
        return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name", json_text(st->stream), "events_sent",
                         JI(st->events_sent), "bytes_sent", JI(st->bytes_sent), "dropped", JI(st->dropped),
                         "retries", JI(st->retries), "backlog", JI(st->pending), "lag_ms", JI(stream_lag_ms(st)),
                         "last_success_usec", JI(st->last_success_usec));
}

static json_t *section_json(const Snapshot *snap, size_t index) {
        const SectionInfo *sec = &snap->sections[index];
        const SectionStats *stats = sec->stats;
        json_t *dropped, *streams;

        dropped = json_object();
        streams = json_array();
        for (DropReason d = 0; dropped && d < _DROP_MAX; d++)
                if (json_object_set_new(dropped, drop_reason_to_string(d), json_integer(JI(stats->dropped[d]))) < 0)
                        dropped = json_drop(dropped);
        for (size_t i = 0; streams && i < snap->n_streams; i++)
                if (snap->streams[i].section_index == index &&
                    json_array_append_new(streams, stream_json(&snap->streams[i].info)) < 0)
                        streams = json_drop(streams);

        return json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:o}", "name",
                         json_text(sec->section), "group", json_text(sec->group), "events_read",
                         JI(stats->events_read), "events_sent", JI(stats->events_sent), "bytes_sent",
                         JI(stats->bytes_sent), "truncated", JI(stats->truncated), "dropped", dropped, "retries",
                         JI(stats->retries), "requests", JI(stats->requests), "backlog", JI(sec->backlog),
                         "lag_ms", JI(section_lag_ms(sec)), "last_success_usec", JI(stats->last_success_usec),
                         "streams", streams);
}

static json_t *totals_json(const Shipper *s, const Snapshot *snap) {
        uint64_t read = 0, backlog = 0;
        ShipperTotals t;

        shipper_totals(s, &t);
        for (size_t i = 0; i < snap->n_sections; i++) {
                read += snap->sections[i].stats->events_read;
                backlog += snap->sections[i].backlog;
        }
        return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "sections", JI(t.n_sections), "streams",
                         JI(t.n_streams), "events_read", JI(read), "events_sent", JI(t.events_sent), "bytes_sent",
                         JI(t.bytes_sent), "dropped", JI(t.dropped), "retries", JI(t.retries), "backlog",
                         JI(backlog), "last_error", json_text(t.last_error));
}

static json_t *status_json(const Shipper *s, const Snapshot *snap, const MetricsProcess *p) {
        json_t *sections;

        sections = json_array();
        for (size_t i = 0; sections && i < snap->n_sections; i++)
                if (json_array_append_new(sections, section_json(snap, i)) < 0)
                        sections = json_drop(sections);

        return json_pack("{s:i, s:I, s:b, s:o, s:I, s:I, s:I, s:I, s:o, s:o}", "version", METRICS_STATUS_VERSION,
                         "pid", JI(p->pid), "running", p->running, "state", json_text(p->state), "start_usec",
                         JI(p->start_usec), "updated_usec", JI(p->now_usec), "exit_usec", JI(p->exit_usec),
                         "failed_sections", JI(p->failed_sections), "totals", totals_json(s, snap), "sections",
                         sections);
}

int metrics_format_status_json(const Shipper *s, const MetricsProcess *p, StrBuf *out) {
        _cleanup_free_ char *text = NULL;
        Snapshot snap;
        json_t *doc;
        int r;

        r = snapshot_take(s, &snap);
        if (r < 0)
                return r;
        doc = status_json(s, &snap, p);
        snapshot_done(&snap);
        if (!doc)
                return -ENOMEM;
        text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(doc);
        if (!text)
                return -ENOMEM;
        r = strbuf_puts(out, text);
        if (r >= 0)
                r = strbuf_putc(out, '\n');
        return r;
}
