/* SPDX-License-Identifier: MIT */
/*
 * Delivery of one CloudWatch stream: pending records -> batches -> PutLogEvents, with the
 * outcome handling of SPEC §7. Retry policy lives here and only here:
 *   accepted / DataAlreadyAccepted   settle the records (checkpoints may advance)
 *   InvalidSequenceToken             resend with the expected token
 *   ResourceNotFound                 create stream (and group), then resend
 *   invalid request                  bisect; a single bad event is dropped and logged
 *   everything else                  back off (exponential, full jitter, 30 s cap), forever
 * A failing stream blocks only itself: its own backoff, its own timer.
 */

#include <math.h>

#include "cw-limits.h"
#include "shared/log.h"
#include "shared/time-util.h"
#include "shipper-private.h"

static RateLimit retry_log_limit = RATELIMIT_INIT(10 * USEC_PER_SEC, 10);
static RateLimit reject_log_limit = RATELIMIT_INIT(10 * USEC_PER_SEC, 10);

static void stream_send(Stream *st, Batch *b);

static BatchLimits stream_limits(const Stream *st) {
        const SectionConfig *c = st->section->config;

        return (BatchLimits) {
                .max_count = c->batch_count,
                .max_bytes = c->batch_size,
                .max_span_ms = CW_MAX_BATCH_SPAN_MS,
        };
}

static const char *section_name(const Stream *st) {
        return st->section->config->name;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void stream_arm(Stream *st, uint64_t when) {
        int r;

        if (!st->timer) {
                r = sd_event_add_time(st->section->shipper->event, &st->timer, CLOCK_MONOTONIC, when,
                                      10 * USEC_PER_MSEC, on_timer, st);
                if (r < 0)
                        log_warning_errno(r, "Failed to add a flush timer, ignoring: %m");
                return;
        }
        (void) sd_event_source_set_time(st->timer, when);
        (void) sd_event_source_set_enabled(st->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        stream_pump(userdata);
        return 0;
}

static uint64_t backoff_usec(unsigned failures) {
        uint64_t ceiling = RETRY_BACKOFF_BASE_MS * (1ULL << MIN(failures, 20U));

        ceiling = MIN(ceiling, (uint64_t) RETRY_BACKOFF_CAP_MS);
        /* Full jitter: anywhere in [0, ceiling], with a small floor against busy loops. */
        return MAX((uint64_t) arc4random_uniform((uint32_t) ceiling + 1), (uint64_t) 10) * USEC_PER_MSEC;
}

void stream_back_off(Stream *st, const char *what, const char *why) {
        uint64_t now = now_usec(CLOCK_MONOTONIC), delay;

        st->retries++;
        st->section->stats.retries++;
        shipper_note_error(st->section->shipper, "[%s] %s: %s", section_name(st), what, why);
        /* Several requests of one stream fail together (they were in flight at once): that is
         * one step of the backoff, not one per request. */
        if (st->blocked_until_usec > now)
                return;
        st->failures++;
        delay = backoff_usec(st->failures);
        st->blocked_until_usec = now + delay;
        if (ratelimit_below(&retry_log_limit))
                log_warning("[%s] stream '%s': %s failed: %s; retrying in %.1fs.", section_name(st), st->name,
                            what, why, (double) delay / USEC_PER_SEC);
}

static void release(Stream *st, Batch *b) {
        shipper_section_released(st->section, b->n, b->bytes - (uint64_t) b->n * CW_EVENT_OVERHEAD);
}

static void batch_abandon(Stream *st, Batch *b, const char *why) {
        Shipper *s = st->section->shipper;

        log_error("[%s] stream '%s': giving up on %zu events after %u attempts (%s); they stay unacknowledged.",
                  section_name(st), st->name, b->n, b->attempts, why);
        s->undelivered += b->n;
        st->dropped += b->n;
        st->section->stats.dropped[DROP_UNDELIVERED] += b->n;
        release(st, b);
        /* Abandoned, not settled: the checkpoint must never pass undelivered events. */
        batch_free(b, false);
}

static void batch_failed(Stream *st, Batch *b, const char *why) {
        if (st->section->shipper->opts.once && b->attempts >= ONCE_MAX_ATTEMPTS) {
                batch_abandon(st, b, why);
                return;
        }
        stream_requeue(st, b);
        stream_back_off(st, "PutLogEvents", why);
}

static uint64_t count_rejected(const CwResult *res, size_t n) {
        uint64_t rejected = 0;

        /* Indices as AWS reports them: too-new from start to the end, too-old and expired
         * from the beginning up to (excluding) the end index. Overlaps are counted once. */
        if (res->too_new_start >= 0 && (size_t) res->too_new_start < n)
                rejected += n - (size_t) res->too_new_start;
        int64_t old_end = MAX(res->too_old_end, res->expired_end);
        if (old_end > 0)
                rejected += (uint64_t) MIN((size_t) old_end, n);
        return MIN(rejected, (uint64_t) n);
}

static void batch_accepted(Stream *st, Batch *b, const CwResult *res) {
        SectionStats *stats = &st->section->stats;
        uint64_t rejected = res ? count_rejected(res, b->n) : 0;
        uint64_t bytes = b->bytes - (uint64_t) b->n * CW_EVENT_OVERHEAD;
        AckTracker *held;

        if (rejected > 0) {
                stats->dropped[DROP_REJECTED] += rejected;
                st->dropped += rejected;
                if (ratelimit_below(&reject_log_limit))
                        log_warning("[%s] stream '%s': CloudWatch rejected %" PRIu64 " of %zu events as too old, "
                                    "expired or too new.",
                                    section_name(st), st->name, rejected, b->n);
        }
        st->failures = 0;
        st->events_sent += b->n - rejected;
        st->bytes_sent += bytes;
        st->last_success_usec = now_usec(CLOCK_REALTIME);
        stats->events_sent += b->n - rejected;
        stats->bytes_sent += bytes;
        stats->requests++;
        stats->last_success_usec = st->last_success_usec;
        for (size_t i = 0; i < b->n; i++)
                st->newest_acked_ms = MAX(st->newest_acked_ms, b->records[i]->timestamp_ms);
        stats->newest_acked_ms = MAX(stats->newest_acked_ms, st->newest_acked_ms);
        release(st, b);
        /* One commit for the whole batch, not one per chunk it completes. */
        held = b->n > 0 && b->records[0]->chunk ? ack_chunk_hold(b->records[0]->chunk) : NULL;
        batch_free(b, true);
        ack_tracker_release(held);
}

static bool names_a_resource(const CwResult *res) {
        const char *m = res->error_message;

        return m && (strstr(m, "logGroupName") || strstr(m, "logStreamName") || strstr(m, "log group") ||
                     strstr(m, "log stream"));
}

static void batch_bisect(Stream *st, Batch *b, const CwResult *res) {
        Batch *second;
        size_t half;

        if (b->n == 1) {
                char when[25];

                format_iso8601_ms((usec_t) MAX(b->records[0]->timestamp_ms, (int64_t) 0) * USEC_PER_MSEC, when);
                log_error("[%s] stream '%s': CloudWatch refused the event of %s (%u bytes): %s: %s; dropping it.",
                          section_name(st), st->name, when, b->records[0]->size, strna(res->error_type),
                          strna(res->error_message));
                st->section->stats.dropped[DROP_REJECTED]++;
                st->dropped++;
                release(st, b);
                batch_free(b, true);
                return;
        }
        half = b->n / 2;
        if (batch_new(st, b->n - half, &second) < 0) {
                batch_failed(st, b, "out of memory while splitting a refused batch");
                return;
        }
        second->n = b->n - half;
        second->seq = b->seq;
        memcpy(second->records, b->records + half, sizeof(Record *) * second->n);
        b->n = half;
        second->bytes = 0;
        for (size_t i = 0; i < second->n; i++)
                second->bytes += record_cost(second->records[i]);
        b->bytes -= second->bytes;
        log_debug("[%s] stream '%s': bisecting a refused batch into %zu + %zu events.", section_name(st),
                  st->name, b->n, second->n);
        stream_requeue(st, b);
        stream_requeue(st, second);
}

static void on_put_done(int error, const CwResult *res, void *userdata) {
        Batch *b = userdata;
        Stream *st = b->stream;
        char why[256];

        b->call = NULL;
        batch_put_args_done(b);
        stream_flying_remove(st, b);
        st->in_flight--;
        st->in_flight_records -= b->n;
        st->in_flight_bytes -= b->bytes;

        if (error < 0) {
                (void) snprintf(why, sizeof why, "%s", errno_text(-error));
                if (error == -ENOCREDS)
                        cw_client_invalidate_credentials(st->section->shipper->cw);
                batch_failed(st, b, why);
                goto finish;
        }

        if (res->error_type)
                (void) snprintf(why, sizeof why, "%s: %s", res->error_type, strna(res->error_message));
        else
                (void) snprintf(why, sizeof why, "%s", cw_outcome_to_string(res->outcome));

        switch (res->outcome) {
        case CW_OK:
        case CW_ALREADY_ACCEPTED:
        case CW_ALREADY_EXISTS:
                batch_accepted(st, b, res);
                break;
        case CW_INVALID_SEQUENCE:
                free(st->sequence_token);
                st->sequence_token = res->expected_token ? strdup(res->expected_token) : NULL;
                if (b->attempts > ONCE_MAX_ATTEMPTS)
                        batch_failed(st, b, why);
                else
                        stream_requeue(st, b);
                break;
        case CW_NOT_FOUND:
                if (!st->section->config->create_log_group) {
                        batch_failed(st, b, why);
                        break;
                }
                stream_requeue(st, b);
                stream_create(st);
                break;
        case CW_CREDENTIALS:
                cw_client_invalidate_credentials(st->section->shipper->cw);
                batch_failed(st, b, why);
                break;
        case CW_INVALID_REQUEST:
                if (names_a_resource(res))
                        batch_failed(st, b, why);
                else
                        batch_bisect(st, b, res);
                break;
        default:
                batch_failed(st, b, why);
                break;
        }
finish:
        stream_pump(st);
        shipper_notify_progress(st->section->shipper);
}

static void stream_send(Stream *st, Batch *b) {
        int r;

        b->attempts++;
        r = batch_call_put(b, st->section->shipper->cw, st->section->config->log_group_name, st->name,
                           st->sequence_token, on_put_done);
        if (r < 0) {
                batch_failed(st, b, errno_text(-r));
                return;
        }
        st->in_flight++;
        st->in_flight_records += b->n;
        st->in_flight_bytes += b->bytes;
        b->next = st->flying;
        st->flying = b;
}

/* The oldest batch not yet accepted: the stream's checkpoint cannot pass it. */
static uint64_t oldest_unacked_seq(const Stream *st) {
        uint64_t oldest = st->next_batch_seq;

        for (const Batch *b = st->flying; b; b = b->next)
                oldest = MIN(oldest, b->seq);
        for (const Batch *b = st->retry_head; b; b = b->next)
                oldest = MIN(oldest, b->seq);
        return oldest;
}

void stream_pump(Stream *st) {
        Shipper *s = st->section->shipper;
        BatchLimits lim = stream_limits(st);
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (st->state != STREAM_READY)
                return;
        if (st->blocked_until_usec > now) {
                stream_arm(st, st->blocked_until_usec);
                return;
        }
        while (st->in_flight < STREAM_MAX_IN_FLIGHT && st->state == STREAM_READY &&
               st->blocked_until_usec <= now) {
                Batch *b = stream_dequeue_retry(st);

                if (!b) {
                        uint64_t waited_ms = (now - st->first_pending_usec) / USEC_PER_MSEC;

                        if (st->n_pending == 0)
                                break;
                        /* A window, not just a count of requests in flight: while an old batch
                         * waits, later ones that were accepted cannot move the checkpoint, and
                         * a crash would send them again. So never run more than
                         * STREAM_MAX_IN_FLIGHT batches ahead of the oldest unaccepted one. */
                        if (st->next_batch_seq - oldest_unacked_seq(st) >= STREAM_MAX_IN_FLIGHT)
                                break;
                        /* Nor while accepted batches are not on disk yet: those would be sent
                         * again after a crash too (log_source_saving()). */
                        if (st->section->source && log_source_saving(st->section->source))
                                break;
                        if (!s->draining && !batch_due(st->n_pending, st->pending_bytes, &lim, waited_ms,
                                                       st->section->config->buffer_duration_ms)) {
                                stream_arm(st, st->first_pending_usec +
                                                       st->section->config->buffer_duration_ms * USEC_PER_MSEC);
                                break;
                        }
                        if (batch_new(st, lim.max_count, &b) < 0) {
                                log_oom();
                                stream_arm(st, now + USEC_PER_SEC);
                                break;
                        }
                        b->seq = st->next_batch_seq++;
                        b->n = batch_take(st->pending, &st->n_pending, &lim, b->records, &b->bytes);
                        st->pending_bytes -= b->bytes;
                        if (st->n_pending > 0)
                                st->first_pending_usec = now;
                }
                stream_send(st, b);
        }
        if (st->blocked_until_usec > now)
                stream_arm(st, st->blocked_until_usec);
}

int stream_push(Stream *st, Record *r) {
        BatchLimits lim = stream_limits(st);

        if (st->n_pending == st->n_allocated) {
                size_t n = MAX(st->n_allocated * 2, (size_t) 64);
                Record **p = realloc(st->pending, sizeof(Record *) * n);

                if (!p)
                        return -ENOMEM;
                st->pending = p;
                st->n_allocated = n;
        }
        if (st->n_pending == 0)
                st->first_pending_usec = now_usec(CLOCK_MONOTONIC);
        st->pending[st->n_pending++] = r;
        st->pending_bytes += record_cost(r);
        st->newest_read_ms = MAX(st->newest_read_ms, r->timestamp_ms);
        if (st->first_read_ms == 0)
                st->first_read_ms = r->timestamp_ms;

        if (st->section->shipper->draining ||
            batch_due(st->n_pending, st->pending_bytes, &lim, 0, st->section->config->buffer_duration_ms))
                stream_pump(st);
        else if (st->n_pending == 1 && st->state == STREAM_READY)
                stream_arm(st, MAX(st->first_pending_usec + st->section->config->buffer_duration_ms * USEC_PER_MSEC,
                                   st->blocked_until_usec));
        return 0;
}

int stream_new(ShipperSection *sec, const char *name, Stream **ret) {
        Stream *st;

        st = calloc(1, sizeof *st);
        if (!st)
                return -ENOMEM;
        st->section = sec;
        st->name = strdup(name);
        if (!st->name) {
                free(st);
                return -ENOMEM;
        }
        *ret = st;
        return 0;
}

/* Records still queued are settled: the caller detached the source's tracker first, so
 * settling commits nothing, it only frees the bookkeeping. */
Stream *stream_free(Stream *st) {
        Batch *b;

        if (!st)
                return NULL;
        cw_call_cancel(st->create_call);
        while ((b = stream_dequeue_retry(st)))
                batch_free(b, true);
        while ((b = st->flying)) {
                st->flying = b->next;
                batch_free(b, true);
        }
        for (size_t i = 0; i < st->n_pending; i++)
                record_settle(st->pending[i]);
        free(st->pending);
        sd_event_source_disable_unref(st->timer);
        free(st->sequence_token);
        free(st->name);
        free(st);
        return NULL;
}

bool stream_idle(const Stream *st) {
        return st->n_pending == 0 && st->in_flight == 0 && !st->retry_head && !st->create_call;
}
