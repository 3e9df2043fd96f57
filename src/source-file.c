/* SPDX-License-Identifier: MIT */
/*
 * The file source: follows the newest file of a `file = ` glob like the old agent, through
 * rename rotation (the old fd is read to its end before the next file), copytruncate (size
 * below our position: start over), deletion and re-creation, and files that appear later.
 * Bytes become lines (file-lines.c, encoding.c), lines become events (multiline.c,
 * datetime.c), events go to the sink; checkpoints (file-state.c) are sealed into the ack
 * tracker and written only from commit, i.e. after CloudWatch accepted everything before them.
 *
 * A checkpoint never passes a partial line or a pending multi-line event: it is the offset
 * after the last line whose event was pushed, or the start of the pending event.
 * Wake-ups: inotify on the glob's directory (when it has no wildcard) and a 1 s poll that
 * also catches everything inotify cannot see (NFS, wildcard directories).
 * Not done here: reading several files of one glob concurrently (the old agent did not either).
 */

#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <libgen.h>
#include <sys/inotify.h>

#include "file-lines.h"
#include "file-select.h"
#include "file-state.h"
#include "cw-limits.h"
#include "multiline.h"
#include "shared/log.h"
#include "shared/time-util.h"
#include "source.h"

typedef struct FileSource {
        LogSource base;
        Encoding *enc;
        Multiline *ml;
        LineReader *reader;

        int fd;
        char *path;
        struct stat st; /* of the open file, or of the last one closed */
        bool have_st;
        char fingerprint[FINGERPRINT_HEX_SIZE];
        bool text_started, eof;
        usec_t last_data; /* CLOCK_MONOTONIC */

        sd_event_source *poll, *defer, *flush, *inotify;

        bool target_known, target_done; /* --once: the newest file at start, and its size */
        dev_t target_dev;
        ino_t target_ino;
        uint64_t target_size;

        /* files finished recently, so a glob matching several live files never re-reads one */
        struct {
                dev_t dev;
                ino_t ino;
                uint64_t offset;
                char fingerprint[FINGERPRINT_HEX_SIZE];
        } finished[FILE_FINISHED_MAX];
        unsigned n_finished;

        bool sealed_any;
        dev_t sealed_dev;
        ino_t sealed_ino;
        uint64_t sealed_offset;
} FileSource;

static FileSource *FS(LogSource *s) {
        return (FileSource *) s;
}

static usec_t mono(void) {
        return now_usec(CLOCK_MONOTONIC);
}

static void schedule(FileSource *fs) {
        if (fs->defer)
                (void) sd_event_source_set_enabled(fs->defer, SD_EVENT_ONESHOT);
}

static void emit(FileSource *fs, const MultilineEvent *ev) {
        SourceEvent se = { .timestamp_ms = ev->timestamp_ms, .message = ev->message, .size = ev->size };
        int r;

        r = fs->base.sink.push(fs->base.sink.userdata, &se, fs->base.acks);
        if (r < 0) {
                fs->base.last_error = r;
                log_warning_errno(r, "[%s] Failed to queue an event from '%s', ignoring: %m", fs->base.config->name,
                                  strna(fs->path));
        }
}

static uint64_t checkpoint_offset(FileSource *fs) {
        return multiline_pending(fs->ml) ? multiline_pending_start(fs->ml) : line_reader_offset(fs->reader);
}

static void seal(FileSource *fs) {
        FileCheckpoint *cp;
        uint64_t off;

        if (fs->fd < 0)
                return;
        off = checkpoint_offset(fs);
        if (fs->sealed_any && fs->sealed_dev == fs->st.st_dev && fs->sealed_ino == fs->st.st_ino &&
            fs->sealed_offset == off)
                return;
        if (file_checkpoint_new(fs->st.st_dev, fs->st.st_ino, fs->fingerprint, off, fs->path, &cp) < 0)
                return (void) log_oom();
        (void) ack_tracker_seal(fs->base.acks, cp);
        fs->sealed_any = true;
        fs->sealed_dev = fs->st.st_dev;
        fs->sealed_ino = fs->st.st_ino;
        fs->sealed_offset = off;
}

static int process_lines(FileSource *fs, bool force) {
        int64_t now = (int64_t) (now_usec(CLOCK_REALTIME) / USEC_PER_MSEC);
        MultilineEvent ev;
        Line l;
        int r, k;

        while ((r = line_reader_next(fs->reader, force, &l)) > 0) {
                k = multiline_push_line(fs->ml, l.text, l.size, l.start, l.end, now, &ev);
                if (k < 0)
                        return k;
                if (k > 0)
                        emit(fs, &ev);
                if (l.cut)
                        multiline_mark_truncated(fs->ml);
                if (ack_tracker_open_records(fs->base.acks) >= ACK_CHUNK_MAX_RECORDS)
                        seal(fs);
        }
        return r;
}

/* Ships a partial last line and the pending multi-line event (buffer_duration passed, or
 * the file is finished), then seals. */
static void finish_pending(FileSource *fs) {
        MultilineEvent ev;

        (void) process_lines(fs, true);
        if (multiline_flush(fs->ml, &ev) > 0)
                emit(fs, &ev);
        seal(fs);
}

static void arm_flush(FileSource *fs) {
        usec_t wait = fs->base.config->buffer_duration_ms * USEC_PER_MSEC;

        if (line_reader_buffered(fs->reader) == 0 && !multiline_pending(fs->ml)) {
                (void) sd_event_source_set_enabled(fs->flush, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(fs->flush, fs->last_data + wait);
        (void) sd_event_source_set_enabled(fs->flush, SD_EVENT_ONESHOT);
}

static void refresh_fingerprint(FileSource *fs) {
        const SectionConfig *c = fs->base.config;

        if (fingerprint_file(fs->fd, MAX(c->fingerprint_first, 1U), MAX(c->fingerprint_last, MAX(c->fingerprint_first, 1U)),
                             fs->fingerprint) < 0)
                fs->fingerprint[0] = 0;
}

/* Byte-order marks need the file's first bytes; returns 1 once the text can be read. */
static int start_text(FileSource *fs) {
        char head[4];
        ssize_t n;
        int r;

        if (fs->text_started)
                return 1;
        n = pread(fs->fd, head, sizeof head, 0);
        if (n < 0)
                return -errno;
        r = encoding_start(fs->enc, head, (size_t) n);
        if (r == -EAGAIN)
                return 0;
        if (r < 0)
                return r;
        if (line_reader_offset(fs->reader) == 0 && r > 0 && lseek(fs->fd, r, SEEK_SET) < 0)
                return -errno;
        line_reader_reset(fs->reader, line_reader_offset(fs->reader) == 0 ? (uint64_t) r
                                                                           : line_reader_offset(fs->reader));
        fs->text_started = true;
        return 1;
}

static void remember_finished(FileSource *fs) {
        unsigned i = fs->n_finished % FILE_FINISHED_MAX;

        fs->finished[i].dev = fs->st.st_dev;
        fs->finished[i].ino = fs->st.st_ino;
        fs->finished[i].offset = line_reader_offset(fs->reader);
        memcpy(fs->finished[i].fingerprint, fs->fingerprint, sizeof fs->fingerprint);
        fs->n_finished++;
}

/* Where a file we finished earlier ended, or 0 for a file we have not read. Inode numbers
 * are reused at once after a delete, so the fingerprint must agree too; when in doubt,
 * re-read (a duplicate beats a loss). */
static uint64_t finished_offset(FileSource *fs, const FileCandidate *c) {
        const SectionConfig *cfg = fs->base.config;
        unsigned first = MAX(cfg->fingerprint_first, 1U), last = MAX(cfg->fingerprint_last, first);
        char fp[FINGERPRINT_HEX_SIZE];

        for (unsigned i = 0; i < MIN(fs->n_finished, FILE_FINISHED_MAX); i++) {
                if (fs->finished[i].dev != c->st.st_dev || fs->finished[i].ino != c->st.st_ino ||
                    !fs->finished[i].fingerprint[0] || fs->finished[i].offset > (uint64_t) c->st.st_size)
                        continue;
                _cleanup_close_ int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd >= 0 && fingerprint_file(fd, first, last, fp) >= 0 && streq(fp, fs->finished[i].fingerprint))
                        return fs->finished[i].offset;
        }
        return 0;
}

static void close_file(FileSource *fs) {
        const char *name = fs->base.config->name;

        if (fs->fd < 0)
                return;
        remember_finished(fs);
        if (fs->target_known && fs->st.st_dev == fs->target_dev && fs->st.st_ino == fs->target_ino)
                fs->target_done = true;
        log_debug("[%s] Closing '%s'.", name, fs->path);
        fs->fd = safe_close(fs->fd);
        fs->path = mfree(fs->path);
}

static int open_file(FileSource *fs, const char *path, uint64_t offset, bool at_end) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        close_file(fs);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0)
                return log_warning_errno(errno, "[%s] Failed to open '%s', will retry: %m", fs->base.config->name,
                                         path);
        if (at_end)
                offset = (uint64_t) st.st_size;
        if (offset > (uint64_t) st.st_size) {
                log_notice("[%s] '%s' is shorter than the saved position, reading it from the start.",
                           fs->base.config->name, path);
                offset = 0;
        }
        if (lseek(fd, (off_t) offset, SEEK_SET) < 0)
                return log_warning_errno(errno, "[%s] Failed to seek in '%s': %m", fs->base.config->name, path);
        fs->path = strdup(path);
        if (!fs->path)
                return log_oom();
        fs->fd = TAKE_FD(fd);
        fs->st = st;
        fs->have_st = true;
        fs->text_started = fs->eof = false;
        fs->last_data = mono();
        encoding_reset(fs->enc);
        line_reader_reset(fs->reader, offset);
        refresh_fingerprint(fs);
        log_info("[%s] Following '%s' from offset %" PRIu64 ".", fs->base.config->name, path, offset);
        return 0;
}

static void read_burst(FileSource *fs) {
        size_t budget = FILE_BYTES_PER_ITERATION;
        ssize_t n;
        int r;

        if (fs->fd < 0)
                return;
        if (!fs->fingerprint[0])
                refresh_fingerprint(fs);
        r = start_text(fs);
        if (r <= 0)
                return;
        while (budget > 0 && fs->base.sink.writable(fs->base.sink.userdata)) {
                n = line_reader_fill(fs->reader, fs->fd, budget);
                if (n == -ENOBUFS) {
                        /* a full buffer without a newline: process_lines() cuts it */
                        if (process_lines(fs, false) <= 0)
                                break;
                        continue;
                }
                if (n < 0) {
                        fs->base.last_error = (int) n;
                        log_warning_errno((int) n, "[%s] Failed to read '%s': %m", fs->base.config->name, fs->path);
                        break;
                }
                fs->eof = n == 0;
                if (n == 0)
                        break;
                fs->last_data = mono();
                budget -= (size_t) n;
                r = process_lines(fs, false);
                if (r < 0)
                        log_warning_errno(r, "[%s] Failed to process '%s', ignoring: %m", fs->base.config->name,
                                          fs->path);
        }
        if (budget == 0)
                schedule(fs);
        seal(fs);
        arm_flush(fs);
}

static void restart_truncated(FileSource *fs) {
        log_notice("[%s] '%s' was truncated, reading it from the start.", fs->base.config->name, fs->path);
        finish_pending(fs);
        if (fs->target_known && fs->st.st_dev == fs->target_dev && fs->st.st_ino == fs->target_ino)
                fs->target_done = true; /* what existed at start is gone */
        if (lseek(fs->fd, 0, SEEK_SET) < 0)
                return (void) log_warning_errno(errno, "[%s] Failed to seek in '%s': %m", fs->base.config->name,
                                                fs->path);
        line_reader_reset(fs->reader, 0);
        encoding_reset(fs->enc);
        fs->text_started = fs->eof = false;
        refresh_fingerprint(fs);
}

/* At the end of the current file: is it finished (renamed or deleted away, or a newer file
 * of the glob exists) and quiet for the grace period? Then move on. */
static void maybe_move_on(FileSource *fs, const FileCandidate *c, size_t n) {
        const FileCandidate *next;
        struct stat st;
        bool replaced;

        replaced = stat(fs->path, &st) < 0 || st.st_dev != fs->st.st_dev || st.st_ino != fs->st.st_ino;
        next = file_select_next(c, n, &fs->st.st_mtim, fs->st.st_dev, fs->st.st_ino);
        if (!replaced && !next)
                return;
        if (mono() < fs->last_data + FILE_ROTATE_GRACE_USEC)
                return; /* the writer may not have reopened yet: keep reading the old fd */
        read_burst(fs);
        if (!fs->eof)
                return;
        finish_pending(fs);
        log_info("[%s] Finished '%s'%s.", fs->base.config->name, fs->path, replaced ? " (rotated away)" : "");
        close_file(fs);
        if (next)
                (void) open_file(fs, next->path, finished_offset(fs, next), false);
}

static void check_files(FileSource *fs) {
        FileCandidate *c = NULL;
        const FileCandidate *pick;
        struct stat st;
        size_t n = 0;
        int r;

        r = file_select_glob(fs->base.config->file, &c, &n);
        if (r < 0) {
                fs->base.last_error = r;
                return;
        }
        if (fs->fd < 0) {
                /* a file appearing later is new: read it from its start */
                pick = fs->have_st ? file_select_next(c, n, &fs->st.st_mtim, fs->st.st_dev, fs->st.st_ino)
                                   : file_select_newest(c, n);
                if (pick)
                        (void) open_file(fs, pick->path, finished_offset(fs, pick), false);
        } else if (fstat(fs->fd, &st) < 0)
                fs->base.last_error = -errno;
        else if ((uint64_t) st.st_size < line_reader_read_offset(fs->reader))
                restart_truncated(fs);
        else if (fs->eof) {
                fs->st.st_mtim = st.st_mtim;
                maybe_move_on(fs, c, n);
        }
        file_candidates_free(c, n);
}

static int on_defer(sd_event_source *s, void *userdata) {
        FileSource *fs = userdata;

        check_files(fs);
        read_burst(fs);
        return 0;
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata) {
        FileSource *fs = userdata;

        check_files(fs);
        read_burst(fs);
        (void) sd_event_source_set_time(s, usec + FILE_POLL_INTERVAL_USEC);
        return 0;
}

static int on_flush(sd_event_source *s, uint64_t usec, void *userdata) {
        FileSource *fs = userdata;

        /* while behind (backpressure), the rest of the line or event is still unread */
        if (!fs->eof || usec < fs->last_data + fs->base.config->buffer_duration_ms * USEC_PER_MSEC) {
                arm_flush(fs);
                return 0;
        }
        finish_pending(fs);
        arm_flush(fs);
        return 0;
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        FileSource *fs = userdata;
        _cleanup_free_ char *pattern = strdup(fs->base.config->file);

        if (ev->len == 0 || !pattern || fnmatch(basename(pattern), ev->name, 0) == 0)
                schedule(fs);
        return 0;
}

/* Where to begin: the saved file (by device+inode, cross-checked by fingerprint, else found
 * by fingerprint if it was rotated while we were stopped) at its offset; else the newest file,
 * at initial_position. */
static void position(FileSource *fs, const FileCandidate *c, size_t n) {
        const SectionConfig *cfg = fs->base.config;
        _cleanup_(file_checkpoint_freep) FileCheckpoint *cp = NULL;
        const FileCandidate *pick = NULL, *newest = file_select_newest(c, n);
        unsigned first = MAX(cfg->fingerprint_first, 1U), last = MAX(cfg->fingerprint_last, first);
        char fp[FINGERPRINT_HEX_SIZE];
        int r;

        r = file_checkpoint_load(fs->base.state_dir, cfg->name, &cp);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "[%s] Failed to read the saved position, starting afresh: %m", cfg->name);
        if (cp) {
                pick = file_select_by_id(c, n, cp->dev, cp->ino);
                if (pick && cp->fingerprint[0]) {
                        _cleanup_close_ int fd = open(pick->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                        if (fd >= 0 && fingerprint_file(fd, first, last, fp) >= 0 && !streq(fp, cp->fingerprint))
                                pick = NULL; /* the inode was reused by another file */
                }
                if (!pick)
                        pick = file_select_by_fingerprint(c, n, first, last, cp->fingerprint);
                if (pick) {
                        (void) open_file(fs, pick->path, cp->offset, false);
                        return;
                }
                log_notice("[%s] The saved file '%s' is gone; reading '%s' from its start.", cfg->name,
                           strna(cp->path), newest ? newest->path : cfg->file);
                if (newest)
                        (void) open_file(fs, newest->path, 0, false);
                return;
        }
        if (newest)
                (void) open_file(fs, newest->path, 0, cfg->initial_position == POSITION_END);
}

static int file_start(LogSource *s) {
        FileSource *fs = FS(s);
        FileCandidate *c = NULL;
        const FileCandidate *newest;
        _cleanup_free_ char *dir = NULL;
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
        position(fs, c, n);
        file_candidates_free(c, n);

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
        const char *d = dirname(dir);
        if (!strpbrk(d, "*?[") &&
            sd_event_add_inotify(s->event, &fs->inotify, d,
                                 IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE,
                                 on_inotify, fs) < 0)
                log_debug("[%s] No inotify watch on '%s', polling only.", s->config->name, d);
        schedule(fs);
        return 0;
}

static void file_wake(LogSource *s) {
        schedule(FS(s));
}

static int file_commit(LogSource *s, void *token) {
        int r;

        r = file_checkpoint_save(s->state_dir, s->config->name, token);
        file_checkpoint_free(token);
        if (r < 0)
                return log_warning_errno(r, "[%s] Failed to save the file position: %m", s->config->name);
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

        (void) snprintf(buf, size, "%s @%" PRIu64, fs->path ?: "(no file yet)", checkpoint_offset(fs));
}

static void file_destroy(LogSource *s) {
        FileSource *fs = FS(s);

        fs->poll = sd_event_source_disable_unref(fs->poll);
        fs->defer = sd_event_source_disable_unref(fs->defer);
        fs->flush = sd_event_source_disable_unref(fs->flush);
        fs->inotify = sd_event_source_disable_unref(fs->inotify);
        close_file(fs);
        fs->ml = multiline_free(fs->ml);
        fs->reader = line_reader_free(fs->reader);
        fs->enc = encoding_free(fs->enc);
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

int file_source_new(const SectionConfig *config, sd_event *event, const EventSink *sink, const char *state_dir,
                    bool persist, LogSource **ret) {
        _cleanup_free_ char *error = NULL;
        FileSource *fs;
        int r;

        if (!config->file)
                return -EINVAL;
        fs = calloc(1, sizeof(FileSource));
        if (!fs)
                return -ENOMEM;
        fs->fd = -1;
        r = log_source_init(&fs->base, &file_ops, config, event, sink, state_dir, persist);
        if (r >= 0)
                r = encoding_new(config->encoding ?: "utf_8", &fs->enc);
        if (r >= 0)
                r = line_reader_new(fs->enc, &fs->reader);
        if (r >= 0)
                r = multiline_new(config->multi_line_start_pattern, config->datetime_format, config->time_zone_utc,
                                  CW_MAX_EVENT_BYTES - CW_EVENT_OVERHEAD, &fs->ml, &error);
        if (r < 0) {
                if (error)
                        log_error("[%s] %s", config->name, error);
                file_destroy(&fs->base);
                return r;
        }
        *ret = &fs->base;
        return 0;
}
