/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared by the three files of the file source only; not an API for other modules.
 *   source-file.c  the LogSource glue: event-loop sources, ops, construction
 *   file-follow.c  which file to read: start position, rotation, truncation, globs
 *   file-read.c    reading it: bytes -> lines -> events -> sink, checkpoints
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sys/stat.h>

#include "file-lines.h"
#include "file-select.h"
#include "multiline.h"
#include "shared/time-util.h"
#include "regex-util.h"
#include "source.h"

typedef struct FileSource {
        LogSource base;
        char *state_name; /* section_state_name(): "[/var/log/x]" is saved as "-var-log-x.file" */
        Encoding *enc;
        Multiline *ml;
        LineReader *reader;

        /* exclude_pattern, or NULL */
        Regex *exclude;

        int fd;
        char *path;
        struct stat st; /* of the open file, or of the last one closed */
        bool have_st;
        char fingerprint[FINGERPRINT_HEX_SIZE];
        bool text_started, eof;
        bool warned_open; /* the last open failure was logged as a warning */
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

static inline usec_t file_source_mono(void) {
        return now_usec(CLOCK_MONOTONIC);
}

/* The fingerprint line range of the section, with its defaults applied. */
static inline void file_source_fingerprint_range(const FileSource *fs, unsigned *ret_first, unsigned *ret_last) {
        const SectionConfig *c = fs->base.config;

        *ret_first = MAX(c->fingerprint_first, 1U);
        *ret_last = MAX(c->fingerprint_last, *ret_first);
}

/* source-file.c */
void file_source_schedule(FileSource *fs);

/* file-read.c */
int file_source_compile_exclude(FileSource *fs);
uint64_t file_source_checkpoint_offset(FileSource *fs);
void file_source_seal(FileSource *fs);
void file_source_finish_pending(FileSource *fs);
void file_source_arm_flush(FileSource *fs);
void file_source_refresh_fingerprint(FileSource *fs);
void file_source_read_burst(FileSource *fs);

/* file-follow.c */
void file_source_close_file(FileSource *fs);
void file_source_check_files(FileSource *fs);
void file_source_position(FileSource *fs, const FileCandidate *c, size_t n);
