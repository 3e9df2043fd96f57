/* SPDX-License-Identifier: MIT */
/* Open addressing with linear probing and tombstones; see strmap.h. */

#include "strmap.h"

typedef struct Slot {
        char *key; /* NULL: empty; TOMBSTONE: deleted */
        void *value;
} Slot;

static char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

struct StrMap {
        Slot *slots;
        size_t n_slots; /* power of two */
        size_t n_used;  /* live entries */
        size_t n_dead;  /* tombstones */
};

static uint64_t hash_string(const char *s) {
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */

        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 1099511628211ULL;
        }
        return h;
}

int strmap_new(StrMap **ret) {
        StrMap *m;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->n_slots = 16;
        m->slots = calloc(m->n_slots, sizeof(Slot));
        if (!m->slots) {
                free(m);
                return -ENOMEM;
        }
        *ret = m;
        return 0;
}

StrMap *strmap_free(StrMap *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_slots; i++)
                if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
                        free(m->slots[i].key);
        free(m->slots);
        free(m);
        return NULL;
}

static Slot *find(const StrMap *m, const char *key) {
        size_t mask = m->n_slots - 1;

        for (size_t i = hash_string(key) & mask;; i = (i + 1) & mask) {
                Slot *s = &m->slots[i];

                if (!s->key)
                        return NULL;
                if (s->key != TOMBSTONE && streq(s->key, key))
                        return s;
        }
}

void *strmap_get(const StrMap *m, const char *key) {
        Slot *s = find(m, key);
        return s ? s->value : NULL;
}

static void insert_slot(Slot *slots, size_t n_slots, char *key, void *value) {
        size_t mask = n_slots - 1;
        size_t i = hash_string(key) & mask;

        while (slots[i].key && slots[i].key != TOMBSTONE)
                i = (i + 1) & mask;
        slots[i] = (Slot) { key, value };
}

static int grow(StrMap *m) {
        size_t n = m->n_slots * 2;
        Slot *slots;

        slots = calloc(n, sizeof(Slot));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_slots; i++)
                if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
                        insert_slot(slots, n, m->slots[i].key, m->slots[i].value);
        free(m->slots);
        m->slots = slots;
        m->n_slots = n;
        m->n_dead = 0;
        return 0;
}

int strmap_put(StrMap *m, const char *key, void *value) {
        char *k;
        int r;

        if (find(m, key))
                return -EEXIST;
        if ((m->n_used + m->n_dead + 1) * 4 > m->n_slots * 3) {
                r = grow(m);
                if (r < 0)
                        return r;
        }
        k = strdup(key);
        if (!k)
                return -ENOMEM;
        insert_slot(m->slots, m->n_slots, k, value);
        m->n_used++;
        return 0;
}

void *strmap_remove(StrMap *m, const char *key) {
        Slot *s = find(m, key);
        void *v;

        if (!s)
                return NULL;
        v = s->value;
        free(s->key);
        s->key = TOMBSTONE;
        s->value = NULL;
        m->n_used--;
        m->n_dead++;
        return v;
}

size_t strmap_size(const StrMap *m) {
        return m->n_used;
}

bool strmap_iterate(const StrMap *m, size_t *i, const char **ret_key, void **ret_value) {
        for (; *i < m->n_slots; (*i)++) {
                Slot *s = &m->slots[*i];

                if (s->key && s->key != TOMBSTONE) {
                        if (ret_key)
                                *ret_key = s->key;
                        if (ret_value)
                                *ret_value = s->value;
                        (*i)++;
                        return true;
                }
        }
        return false;
}
