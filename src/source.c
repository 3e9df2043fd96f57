/* SPDX-License-Identifier: MIT */
/* Common part of every LogSource: the ack tracker wiring to ops->commit. */

#include "shared/log.h"
#include "source.h"

static void source_commit(void *token, void *userdata) {
        LogSource *s = userdata;
        int r;

        if (!s->persist) {
                s->ops->free_token(token);
                return;
        }
        r = s->ops->commit(s, token);
        if (r < 0)
                s->last_error = r;
}

int log_source_init(LogSource *s, const LogSourceOps *ops, const SectionConfig *config, sd_event *event,
                    const EventSink *sink, const char *state_dir, bool persist) {
        int r;

        *s = (LogSource) {
                .ops = ops,
                .config = config,
                .event = sd_event_ref(event),
                .sink = *sink,
                .persist = persist,
        };
        s->state_dir = strdup(state_dir);
        if (!s->state_dir)
                return -ENOMEM;
        r = ack_tracker_new(source_commit, ops->free_token, s, &s->acks);
        if (r < 0)
                return r;
        return 0;
}

void log_source_done(LogSource *s) {
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
