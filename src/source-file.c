/* SPDX-License-Identifier: MIT */
/*
 * The file source as a LogSource: follows the newest file of a `file = ` glob like the old
 * agent (file-follow.c decides which file, file-read.c turns it into events), woken by
 * inotify on the glob's directory (when it has no wildcard) and by a 1 s poll that also
 * catches everything inotify cannot see (NFS, wildcard directories). Checkpoints are written
 * only from commit, i.e. after CloudWatch accepted everything before them.
 *
 * The multi-line cap is the section's max_event_size (from [general]) minus CloudWatch's
 * per-event overhead, so an event is cut once, here, and ends with "[truncated]".
 */

#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <libgen.h>
#include <sys/inotify.h>

#include "cw-limits.h"
#include "file-state.h"
#include "shared/log.h"
#include "source-file-private.h"

static FileSource *FS(LogSource *s) {
        return (FileSource *) s;
}

void file_source_schedule(FileSource *fs) {
        if (fs->defer)
                (void) sd_event_source_set_enabled(fs->defer, SD_EVENT_ONESHOT);
}

static int on_defer(sd_event_source *s, void *userdata) {
        FileSource *fs = userdata;

        file_source_check_files(fs);
        file_source_read_burst(fs);
        return 0;
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata) {
        FileSource *fs = userdata;

        file_source_check_files(fs);
        file_source_read_burst(fs);
        (void) sd_event_source_set_time(s, usec + FILE_POLL_INTERVAL_USEC);
        return 0;
}

static int on_flush(sd_event_source *s, uint64_t usec, void *userdata) {
        FileSource *fs = userdata;

        /* while behind (backpressure), the rest of the line or event is still unread */
        if (!fs->eof || usec < fs->last_data + fs->base.config->buffer_duration_ms * USEC_PER_MSEC) {
                file_source_arm_flush(fs);
                return 0;
        }
        file_source_finish_pending(fs);
        file_source_arm_flush(fs);
        return 0;
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        FileSource *fs = userdata;
        _cleanup_free_ char *pattern = strdup(fs->base.config->file);

        if (ev->len == 0 || !pattern || fnmatch(basename(pattern), ev->name, 0) == 0)
                file_source_schedule(fs);
        return 0;
}

static int add_event_sources(FileSource *fs) {
        LogSource *s = &fs->base;
        _cleanup_free_ char *dir = NULL;
        const char *d;
        int r;

        r = sd_event_add_defer(s->event, &fs->defer, on_defer, fs);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &fs->poll, CLOCK_MONOTONIC, FILE_POLL_INTERVAL_USEC, 0,
                                               on_poll, fs);
        if (r >= 0)
                r = sd_event_source_set_enabled(fs->poll, SD_EVENT_ON);
        if (r >= 0)
                r = sd_event_add_time(s->event, &fs->flush, CLOCK_MONOTONIC, USEC_INFINITY, 0, on_flush, fs);
        if (r >= 0)
                r = sd_event_source_set_enabled(fs->flush, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to set up event sources: %m", s->config->name);

        /* inotify is only a shortcut; the poll covers wildcard directories and failures */
        dir = strdup(s->config->file);
        if (!dir)
                return log_oom();
        d = dirname(dir);
        if (!strpbrk(d, "*?[") &&
            sd_event_add_inotify(s->event, &fs->inotify, d,
                                 IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE,
                                 on_inotify, fs) < 0)
                log_debug("[%s] No inotify watch on '%s', polling only.", s->config->name, d);
        return 0;
}

static int file_start(LogSource *s) {
        FileSource *fs = FS(s);
        FileCandidate *c = NULL;
        const FileCandidate *newest;
        size_t n = 0;
        int r;

        r = file_select_glob(s->config->file, &c, &n);
        if (r < 0)
                return log_error_errno(r, "[%s] Failed to expand '%s': %m", s->config->name, s->config->file);
        newest = file_select_newest(c, n);
        if (newest) {
                fs->target_known = true;
                fs->target_dev = newest->st.st_dev;
                fs->target_ino = newest->st.st_ino;
                fs->target_size = (uint64_t) newest->st.st_size;
        }
        file_source_position(fs, c, n);
        file_candidates_free(c, n);

        r = add_event_sources(fs);
        if (r < 0)
                return r;
        file_source_schedule(fs);
        return 0;
}

static void file_wake(LogSource *s) {
        file_source_schedule(FS(s));
}

static int file_commit(LogSource *s, void *token) {
        char *text;
        int r;

        r = file_checkpoint_format(token, &text);
        file_checkpoint_free(token);
        if (r < 0)
                return log_warning_errno(r, "[%s] Failed to save file position: %m", s->config->name);
        log_source_save_state(s, text);
        return 0;
}

static void file_free_token(void *token) {
        file_checkpoint_free(token);
}

static bool file_caught_up(LogSource *s) {
        FileSource *fs = FS(s);
        bool idle = line_reader_buffered(fs->reader) == 0 && !multiline_pending(fs->ml);

        if (!idle)
                return false;
        if (!fs->target_known || fs->target_done)
                return true;
        return fs->fd >= 0 && fs->st.st_dev == fs->target_dev && fs->st.st_ino == fs->target_ino &&
               line_reader_read_offset(fs->reader) >= fs->target_size;
}

static void file_describe(LogSource *s, char *buf, size_t size) {
        FileSource *fs = FS(s);

        (void) snprintf(buf, size, "%s @%" PRIu64, fs->path ?: "(no file yet)", file_source_checkpoint_offset(fs));
}

static void file_destroy(LogSource *s) {
        FileSource *fs = FS(s);

        fs->poll = sd_event_source_disable_unref(fs->poll);
        fs->defer = sd_event_source_disable_unref(fs->defer);
        fs->flush = sd_event_source_disable_unref(fs->flush);
        fs->inotify = sd_event_source_disable_unref(fs->inotify);
        file_source_close_file(fs);
        fs->ml = multiline_free(fs->ml);
        fs->reader = line_reader_free(fs->reader);
        fs->enc = encoding_free(fs->enc);
        regex_free(fs->exclude);
        free(fs->state_name);
        log_source_done(s);
        free(fs);
}

static const LogSourceOps file_ops = {
        .kind = "file",
        .start = file_start,
        .wake = file_wake,
        .commit = file_commit,
        .free_token = file_free_token,
        .caught_up = file_caught_up,
        .describe = file_describe,
        .destroy = file_destroy,
};

/* Message bytes an event may hold: max_event_size counts CloudWatch's per-event overhead. */
static size_t event_cap(const SectionConfig *c) {
        uint64_t max = c->max_event_size ?: CW_MAX_EVENT_BYTES;

        return (size_t) (CLAMP(max, (uint64_t) EVENT_SIZE_MIN, (uint64_t) CW_MAX_EVENT_BYTES) - CW_EVENT_OVERHEAD);
}

static int file_open_state(FileSource *fs) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = file_state_path(fs->base.state_dir, fs->state_name, &path);
        if (r < 0)
                return r;
        return log_source_open_state(&fs->base, path);
}

int file_source_new(const SectionConfig *config, sd_event *event, const EventSink *sink, const char *state_dir,
                    StateWriter *writer, LogSource **ret) {
        _cleanup_free_ char *error = NULL;
        FileSource *fs;
        int r;

        if (!config->file)
                return -EINVAL;
        fs = calloc(1, sizeof(FileSource));
        if (!fs)
                return -ENOMEM;
        fs->fd = -1;
        r = log_source_init(&fs->base, &file_ops, config, event, sink, state_dir, writer);
        if (r >= 0) {
                fs->state_name = section_state_name(config);
                if (!fs->state_name)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = file_open_state(fs);
        if (r >= 0)
                r = encoding_new(config->encoding ?: "utf_8", &fs->enc);
        if (r >= 0)
                r = line_reader_new(fs->enc, &fs->reader);
        if (r >= 0)
                r = multiline_new(config->multi_line_start_pattern, config->datetime_format, config->time_zone_utc,
                                  event_cap(config), &fs->ml, &error);
        if (r >= 0)
                r = file_source_compile_exclude(fs);
        if (r < 0) {
                if (error)
                        log_error("[%s] %s", config->name, error);
                file_destroy(&fs->base);
                return r;
        }
        *ret = &fs->base;
        return 0;
}
