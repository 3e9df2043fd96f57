/* SPDX-License-Identifier: MIT */
/*
 * The file source's following half: which file of a `file = ` glob is open, like the old
 * agent the newest one, through rename rotation (the old fd is read to its end before the
 * next file), copytruncate (size below our position: start over), deletion and re-creation,
 * and files that appear later. Also where to begin at start-up (saved state, else
 * initial_position).
 *
 * Files are recognised by device+inode, cross-checked by the fingerprint of their first
 * lines (inode numbers are reused at once after a delete). When in doubt a file is read
 * again: a duplicate beats a loss. Not done here: reading several files of one glob
 * concurrently (the old agent did not either).
 */

#include <fcntl.h>
#include <inttypes.h>

#include "cw-limits.h"
#include "file-state.h"
#include "shared/log.h"
#include "source-file-private.h"

static bool is_target(const FileSource *fs) {
        return fs->target_known && fs->st.st_dev == fs->target_dev && fs->st.st_ino == fs->target_ino;
}

/* Whether the file at path has fingerprint fp (lines of the section's range). */
static bool fingerprint_matches(FileSource *fs, const char *path, const char *fp) {
        _cleanup_close_ int fd = -1;
        char now[FINGERPRINT_HEX_SIZE];
        unsigned first, last;

        file_source_fingerprint_range(fs, &first, &last);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        return fd >= 0 && fingerprint_file(fd, first, last, now) >= 0 && streq(now, fp);
}

static void remember_finished(FileSource *fs) {
        unsigned i = fs->n_finished % FILE_FINISHED_MAX;

        fs->finished[i].dev = fs->st.st_dev;
        fs->finished[i].ino = fs->st.st_ino;
        fs->finished[i].offset = line_reader_offset(fs->reader);
        memcpy(fs->finished[i].fingerprint, fs->fingerprint, sizeof fs->fingerprint);
        fs->n_finished++;
}

/* Where a file we finished earlier ended, or 0 for a file we have not read. */
static uint64_t finished_offset(FileSource *fs, const FileCandidate *c) {
        for (unsigned i = 0; i < MIN(fs->n_finished, FILE_FINISHED_MAX); i++) {
                if (fs->finished[i].dev != c->st.st_dev || fs->finished[i].ino != c->st.st_ino ||
                    !fs->finished[i].fingerprint[0] || fs->finished[i].offset > (uint64_t) c->st.st_size)
                        continue;
                if (fingerprint_matches(fs, c->path, fs->finished[i].fingerprint))
                        return fs->finished[i].offset;
        }
        return 0;
}

void file_source_close_file(FileSource *fs) {
        if (fs->fd < 0)
                return;
        remember_finished(fs);
        if (is_target(fs))
                fs->target_done = true;
        log_debug("[%s] Closing '%s'.", fs->base.config->name, fs->path);
        fs->fd = safe_close(fs->fd);
        fs->path = mfree(fs->path);
}

static int open_file(FileSource *fs, const char *path, uint64_t offset, bool at_end) {
        const char *name = fs->base.config->name;
        _cleanup_close_ int fd = -1;
        struct stat st;

        file_source_close_file(fs);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;

                /* said once per trouble, not at every poll; STATUS keeps showing it */
                fs->base.last_error = -e;
                (void) log_full_errno(fs->warned_open ? LOG_DEBUG : LOG_WARNING, e,
                                      "[%s] Failed to open '%s', will retry: %m", name, path);
                fs->warned_open = true;
                return -e;
        }
        if (at_end)
                offset = (uint64_t) st.st_size;
        if (offset > (uint64_t) st.st_size) {
                log_notice("[%s] '%s' is shorter than the saved position, reading it from the start.", name, path);
                offset = 0;
        }
        if (lseek(fd, (off_t) offset, SEEK_SET) < 0)
                return log_warning_errno(errno, "[%s] Failed to seek in '%s': %m", name, path);
        fs->path = strdup(path);
        if (!fs->path)
                return log_oom();
        fs->warned_open = false;
        fs->fd = TAKE_FD(fd);
        fs->st = st;
        fs->have_st = true;
        fs->text_started = fs->eof = false;
        fs->last_data = file_source_mono();
        encoding_reset(fs->enc);
        line_reader_reset(fs->reader, offset);
        file_source_refresh_fingerprint(fs);
        log_info("[%s] Following '%s' from offset %" PRIu64 ".", name, path, offset);
        return 0;
}

static void restart_truncated(FileSource *fs) {
        log_notice("[%s] '%s' was truncated, reading it from the start.", fs->base.config->name, fs->path);
        file_source_finish_pending(fs);
        if (is_target(fs))
                fs->target_done = true; /* what existed at start is gone */
        if (lseek(fs->fd, 0, SEEK_SET) < 0)
                return (void) log_warning_errno(errno, "[%s] Failed to seek in '%s': %m", fs->base.config->name,
                                                fs->path);
        line_reader_reset(fs->reader, 0);
        encoding_reset(fs->enc);
        fs->text_started = fs->eof = false;
        file_source_refresh_fingerprint(fs);
}

/* Whether the writer has left the file alone for the grace period: by the file's own
 * modification time, so a backlog of old rotated files is read without waiting on each; our
 * last read bounds the wait when the clock was set back. */
static bool writer_quiet(const FileSource *fs) {
        usec_t mtime = (usec_t) fs->st.st_mtim.tv_sec * USEC_PER_SEC + (usec_t) fs->st.st_mtim.tv_nsec / 1000;

        return now_usec(CLOCK_REALTIME) >= mtime + FILE_ROTATE_GRACE_USEC ||
               file_source_mono() >= fs->last_data + FILE_ROTATE_GRACE_USEC;
}

/* Whether the head of the open file changed under us: truncated and written again past our
 * position before we looked (copytruncate under a fast writer), which the size alone misses. */
static bool head_changed(FileSource *fs) {
        char now[FINGERPRINT_HEX_SIZE];
        unsigned first, last;

        if (!fs->fingerprint[0])
                return false;
        file_source_fingerprint_range(fs, &first, &last);
        return fingerprint_file(fs->fd, first, last, now) >= 0 && !streq(now, fs->fingerprint);
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
        if (!writer_quiet(fs))
                return; /* the writer may not have reopened yet: keep reading the old fd */
        file_source_read_burst(fs);
        if (!fs->eof)
                return;
        file_source_finish_pending(fs);
        log_info("[%s] Finished '%s'%s.", fs->base.config->name, fs->path, replaced ? " (rotated away)" : "");
        file_source_close_file(fs);
        if (next && open_file(fs, next->path, finished_offset(fs, next), false) >= 0)
                file_source_schedule(fs);
}

/* Nothing to follow: say once why, when the path names something that is not a file (a
 * directory where a file was expected) or that cannot be looked at. */
static void explain_nothing(FileSource *fs) {
        const char *path = fs->base.config->file;
        struct stat st;
        int e;

        if (fs->warned_open || strpbrk(path, "*?["))
                return;
        if (stat(path, &st) < 0) {
                e = errno;
                if (e == ENOENT)
                        return; /* appears later: normal */
                fs->base.last_error = -e;
                log_warning_errno(e, "[%s] Cannot look at '%s', will retry: %m", fs->base.config->name, path);
        } else if (!S_ISREG(st.st_mode)) {
                fs->base.last_error = -EISDIR;
                log_warning("[%s] '%s' is not a regular file, will look again.", fs->base.config->name, path);
        } else
                return;
        fs->warned_open = true;
}

void file_source_check_files(FileSource *fs) {
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
        if (fs->fd < 0 && n == 0)
                explain_nothing(fs);
        if (fs->fd < 0) {
                /* A file appearing later is new: read it from its start. Not excluded by the
                 * closed file's inode: a file created right after a delete often reuses the
                 * number (finished_offset() tells a file we read by its fingerprint). */
                pick = fs->have_st ? file_select_next(c, n, &fs->st.st_mtim, 0, 0) : file_select_newest(c, n);
                if (pick)
                        (void) open_file(fs, pick->path, finished_offset(fs, pick), false);
        } else if (fstat(fs->fd, &st) < 0)
                fs->base.last_error = -errno;
        else if ((uint64_t) st.st_size < line_reader_read_offset(fs->reader) || head_changed(fs))
                restart_truncated(fs);
        else if (fs->eof) {
                fs->st.st_mtim = st.st_mtim;
                maybe_move_on(fs, c, n);
        }
        file_candidates_free(c, n);
}

/* The saved file among the candidates: by device+inode if its fingerprint agrees, else by
 * fingerprint (rotated while we were stopped); NULL if it is gone. */
static const FileCandidate *find_saved(FileSource *fs, const FileCheckpoint *cp, const FileCandidate *c,
                                       size_t n) {
        const FileCandidate *pick = file_select_by_id(c, n, cp->dev, cp->ino);
        unsigned first, last;

        if (pick && cp->fingerprint[0] && !fingerprint_matches(fs, pick->path, cp->fingerprint))
                pick = NULL; /* the inode was reused by another file */
        if (pick)
                return pick;
        file_source_fingerprint_range(fs, &first, &last);
        return file_select_by_fingerprint(c, n, first, last, cp->fingerprint);
}

/* Where to begin: the saved file at its offset; else the newest file, at initial_position. */
void file_source_position(FileSource *fs, const FileCandidate *c, size_t n) {
        const SectionConfig *cfg = fs->base.config;
        _cleanup_(file_checkpoint_freep) FileCheckpoint *cp = NULL;
        const FileCandidate *pick, *newest = file_select_newest(c, n);
        int r;

        r = file_checkpoint_load(fs->base.state_dir, fs->state_name, &cp);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "[%s] Failed to read the saved position, starting afresh: %m", cfg->name);
        if (!cp) {
                if (newest)
                        (void) open_file(fs, newest->path, 0, cfg->initial_position == POSITION_END);
                return;
        }
        pick = find_saved(fs, cp, c, n);
        if (pick) {
                (void) open_file(fs, pick->path, cp->offset, false);
                return;
        }
        log_notice("[%s] The saved file '%s' is gone; reading '%s' from its start.", cfg->name, strna(cp->path),
                   newest ? newest->path : cfg->file);
        if (newest)
                (void) open_file(fs, newest->path, 0, false);
}
