/* SPDX-License-Identifier: MIT */
/* Common part of every LogSource: the ack tracker wiring to ops->commit, and writing the
 * checkpoints through the state writer. */

#include "cw-limits.h"
#include "shared/log.h"
#include "source.h"

static void source_commit(void *token, void *userdata) {
        LogSource *s = userdata;
        int r;

        if (!s->writer) {
                s->ops->free_token(token);
                return;
        }
        r = s->ops->commit(s, token);
        if (r < 0)
                s->last_error = r;
}

int log_source_init(LogSource *s, const LogSourceOps *ops, const SectionConfig *config, sd_event *event,
                    const EventSink *sink, const char *state_dir, StateWriter *writer) {
        int r;

        *s = (LogSource) {
                .ops = ops,
                .config = config,
                .event = sd_event_ref(event),
                .sink = *sink,
                .writer = writer,
                .state_ratelimit = RATELIMIT_INIT(60 * USEC_PER_SEC, 3),
                .state_stall_usec = STATE_STALL_SEC * USEC_PER_SEC,
        };
        s->state_dir = strdup(state_dir);
        if (!s->state_dir)
                return -ENOMEM;
        r = ack_tracker_new(source_commit, ops->free_token, s, &s->acks);
        if (r < 0)
                return r;
        return 0;
}

/* Watches the write under way, if any, for a stall. */
static void state_watch(LogSource *s) {
        uint64_t since = state_slot_writing_since(s->state);

        if (since == 0) {
                (void) sd_event_source_set_enabled(s->state_stall, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(s->state_stall, since + s->state_stall_usec);
        (void) sd_event_source_set_enabled(s->state_stall, SD_EVENT_ONESHOT);
}

static void state_settled(LogSource *s) {
        state_watch(s);
        if (!state_slot_writing(s->state) && s->sink.saved)
                s->sink.saved(s->sink.userdata);
}

static int on_state_stall(sd_event_source *es, uint64_t usec, void *userdata) {
        LogSource *s = userdata;

        if (!state_slot_writing(s->state) || s->state_stalled)
                return 0;
        s->state_stalled = true;
        s->last_error = -ETIMEDOUT; /* for STATUS */
        log_warning("[%s] Writing the %s position to '%s' has not finished after %" PRIu64 " s; shipping on "
                    "without waiting for it (until it finishes, a crash may re-send more than what is in "
                    "flight).", s->config->name, s->ops->kind, state_slot_path(s->state),
                    s->state_stall_usec / USEC_PER_SEC);
        if (s->sink.saved)
                s->sink.saved(s->sink.userdata);
        return 0;
}

static void on_state_written(int error, void *userdata) {
        LogSource *s = userdata;

        if (s->state_stalled) {
                s->state_stalled = false;
                log_info("[%s] The stalled write of the %s position finished.", s->config->name, s->ops->kind);
                if (s->last_error == -ETIMEDOUT)
                        s->last_error = 0;
        }
        if (error < 0) {
                if (ratelimit_below(&s->state_ratelimit))
                        log_warning_errno(error, "[%s] Failed to save %s position in '%s', keeping the previous "
                                          "one and retrying: %m", s->config->name, s->ops->kind,
                                          state_slot_path(s->state));
                s->state_error = error;
                s->last_error = error; /* for STATUS */
                (void) sd_event_source_set_time_relative(s->state_retry, STATE_RETRY_SEC * USEC_PER_SEC);
                (void) sd_event_source_set_enabled(s->state_retry, SD_EVENT_ONESHOT);
                state_settled(s);
                return;
        }
        if (s->state_error != 0) {
                log_info("[%s] The %s position is saved again.", s->config->name, s->ops->kind);
                if (s->last_error == s->state_error)
                        s->last_error = 0;
                s->state_error = 0;
                (void) sd_event_source_set_enabled(s->state_retry, SD_EVENT_OFF);
        }
        state_settled(s);
}

static int on_state_retry(sd_event_source *es, uint64_t usec, void *userdata) {
        LogSource *s = userdata;

        state_slot_retry(s->state);
        state_watch(s);
        return 0;
}

int log_source_open_state(LogSource *s, const char *path) {
        int r;

        if (!s->writer)
                return 0;
        r = state_slot_new(s->writer, path, on_state_written, s, &s->state);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(s->event, &s->state_retry, CLOCK_MONOTONIC, 0, 0, on_state_retry, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->state_retry, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &s->state_stall, CLOCK_MONOTONIC, 0, 0, on_state_stall, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->state_stall, SD_EVENT_OFF);
        return r;
}

void log_source_save_state(LogSource *s, char *text) {
        if (!s->state) {
                free(text);
                return;
        }
        state_slot_put(s->state, text);
        state_watch(s);
}

bool log_source_saving(const LogSource *s) {
        return s->state && state_slot_writing(s->state) && !s->state_stalled;
}

void log_source_done(LogSource *s) {
        int r;

        if (s->state) {
                /* The last position is written before the section goes (exit, reload); the
                 * shipper may be gone already, so it hears nothing of it. */
                s->sink.saved = NULL;
                r = state_slot_finish(s->state);
                if (r < 0)
                        log_warning_errno(r, "[%s] Failed to save the last %s position in '%s', the previous "
                                          "one stays: %m", s->config->name, s->ops->kind,
                                          state_slot_path(s->state));
                s->state = state_slot_free(s->state);
        }
        s->state_retry = sd_event_source_disable_unref(s->state_retry);
        s->state_stall = sd_event_source_disable_unref(s->state_stall);
        s->acks = ack_tracker_detach(s->acks);
        s->event = sd_event_unref(s->event);
        s->state_dir = mfree(s->state_dir);
}

LogSource *log_source_free(LogSource *s) {
        if (!s)
                return NULL;
        s->ops->destroy(s);
        return NULL;
}
