/* SPDX-License-Identifier: MIT */
#pragma once

/* A string-keyed hash map of borrowed values (keys are copied). Grows by doubling. */

#include "macro.h"

typedef struct StrMap StrMap;

int strmap_new(StrMap **ret);
/* Frees the map and its key copies, not the values. Accepts NULL, returns NULL. */
StrMap *strmap_free(StrMap *m);
void *strmap_get(const StrMap *m, const char *key);
/* -EEXIST if present. */
int strmap_put(StrMap *m, const char *key, void *value);
void *strmap_remove(StrMap *m, const char *key);
size_t strmap_size(const StrMap *m);
/* Iteration: *i starts at 0; returns false at the end. */
bool strmap_iterate(const StrMap *m, size_t *i, const char **ret_key, void **ret_value);
