/* SPDX-License-Identifier: MIT */
/*
 * The file source's reading half: bytes of the open file become lines (file-lines.c,
 * encoding.c), lines become events (multiline.c, datetime.c), events that exclude_pattern
 * does not drop go to the sink; checkpoints are sealed into the ack tracker, to be written
 * only once CloudWatch accepted everything before them.
 *
 * A checkpoint never passes a partial line or a pending multi-line event: it is the offset
 * after the last line whose event was pushed, or the start of the pending event.
 * Reads are bounded per loop iteration (FILE_BYTES_PER_ITERATION) and stop while the sink
 * is full. Which file is open, and when to move on, is file-follow.c's business.
 */

#include <inttypes.h>

#include "cw-limits.h"
#include "file-state.h"
#include "regex-util.h"
#include "shared/log.h"
#include "source-file-private.h"

int file_source_compile_exclude(FileSource *fs) {
        const char *pattern = fs->base.config->exclude_pattern;
        _cleanup_free_ char *why = NULL;
        int r;

        if (!pattern)
                return 0;
        r = regex_new(pattern, &fs->exclude, &why);
        if (r == -EINVAL)
                return log_error_errno(r, "[%s] Invalid exclude_pattern '%s': %s", fs->base.config->name, pattern,
                                       strna(why));
        return r;
}

static bool excluded(FileSource *fs, const MultilineEvent *ev) {
        return fs->exclude && regex_search(fs->exclude, ev->message, ev->size);
}

static void emit(FileSource *fs, const MultilineEvent *ev) {
        SourceEvent se = { .timestamp_ms = ev->timestamp_ms, .message = ev->message, .size = ev->size };
        int r;

        if (excluded(fs, ev)) {
                if (fs->base.sink.dropped)
                        fs->base.sink.dropped(fs->base.sink.userdata, "excluded");
                return;
        }
        r = fs->base.sink.push(fs->base.sink.userdata, &se, fs->base.acks);
        if (r < 0) {
                fs->base.last_error = r;
                log_warning_errno(r, "[%s] Failed to queue an event from '%s', ignoring: %m", fs->base.config->name,
                                  strna(fs->path));
        }
}

uint64_t file_source_checkpoint_offset(FileSource *fs) {
        return multiline_pending(fs->ml) ? multiline_pending_start(fs->ml) : line_reader_offset(fs->reader);
}

void file_source_seal(FileSource *fs) {
        FileCheckpoint *cp;
        uint64_t off;

        if (fs->fd < 0)
                return;
        off = file_source_checkpoint_offset(fs);
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
                        file_source_seal(fs);
        }
        return r;
}

/* Ships a partial last line and the pending multi-line event (buffer_duration passed, or
 * the file is finished), then seals. */
void file_source_finish_pending(FileSource *fs) {
        MultilineEvent ev;

        (void) process_lines(fs, true);
        if (multiline_flush(fs->ml, &ev) > 0)
                emit(fs, &ev);
        file_source_seal(fs);
}

void file_source_arm_flush(FileSource *fs) {
        usec_t wait = fs->base.config->buffer_duration_ms * USEC_PER_MSEC;

        if (line_reader_buffered(fs->reader) == 0 && !multiline_pending(fs->ml)) {
                (void) sd_event_source_set_enabled(fs->flush, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(fs->flush, fs->last_data + wait);
        (void) sd_event_source_set_enabled(fs->flush, SD_EVENT_ONESHOT);
}

void file_source_refresh_fingerprint(FileSource *fs) {
        unsigned first, last;

        file_source_fingerprint_range(fs, &first, &last);
        if (fingerprint_file(fs->fd, first, last, fs->fingerprint) < 0)
                fs->fingerprint[0] = 0;
}

/* Byte-order marks need the file's first bytes; returns 1 once the text can be read. */
static int start_text(FileSource *fs) {
        uint64_t at = line_reader_offset(fs->reader);
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
        if (at == 0 && r > 0 && lseek(fs->fd, r, SEEK_SET) < 0)
                return -errno;
        line_reader_reset(fs->reader, at == 0 ? (uint64_t) r : at);
        fs->text_started = true;
        return 1;
}

void file_source_read_burst(FileSource *fs) {
        size_t budget = FILE_BYTES_PER_ITERATION;
        bool was_eof = fs->eof;
        ssize_t n;
        int r;

        if (fs->fd < 0)
                return;
        if (!fs->fingerprint[0])
                file_source_refresh_fingerprint(fs);
        r = start_text(fs);
        if (r <= 0)
                return;
        while (budget > 0 && fs->base.sink.writable(fs->base.sink.userdata)) {
                n = line_reader_fill(fs->reader, fs->fd, budget);
                if (n == -ENOBUFS) {
                        /* a full buffer without a newline: process_lines() cuts it; go on at
                         * the next iteration rather than the next poll */
                        (void) process_lines(fs, false);
                        file_source_schedule(fs);
                        break;
                }
                if (n < 0) {
                        fs->base.last_error = (int) n;
                        log_warning_errno((int) n, "[%s] Failed to read '%s': %m", fs->base.config->name, fs->path);
                        break;
                }
                fs->eof = n == 0;
                if (n == 0)
                        break;
                fs->last_data = file_source_mono();
                budget -= (size_t) n;
                r = process_lines(fs, false);
                if (r < 0)
                        log_warning_errno(r, "[%s] Failed to process '%s', ignoring: %m", fs->base.config->name,
                                          fs->path);
        }
        /* more to read; or just reached the end: whether to move on is decided next iteration,
         * not at the next poll (a backlog of rotated files is read at full speed) */
        if (budget == 0 || (fs->eof && !was_eof))
                file_source_schedule(fs);
        file_source_seal(fs);
        file_source_arm_flush(fs);
}
