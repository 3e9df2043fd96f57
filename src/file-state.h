/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The file source's checkpoint: which file (device, inode, fingerprint, and the path for the
 * reader of the state file) and the byte offset up to which every event has been delivered.
 * Stored as STATE_DIR/NAME.file, plain text, one key=value per line, replaced atomically:
 *
 *     path=/var/log/app.log
 *     dev=2049
 *     ino=1234567
 *     fingerprint=5916f8...   (empty while the file has no complete fingerprint lines)
 *     offset=4096
 *
 * Unknown keys are ignored so that later versions can add some.
 */

#include <sys/types.h>

#include "fingerprint.h"

typedef struct FileCheckpoint {
        dev_t dev;
        ino_t ino;
        char fingerprint[FINGERPRINT_HEX_SIZE]; /* "" when unknown */
        uint64_t offset;
        char *path;
} FileCheckpoint;

int file_checkpoint_new(dev_t dev, ino_t ino, const char *fingerprint, uint64_t offset, const char *path,
                        FileCheckpoint **ret);
FileCheckpoint *file_checkpoint_free(FileCheckpoint *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(FileCheckpoint *, file_checkpoint_free);

int file_checkpoint_format(const FileCheckpoint *c, char **ret);
/* -EBADMSG if dev, ino or offset is missing or malformed. */
int file_checkpoint_parse(const char *text, FileCheckpoint **ret);

/* dir/name.file, written through the state writer (log_source_save_state()). */
int file_state_path(const char *dir, const char *name, char **ret);
/* -ENOENT when there is no state. */
int file_checkpoint_load(const char *dir, const char *name, FileCheckpoint **ret);
