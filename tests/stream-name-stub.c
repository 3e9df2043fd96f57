/* SPDX-License-Identifier: MIT */
/*
 * TEMPORARY test-only stand-in for stream_template_is_per_event() (src/stream-name.c is
 * being written on another branch). Delete once the real module is merged.
 */

#include "stream-name.h"

bool stream_template_is_per_event(const char *template) {
        return strstr(template, "{unit}") || strstr(template, "{identifier}");
}
