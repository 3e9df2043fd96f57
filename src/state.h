/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * State files: one small plain-text file per section in the state directory, readable by a
 * person and written atomically (temp file, fsync, rename), so a crash leaves the old or the
 * new position, never a torn one. Format:
 *
 *     # one comment line saying what this is
 *     key=value
 *     ...
 *
 * Values are single lines. Unknown keys are kept out of the way (ignored by readers), so a
 * later version may add keys. A failed write never removes the previous file. No logging.
 */

#include "shared/macro.h"

/* Suffixes of the per-section files (SPEC §7). */
#define STATE_SUFFIX_CURSOR ".cursor"
#define STATE_SUFFIX_FILE ".file"

/* "DIR/NAME SUFFIX". NAME must already be a safe file name (no '/', not "." or ".."). */
int state_path(const char *dir, const char *name, const char *suffix, char **ret);

/* Parses text into alternating key, value strings (NULL terminated). -EBADMSG on a line that
 * is neither a comment, blank, nor key=value. */
int state_parse(const char *text, char ***ret_kv);
/* Reads and parses path (capped at STATE_FILE_MAX). -ENOENT when there is no state. */
int state_load(const char *path, char ***ret_kv);
/* The value of key, or NULL. */
const char *state_kv_get(char *const *kv, const char *key);
/* Atomically replaces path with the comment line and the key=value pairs of kv (alternating,
 * NULL terminated). -EINVAL if a key or value holds a newline or a key is empty or has '='. */
int state_save(const char *path, const char *comment, const char *const *kv);
/* The text state_save() writes; for writing it elsewhere (state-writer.h). */
int state_format(const char *comment, const char *const *kv, char **ret_text);

/* The journal position of a section: STATE_DIR/NAME.cursor, key "cursor". */
int state_cursor_load(const char *dir, const char *name, char **ret_cursor);
int state_cursor_save(const char *dir, const char *name, const char *cursor);
/* The text of a .cursor file holding cursor. */
int state_cursor_format(const char *cursor, char **ret_text);
