/* SPDX-License-Identifier: MIT */
/*
 * The journal LogSource: opens sd-journal for a section, positions it (saved cursor, else
 * initial_position, see journal-position.c), hooks it onto the event loop, and persists
 * checkpoints handed back by the ack tracker. The reading itself is in journal-read.c.
 *
 * Invariants:
 *  - The state file is written only from commit(), i.e. after CloudWatch accepted every
 *    entry up to the cursor; a failed write keeps the previous file and retries the cursor.
 *  - Positioning rules are in journal-position.c.
 */

#include <poll.h>

#include "journal-entry.h"
#include "cw-limits.h"
#include "sigbus.h"
#include "source-journal.h"
#include "state.h"
#include "stream-name.h"

/* Priority of the reading pass: after timers, HTTP and other I/O of the same iteration. */
#define READER_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 10)

static JournalSource *journal_source(LogSource *s) {
        return (JournalSource *) s;
}

static int on_journal_change(JournalSource *s);

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        return on_journal_change(userdata);
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        return on_journal_change(userdata);
}

/* Re-arms the timer sd-journal asks for (file systems where inotify is not enough). */
static void journal_update_timer(JournalSource *s) {
        uint64_t t = UINT64_MAX;

        if (sd_journal_get_timeout(s->journal, &t) < 0 || t == UINT64_MAX) {
                (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(s->timer, t);
        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static int on_journal_change(JournalSource *s) {
        int r;

        r = sd_journal_process(s->journal);
        if (r < 0)
                log_debug_errno(r, "[%s] sd_journal_process() failed, ignoring: %m", s->base.config->name);
        else if (r == SD_JOURNAL_INVALIDATE)
                /* Files came or went (rotation, vacuum, namespace restart): read on. */
                journal_source_check_unsupported(s);
        journal_update_timer(s);
        if (s->caught_up) {
                int waiting = SD_EVENT_OFF;

                /* Following a live journal: journald wakes us for every entry it writes.
                 * Gather what arrives within a short window and read it in one pass, instead
                 * of one pass (and one cursor) per entry. */
                (void) sd_event_source_get_enabled(s->read_retry, &waiting);
                if (waiting == SD_EVENT_OFF) {
                        (void) sd_event_source_set_time_relative(s->read_retry,
                                                                 JOURNAL_FOLLOW_COALESCE_MSEC * USEC_PER_MSEC);
                        (void) sd_event_source_set_enabled(s->read_retry, SD_EVENT_ONESHOT);
                }
                return 0;
        }
        journal_source_update_reader(s, true);
        return 0;
}

static int on_reader(sd_event_source *es, void *userdata) {
        journal_read_pass(userdata);
        return 0;
}

static int on_read_retry(sd_event_source *es, uint64_t usec, void *userdata) {
        JournalSource *s = userdata;

        journal_source_update_reader(s, true);
        return 0;
}

void journal_source_update_reader(JournalSource *s, bool more) {
        int waiting = SD_EVENT_OFF;
        bool on = more && !s->paused && s->journal;

        if (on)
                (void) sd_event_source_get_enabled(s->read_retry, &waiting);
        on = on && waiting == SD_EVENT_OFF;
        (void) sd_event_source_set_enabled(s->reader, on ? SD_EVENT_ON : SD_EVENT_OFF);
}

void journal_source_schedule_read_retry(JournalSource *s) {
        (void) sd_event_source_set_enabled(s->reader, SD_EVENT_OFF);
        (void) sd_event_source_set_time_relative(s->read_retry, JOURNAL_READ_RETRY_MSEC * USEC_PER_MSEC);
        (void) sd_event_source_set_enabled(s->read_retry, SD_EVENT_ONESHOT);
}

static void journal_detach(JournalSource *s) {
        s->io = sd_event_source_disable_unref(s->io);
        s->timer = sd_event_source_disable_unref(s->timer);
        sd_journal_close(s->journal);
        s->journal = NULL;
}

static int journal_attach(JournalSource *s) {
        int fd, events, r;

        fd = sd_journal_get_fd(s->journal);
        if (fd < 0)
                return log_error_errno(fd, "[%s] Failed to watch the journal: %m", s->base.config->name);
        events = sd_journal_get_events(s->journal);
        if (events < 0)
                events = POLLIN;
        r = sd_event_add_io(s->base.event, &s->io, fd, (uint32_t) events, on_io, s);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to watch the journal: %m", s->base.config->name);
        r = sd_event_add_time(s->base.event, &s->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, s);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to add journal timer: %m", s->base.config->name);
        journal_update_timer(s);
        return 0;
}

/* Opens, watches and positions the journal at cursor (NULL: initial_position). */
static int journal_setup(JournalSource *s, const char *cursor) {
        int r;

        r = journal_source_open(s);
        if (r < 0)
                return r;
        r = journal_attach(s);
        if (r < 0)
                return r;
        journal_source_check_unsupported(s);
        return journal_source_position(s, cursor);
}

int journal_source_reopen(JournalSource *s) {
        _cleanup_free_ char *cursor = s->checkpoint ? strdup(s->checkpoint) : NULL;
        int r;

        if (s->checkpoint && !cursor)
                return -ENOMEM;
        log_warning("[%s] A journal file was truncated while mapped (SIGBUS), re-opening the journal.",
                    s->base.config->name);
        journal_detach(s);
        r = journal_setup(s, cursor);
        if (r < 0) {
                s->base.last_error = r;
                journal_detach(s);
                return r;
        }
        return 0;
}


static int journal_commit(LogSource *ls, void *token) {
        _cleanup_free_ char *cursor = token;
        char *text;
        int r;

        /* The shipper commits once per accepted batch, not per chunk, and starts no new batch
         * while a position is being written (log_source_saving()): a crash never re-sends
         * more than the batches in flight. */
        r = state_cursor_format(cursor, &text);
        if (r < 0)
                return log_warning_errno(r, "[%s] Failed to save journal position: %m", ls->config->name);
        log_source_save_state(ls, text);
        return 0;
}

static void journal_free_token(void *token) {
        free(token);
}

static int journal_start(LogSource *ls) {
        JournalSource *s = journal_source(ls);
        _cleanup_free_ char *cursor = NULL;
        int r;

        r = state_cursor_load(ls->state_dir, s->state_name, &cursor);
        if (r == -EBADMSG)
                log_warning("[%s] State file '%s/%s%s' is unreadable, starting at %s.", ls->config->name,
                            ls->state_dir, s->state_name, STATE_SUFFIX_CURSOR,
                            ls->config->initial_position == POSITION_START ? "the start" : "the end");
        else if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "[%s] Failed to read state file '%s/%s%s': %m", ls->config->name,
                                       ls->state_dir, s->state_name, STATE_SUFFIX_CURSOR);
        if (cursor) {
                s->checkpoint = strdup(cursor);
                if (!s->checkpoint)
                        return log_oom();
        }

        r = journal_setup(s, cursor);
        if (r < 0) {
                ls->last_error = r;
                journal_detach(s);
                return r;
        }
        journal_source_update_reader(s, true);
        return 0;
}

static void journal_wake(LogSource *ls) {
        JournalSource *s = journal_source(ls);

        s->paused = false;
        journal_source_update_reader(s, true);
}

static bool journal_caught_up(LogSource *ls) {
        return journal_source(ls)->caught_up;
}

static void journal_describe(LogSource *ls, char *buf, size_t size) {
        JournalSource *s = journal_source(ls);

        (void) snprintf(buf, size, "journal %s", s->checkpoint ? s->checkpoint : "(no position yet)");
}

static void journal_destroy(LogSource *ls) {
        JournalSource *s = journal_source(ls);

        journal_detach(s);
        s->reader = sd_event_source_disable_unref(s->reader);
        s->read_retry = sd_event_source_disable_unref(s->read_retry);
        free(s->state_name);
        free(s->checkpoint);
        free(s->resume_cursor);
        strv_free(s->reported_files);
        regex_free(s->exclude);
        strbuf_done(&s->message);
        strbuf_done(&s->unit);
        strbuf_done(&s->identifier);
        log_source_done(ls);
        free(s);
}

static const LogSourceOps journal_source_ops = {
        .kind = "journal",
        .start = journal_start,
        .wake = journal_wake,
        .commit = journal_commit,
        .free_token = journal_free_token,
        .caught_up = journal_caught_up,
        .describe = journal_describe,
        .destroy = journal_destroy,
};

static int journal_add_event_sources(JournalSource *s) {
        sd_event *e = s->base.event;
        int r;

        r = sd_event_add_defer(e, &s->reader, on_reader, s);
        if (r >= 0)
                r = sd_event_source_set_priority(s->reader, READER_PRIORITY);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->reader, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(e, &s->read_retry, CLOCK_MONOTONIC, 0, 0, on_read_retry, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->read_retry, SD_EVENT_OFF);
        return r;
}

static int journal_open_state(JournalSource *s) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = state_path(s->base.state_dir, s->state_name, STATE_SUFFIX_CURSOR, &path);
        if (r < 0)
                return r;
        return log_source_open_state(&s->base, path);
}

int journal_source_new(const SectionConfig *config, sd_event *event, const EventSink *sink,
                       const char *state_dir, StateWriter *writer, LogSource **ret) {
        _cleanup_(log_source_freep) LogSource *ls = NULL;
        JournalSource *s;
        int r;

        if (!journal_entry_format_supported(config))
                return log_error_errno(EOPNOTSUPP, "[%s] This journal_format is not implemented yet.",
                                       config->name);

        r = sigbus_install();
        if (r < 0)
                return log_error_errno(r, "Failed to install SIGBUS handler: %m");

        s = calloc(1, sizeof *s);
        if (!s)
                return log_oom();
        r = log_source_init(&s->base, &journal_source_ops, config, event, sink, state_dir, writer);
        ls = &s->base; /* from here on, destroy() cleans up whatever is set */
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to set up journal source: %m", config->name);

        (void) snprintf(s->own_pid, sizeof s->own_pid, "%d", (int) getpid());
        s->read_ratelimit = (RateLimit) RATELIMIT_INIT(10 * USEC_PER_SEC, 5);
        strbuf_init(&s->message, JOURNAL_MESSAGE_READ_MAX);
        strbuf_init(&s->unit, JOURNAL_NAME_FIELD_MAX);
        strbuf_init(&s->identifier, JOURNAL_NAME_FIELD_MAX);
        s->per_event = config->log_stream_name && stream_template_is_per_event(config->log_stream_name);
        s->need_unit = s->per_event || config->journal_exclude_unit;
        s->need_identifier = s->per_event || config->journal_exclude_identifier;
        if (config->exclude_pattern) {
                _cleanup_free_ char *why = NULL;

                r = regex_new(config->exclude_pattern, &s->exclude, &why);
                if (r < 0)
                        return log_error_errno(r, "[%s] Invalid exclude_pattern '%s': %s", config->name,
                                               config->exclude_pattern, strna(why));
        }
        s->state_name = section_state_name(config);
        if (!s->state_name)
                return log_oom();
        r = journal_add_event_sources(s);
        if (r >= 0)
                r = journal_open_state(s);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to set up journal source: %m", config->name);

        *ret = TAKE_PTR(ls);
        return 0;
}
