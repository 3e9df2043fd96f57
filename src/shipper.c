/* SPDX-License-Identifier: MIT */
/*
 * Sections and their sinks; see shipper.h. A source pushes raw events here; each is made
 * acceptable to CloudWatch (event.c), routed to its stream (static name, or per event for
 * {unit}/{identifier}), and counted against its section's buffer budget. Delivery itself is
 * stream.c's job.
 */

#include <stdarg.h>

#include "event.h"
#include "cw-limits.h"
#include "shared/log.h"
#include "shared/time-util.h"
#include "shipper-private.h"

static const char *const drop_reason_names[_DROP_MAX] = {
        [DROP_EMPTY] = "empty",
        [DROP_TOO_OLD] = "too_old",
        [DROP_TOO_NEW] = "too_new",
        [DROP_EXCLUDED] = "excluded",
        [DROP_REJECTED] = "rejected",
        [DROP_UNDELIVERED] = "undelivered",
};

const char *drop_reason_to_string(DropReason r) {
        return r >= 0 && r < _DROP_MAX ? drop_reason_names[r] : NULL;
}

static RateLimit drop_log_limit = RATELIMIT_INIT(30 * USEC_PER_SEC, 5);

int shipper_new(sd_event *event, CwClient *cw, const ShipperOptions *opts, Shipper **ret) {
        Shipper *s;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->cw = cw;
        s->opts = *opts;
        if (opts->host)
                s->host = *opts->host;
        strbuf_init(&s->scratch, CW_MAX_EVENT_BYTES + 64);
        *ret = s;
        return 0;
}

static ShipperSection *section_free(ShipperSection *sec) {
        size_t i = 0;
        void *v;

        if (!sec)
                return NULL;
        if (sec->streams) {
                while (strmap_iterate(sec->streams, &i, NULL, &v))
                        stream_free(v);
                strmap_free(sec->streams);
        }
        free(sec->static_stream);
        free(sec);
        return NULL;
}

Shipper *shipper_free(Shipper *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_sections; i++)
                section_free(s->sections[i]);
        free(s->sections);
        strbuf_done(&s->scratch);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

void shipper_set_progress(Shipper *s, ShipperProgressFn fn, void *userdata) {
        s->progress = fn;
        s->progress_userdata = userdata;
}

void shipper_set_client(Shipper *s, CwClient *cw) {
        s->cw = cw;
}

void shipper_notify_progress(Shipper *s) {
        if (s->progress)
                s->progress(s->progress_userdata);
}

void shipper_note_error(Shipper *s, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(s->last_error, sizeof s->last_error, fmt, ap);
        va_end(ap);
}

static bool section_writable(void *userdata) {
        ShipperSection *sec = userdata;
        const SectionConfig *c = sec->config;
        uint64_t queue = sec->shipper->opts.queue_size;
        bool ok;

        /* Draining (stop, or --once after everything was read): take nothing new. */
        if (sec->shipper->draining)
                return false;
        ok = sec->buffered_records < queue * c->batch_count && sec->buffered_bytes < queue * c->batch_size &&
             sec->shipper->buffered_bytes < SHIPPER_BUFFER_MAX;
        if (!ok)
                sec->blocked = true;
        return ok;
}

void shipper_section_released(ShipperSection *sec, uint64_t records, uint64_t bytes) {
        Shipper *s = sec->shipper;

        sec->buffered_records -= MIN(records, sec->buffered_records);
        sec->buffered_bytes -= MIN(bytes, sec->buffered_bytes);
        s->buffered_bytes -= MIN(bytes, s->buffered_bytes);

        /* Wake every blocked section: the global budget may have been what held them. */
        for (size_t i = 0; i < s->n_sections; i++) {
                ShipperSection *o = s->sections[i];

                if (o->blocked && o->source && section_writable(o)) {
                        o->blocked = false;
                        log_source_wake(o->source);
                }
        }
}

static int section_stream(ShipperSection *sec, const SourceEvent *ev, Stream **ret) {
        _cleanup_free_ char *rendered = NULL;
        const char *name = sec->static_stream;
        Stream *st;
        int r;

        if (sec->per_event) {
                r = stream_name_render(sec->config->log_stream_name, &sec->shipper->host, ev->unit, ev->identifier,
                                       &rendered);
                if (r < 0)
                        return r;
                name = rendered;
        }
        st = strmap_get(sec->streams, name);
        if (st) {
                *ret = st;
                return 0;
        }
        if (sec->per_event && strmap_size(sec->streams) >= sec->config->max_streams) {
                /* Over the cap, everything else shares one overflow stream. */
                free(rendered);
                r = stream_name_render(sec->config->log_stream_name, &sec->shipper->host, "_other", "_other",
                                       &rendered);
                if (r < 0)
                        return r;
                name = rendered;
                if (!sec->warned_max_streams) {
                        log_warning("[%s] More than max_streams=%u distinct streams; further ones go to '%s'.",
                                    sec->config->name, sec->config->max_streams, name);
                        sec->warned_max_streams = true;
                }
                st = strmap_get(sec->streams, name);
                if (st) {
                        *ret = st;
                        return 0;
                }
        }
        r = stream_new(sec, name, &st);
        if (r < 0)
                return r;
        r = strmap_put(sec->streams, name, st);
        if (r < 0) {
                stream_free(st);
                return r;
        }
        *ret = st;
        return 0;
}

static void count_drop(ShipperSection *sec, DropReason reason, int64_t ts) {
        sec->stats.dropped[reason]++;
        if (reason != DROP_EXCLUDED && ratelimit_below(&drop_log_limit)) {
                char when[25];

                format_iso8601_ms((usec_t) MAX(ts, (int64_t) 0) * USEC_PER_MSEC, when);
                log_notice("[%s] Not sending an event of %s: %s.", sec->config->name, when,
                           drop_reason_to_string(reason));
        }
}

/* Now, as of this loop iteration: a read pass is bounded, so it is at most one pass old, which
 * means nothing to CloudWatch's 14-day and 2-hour limits, and it reads no clock per event. */
static int64_t loop_now_ms(const Shipper *s) {
        uint64_t usec;

        if (sd_event_now(s->event, CLOCK_REALTIME, &usec) < 0)
                usec = now_usec(CLOCK_REALTIME);
        return (int64_t) (usec / USEC_PER_MSEC);
}

static int section_push(void *userdata, const SourceEvent *ev, AckTracker *acks) {
        ShipperSection *sec = userdata;
        Shipper *s = sec->shipper;
        const char *text;
        size_t text_len;
        AckChunk *chunk;
        Record *rec;
        Stream *st;
        int r;

        sec->stats.events_read++;
        sec->stats.newest_read_ms = MAX(sec->stats.newest_read_ms, ev->timestamp_ms);
        if (sec->stats.first_read_ms == 0)
                sec->stats.first_read_ms = ev->timestamp_ms;
        r = event_prepare(ev->message, ev->size, ev->timestamp_ms, loop_now_ms(s), s->opts.max_event_size,
                          &s->scratch, &text, &text_len);
        if (r < 0)
                return r;
        switch ((EventVerdict) r) {
        case EVENT_EMPTY:
                count_drop(sec, DROP_EMPTY, ev->timestamp_ms);
                return 0;
        case EVENT_TOO_OLD:
                count_drop(sec, DROP_TOO_OLD, ev->timestamp_ms);
                return 0;
        case EVENT_TOO_NEW:
                count_drop(sec, DROP_TOO_NEW, ev->timestamp_ms);
                return 0;
        case EVENT_TRUNCATED:
                sec->stats.truncated++;
                break;
        case EVENT_OK:
                break;
        }

        r = section_stream(sec, ev, &st);
        if (r < 0)
                return r;
        r = ack_tracker_add_record(acks, &chunk);
        if (r < 0)
                return r;
        r = record_new(ev->timestamp_ms, text, text_len, chunk, &rec);
        if (r < 0) {
                ack_chunk_done(chunk, 1);
                return r;
        }
        sec->buffered_records++;
        sec->buffered_bytes += rec->size;
        s->buffered_bytes += rec->size;
        r = stream_push(st, rec);
        if (r < 0) {
                shipper_section_released(sec, 1, rec->size);
                record_settle(rec);
                return r;
        }
        return 0;
}

static void section_dropped(void *userdata, const char *reason) {
        ShipperSection *sec = userdata;

        sec->stats.events_read++;
        sec->stats.dropped[DROP_EXCLUDED]++;
}

/* The source's position is on disk: batches held back meanwhile may go. */
static void section_saved(void *userdata) {
        ShipperSection *sec = userdata;
        void *v;

        for (size_t i = 0; strmap_iterate(sec->streams, &i, NULL, &v);)
                stream_pump(v);
}

int shipper_add_section(Shipper *s, const SectionConfig *c, ShipperSection **ret) {
        ShipperSection *sec, **a;
        int r;

        sec = calloc(1, sizeof *sec);
        if (!sec)
                return -ENOMEM;
        sec->shipper = s;
        sec->config = c;
        sec->per_event = stream_template_is_per_event(c->log_stream_name);
        r = strmap_new(&sec->streams);
        if (r >= 0 && !sec->per_event)
                r = stream_name_render(c->log_stream_name, &s->host, NULL, NULL, &sec->static_stream);
        if (r < 0) {
                section_free(sec);
                return r;
        }
        a = realloc(s->sections, sizeof(ShipperSection *) * (s->n_sections + 1));
        if (!a) {
                section_free(sec);
                return -ENOMEM;
        }
        s->sections = a;
        s->sections[s->n_sections++] = sec;
        *ret = sec;
        return 0;
}

void shipper_remove_section(Shipper *s, ShipperSection *sec) {
        for (size_t i = 0; i < s->n_sections; i++)
                if (s->sections[i] == sec) {
                        memmove(s->sections + i, s->sections + i + 1, sizeof(ShipperSection *) * (s->n_sections - i - 1));
                        s->n_sections--;
                        break;
                }
        s->buffered_bytes -= MIN(sec->buffered_bytes, s->buffered_bytes);
        section_free(sec);
}

void shipper_section_set_source(ShipperSection *sec, LogSource *source) {
        sec->source = source;
}

void shipper_section_set_config(ShipperSection *sec, const SectionConfig *c) {
        sec->config = c;
}

EventSink shipper_section_sink(ShipperSection *sec) {
        return (EventSink) {
                .push = section_push,
                .writable = section_writable,
                .dropped = section_dropped,
                .userdata = sec,
                .saved = section_saved,
        };
}

const SectionStats *shipper_section_stats(const ShipperSection *sec) {
        return &sec->stats;
}

const char *shipper_section_name(const ShipperSection *sec) {
        return sec->config->name;
}

void shipper_set_draining(Shipper *s, bool draining) {
        s->draining = draining;
        if (!draining)
                return;
        for (size_t i = 0; i < s->n_sections; i++) {
                size_t j = 0;
                void *v;

                while (strmap_iterate(s->sections[i]->streams, &j, NULL, &v))
                        stream_pump(v);
        }
}

bool shipper_idle(const Shipper *s) {
        for (size_t i = 0; i < s->n_sections; i++) {
                size_t j = 0;
                void *v;

                while (strmap_iterate(s->sections[i]->streams, &j, NULL, &v))
                        if (!stream_idle(v))
                                return false;
        }
        return true;
}

uint64_t shipper_undelivered(const Shipper *s) {
        return s->undelivered;
}

void shipper_totals(const Shipper *s, ShipperTotals *ret) {
        *ret = (ShipperTotals) { .n_sections = (unsigned) s->n_sections };
        for (size_t i = 0; i < s->n_sections; i++) {
                const ShipperSection *sec = s->sections[i];

                ret->n_streams += (unsigned) strmap_size(sec->streams);
                ret->events_sent += sec->stats.events_sent;
                ret->bytes_sent += sec->stats.bytes_sent;
                ret->backlog += sec->buffered_records;
                ret->retries += sec->stats.retries;
                for (size_t d = 0; d < _DROP_MAX; d++)
                        ret->dropped += sec->stats.dropped[d];
        }
        (void) snprintf(ret->last_error, sizeof ret->last_error, "%s", s->last_error);
}

bool shipper_iterate_streams(const Shipper *s, size_t *section_index, size_t *stream_index, StreamInfo *ret) {
        for (; *section_index < s->n_sections; (*section_index)++, *stream_index = 0) {
                const ShipperSection *sec = s->sections[*section_index];
                void *v;

                if (strmap_iterate(sec->streams, stream_index, NULL, &v)) {
                        const Stream *st = v;

                        *ret = (StreamInfo) {
                                .section = sec->config->name,
                                .group = sec->config->log_group_name,
                                .stream = st->name,
                                .events_sent = st->events_sent,
                                .bytes_sent = st->bytes_sent,
                                .retries = st->retries,
                                .pending = st->n_pending + st->in_flight_records,
                                .last_success_usec = st->last_success_usec,
                                .dropped = st->dropped,
                                .first_read_ms = st->first_read_ms,
                                .newest_read_ms = st->newest_read_ms,
                                .newest_acked_ms = st->newest_acked_ms,
                        };
                        return true;
                }
        }
        return false;
}

bool shipper_iterate_sections(const Shipper *s, size_t *section_index, SectionInfo *ret) {
        const ShipperSection *sec;

        if (*section_index >= s->n_sections)
                return false;
        sec = s->sections[(*section_index)++];
        *ret = (SectionInfo) {
                .section = sec->config->name,
                .group = sec->config->log_group_name,
                .stats = &sec->stats,
                .backlog = sec->buffered_records,
                .n_streams = (unsigned) strmap_size(sec->streams),
        };
        return true;
}
