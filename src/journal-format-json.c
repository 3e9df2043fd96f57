/* SPDX-License-Identifier: MIT */
/*
 * journal_format `json` and `json:F1,F2,…`: one compact JSON object per entry, with the names
 * and value encoding of `journalctl -o json --all` (systemd 252):
 *  - "__CURSOR", "__REALTIME_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "_BOOT_ID" (from the entry
 *    header; a _BOOT_ID data field is not repeated), then every data field;
 *  - numbers are strings; a value is a JSON string when it is printable (see
 *    journal_value_is_printable()), else an array of its byte values ([98,0,255]);
 *  - strings escape only '"', '\\', LF as \n and TAB as \t (nothing else printable needs it);
 *    other bytes, including non-ASCII UTF-8, are written as they are;
 *  - a name given more than once becomes an array of its values, in entry order.
 *
 * Key order: journalctl prints keys in the order of a randomly seeded hash table, so no order
 * can match it byte for byte; compare parsed objects. We print the four header keys above in
 * that order, then the data fields in the entry's order, a repeated name at its first place.
 *
 * json:F1,F2: "__REALTIME_TIMESTAMP" always, "_SOURCE_REALTIME_TIMESTAMP" when the entry has
 * it (so every event keeps its time), then the listed fields that the entry has. Of the
 * header keys only those listed are added (__CURSOR, __MONOTONIC_TIMESTAMP, _BOOT_ID).
 * `journalctl -o json --output-fields=F1,F2` instead always adds all four header keys and
 * never adds _SOURCE_REALTIME_TIMESTAMP unless listed.
 *
 * Deliberate differences from journalctl (asserted in tests/test-journal-format.c):
 *  - like --all: no value becomes null however big (journalctl nulls values of 4 KiB and
 *    more without --all);
 *  - key order as above; json:F… as above;
 *  - a data field whose name is not a valid journal field name fails the entry with
 *    -EBADMSG (journalctl stops with "Invalid field"); an item without '=' is skipped.
 *
 * Invariant: a value is read from sd-journal and rendered before the next enumerate call;
 * the slow path (repeated names, very many fields) copies the entry into out first, renders
 * after the copy and moves the result down.
 */

#include "cw-limits.h"
#include "journal-format-internal.h"

typedef enum JsonClass {
        JC_PLAIN,   /* printable ASCII, copied */
        JC_ESCAPE,  /* printable, needs a backslash: " \ LF TAB */
        JC_CONTROL, /* not printable: the value becomes a byte array */
        JC_HIGH,    /* first byte of a multi-byte sequence, or invalid */
} JsonClass;

static const uint8_t json_class[256] = {
        [0x00 ... 0x08] = JC_CONTROL,
        ['\t'] = JC_ESCAPE,
        ['\n'] = JC_ESCAPE,
        [0x0B ... 0x1F] = JC_CONTROL,
        [0x20 ... 0x21] = JC_PLAIN,
        ['"'] = JC_ESCAPE,
        [0x23 ... 0x5B] = JC_PLAIN,
        ['\\'] = JC_ESCAPE,
        [0x5D ... 0x7E] = JC_PLAIN,
        [0x7F] = JC_CONTROL,
        [0x80 ... 0xFF] = JC_HIGH,
};

/* The value to render: either outside out (ext) or a copy inside out at off, re-read after
 * every reservation because growing out moves it. */
typedef struct Src {
        const char *ext;
        size_t off;
} Src;

static const char *src_ptr(const StrBuf *out, Src s) {
        return s.ext ?: out->data + s.off;
}

static int append_byte_array(StrBuf *out, Src s, size_t n) {
        const uint8_t *v;
        size_t need = 1; /* '[' and ']' less the comma the first number does not have */
        char *p;
        int r;

        v = (const uint8_t *) src_ptr(out, s);
        for (size_t i = 0; i < n; i++)
                need += (v[i] >= 100 ? 3 : v[i] >= 10 ? 2 : 1) + 1;
        r = strbuf_reserve(out, need);
        if (r < 0)
                return r;
        v = (const uint8_t *) src_ptr(out, s);
        p = out->data + out->len;
        *p++ = '[';
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        *p++ = ',';
                if (v[i] >= 100)
                        *p++ = (char) ('0' + v[i] / 100);
                if (v[i] >= 10)
                        *p++ = (char) ('0' + v[i] / 10 % 10);
                *p++ = (char) ('0' + v[i] % 10);
        }
        *p++ = ']';
        out->len = (size_t) (p - out->data);
        out->data[out->len] = 0;
        return 0;
}

/* Appends the value as a JSON string if it is printable, else as a byte array. */
static int append_value(StrBuf *out, Src s, size_t n) {
        const char *v;
        char *p;
        int r;

        r = strbuf_reserve(out, 2 * n + 2); /* every byte escaped, plus quotes */
        if (r < 0)
                return r;
        v = src_ptr(out, s);
        p = out->data + out->len;
        *p++ = '"';
        for (size_t i = 0; i < n; i++) {
                uint8_t c = (uint8_t) v[i];
                size_t l;

                switch (json_class[c]) {
                case JC_PLAIN:
                        *p++ = (char) c;
                        break;
                case JC_ESCAPE:
                        *p++ = '\\';
                        *p++ = c == '\n' ? 'n' : c == '\t' ? 't' : (char) c;
                        break;
                case JC_HIGH:
                        l = journal_printable_char_length(v + i, n - i);
                        if (l == 0)
                                return append_byte_array(out, s, n);
                        memcpy(p, v + i, l);
                        p += l;
                        i += l - 1;
                        break;
                default:
                        return append_byte_array(out, s, n);
                }
        }
        *p++ = '"';
        out->len = (size_t) (p - out->data);
        out->data[out->len] = 0;
        return 0;
}

/* ,"NAME": — names are checked journal field names, so they need no escaping. */
static int append_key(StrBuf *out, const char *name, size_t n) {
        char *p;
        int r;

        r = strbuf_reserve(out, n + 4);
        if (r < 0)
                return r;
        p = out->data + out->len;
        *p++ = ',';
        *p++ = '"';
        memcpy(p, name, n);
        p += n;
        *p++ = '"';
        *p++ = ':';
        out->len = (size_t) (p - out->data);
        out->data[out->len] = 0;
        return 0;
}

static int append_pair(StrBuf *out, const char *name, const char *value) {
        int r;

        r = append_key(out, name, strlen(name));
        if (r < 0)
                return r;
        return append_value(out, (Src) { .ext = value }, strlen(value));
}

/* journald's rule: [A-Z0-9_], not starting with a digit, at most 64 characters. */
static bool field_name_valid(const char *s, size_t n) {
        if (n == 0 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                        return false;
        return true;
}

static bool field_listed(char *const *fields, const char *name, size_t n) {
        for (char *const *f = fields; *f; f++)
                if (strncmp(*f, name, n) == 0 && (*f)[n] == 0)
                        return true;
        return false;
}

static bool name_is(const char *name, size_t n, const char *literal) {
        return strlen(literal) == n && memcmp(name, literal, n) == 0;
}

/* Splits a data item into name and value; returns 0 to render it, 1 to skip, or -EBADMSG. */
static int classify_item(const char *d, size_t l, char *const *fields, size_t *ret_name_len) {
        const char *eq = memchr(d, '=', l);
        size_t n;

        if (!eq)
                return 1;
        n = (size_t) (eq - d);
        if (!field_name_valid(d, n))
                return -EBADMSG;
        if (name_is(d, n, "_BOOT_ID")) /* already printed from the entry header */
                return 1;
        if (fields && !field_listed(fields, d, n) && !name_is(d, n, "_SOURCE_REALTIME_TIMESTAMP"))
                return 1;
        *ret_name_len = n;
        return 0;
}

static int append_header(sd_journal *j, char *const *fields, StrBuf *out) {
        char num[21], boot[SD_ID128_STRING_MAX];
        uint64_t realtime, monotonic;
        sd_id128_t boot_id;
        int r;

        r = sd_journal_get_realtime_usec(j, &realtime);
        if (r < 0)
                return r;
        r = sd_journal_get_monotonic_usec(j, &monotonic, &boot_id);
        if (r < 0)
                return r;

        if (!fields || field_listed(fields, "__CURSOR", STRLEN("__CURSOR"))) {
                _cleanup_free_ char *cursor = NULL;

                r = sd_journal_get_cursor(j, &cursor);
                if (r < 0)
                        return r;
                r = append_pair(out, "__CURSOR", cursor);
                if (r < 0)
                        return r;
        }
        num[journal_format_u64(realtime, num)] = 0;
        r = append_pair(out, "__REALTIME_TIMESTAMP", num);
        if (r < 0)
                return r;
        if (!fields || field_listed(fields, "__MONOTONIC_TIMESTAMP", STRLEN("__MONOTONIC_TIMESTAMP"))) {
                num[journal_format_u64(monotonic, num)] = 0;
                r = append_pair(out, "__MONOTONIC_TIMESTAMP", num);
                if (r < 0)
                        return r;
        }
        if (!fields || field_listed(fields, "_BOOT_ID", STRLEN("_BOOT_ID"))) {
                r = append_pair(out, "_BOOT_ID", sd_id128_to_string(boot_id, boot));
                if (r < 0)
                        return r;
        }
        out->data[0] = '{'; /* the first key's comma */
        return 0;
}

static uint32_t name_hash(const char *s, size_t n) {
        uint32_t h = 2166136261U; /* FNV-1a */

        for (size_t i = 0; i < n; i++)
                h = (h ^ (uint8_t) s[i]) * 16777619U;
        return h;
}

/* One pass: each value is rendered straight from sd-journal. Returns 1 when the entry needs
 * the slow path (a repeated name, or more than JOURNAL_JSON_FAST_FIELDS fields). */
static int render_fast(sd_journal *j, char *const *fields, StrBuf *out) {
        struct {
                size_t off, len;
        } seen[JOURNAL_JSON_FAST_FIELDS];
        uint8_t slot[2 * JOURNAL_JSON_FAST_FIELDS] = {}; /* index + 1 into seen, 0: free */
        size_t n_seen = 0;
        const void *d;
        size_t l;
        int r;

        sd_journal_restart_data(j);
        while ((r = sd_journal_enumerate_data(j, &d, &l)) > 0) {
                size_t n, h;

                r = classify_item(d, l, fields, &n);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (n_seen >= JOURNAL_JSON_FAST_FIELDS)
                        return 1;

                for (h = name_hash(d, n) % ELEMENTSOF(slot); slot[h] != 0; h = (h + 1) % ELEMENTSOF(slot)) {
                        size_t k = slot[h] - 1u;

                        if (seen[k].len == n && memcmp(out->data + seen[k].off, d, n) == 0)
                                return 1;
                }
                slot[h] = (uint8_t) (n_seen + 1);
                seen[n_seen].off = out->len + 2; /* after ,"  */
                seen[n_seen].len = n;
                n_seen++;

                r = append_key(out, d, n);
                if (r < 0)
                        return r;
                r = append_value(out, (Src) { .ext = (const char *) d + n + 1 }, l - n - 1);
                if (r < 0)
                        return r;
        }
        return r;
}

typedef struct Item {
        size_t off, name_len, len; /* the copied "NAME=value" in out */
        bool done;
} Item;

static int render_grouped(StrBuf *out, Item *items, size_t n_items) {
        int r;

        for (size_t i = 0; i < n_items; i++) {
                const Item *a = items + i;
                size_t more = 0;

                if (a->done)
                        continue;
                for (size_t k = i + 1; k < n_items; k++)
                        if (items[k].name_len == a->name_len &&
                            memcmp(out->data + items[k].off, out->data + a->off, a->name_len) == 0)
                                more++;

                /* Reserve first: the name is read from out itself, which growing would move. */
                r = strbuf_reserve(out, a->name_len + 4);
                if (r < 0)
                        return r;
                r = append_key(out, out->data + a->off, a->name_len);
                if (r < 0)
                        return r;
                if (more > 0 && (r = strbuf_putc(out, '[')) < 0)
                        return r;
                for (size_t k = i; k < n_items; k++) {
                        Item *b = items + k;

                        if (b->done || b->name_len != a->name_len ||
                            memcmp(out->data + b->off, out->data + a->off, a->name_len) != 0)
                                continue;
                        if (k > i && (r = strbuf_putc(out, ',')) < 0)
                                return r;
                        r = append_value(out, (Src) { .off = b->off + b->name_len + 1 }, b->len - b->name_len - 1);
                        if (r < 0)
                                return r;
                        b->done = true;
                }
                if (more > 0 && (r = strbuf_putc(out, ']')) < 0)
                        return r;
        }
        return 0;
}

static int render_slow(sd_journal *j, char *const *fields, StrBuf *out) {
        _cleanup_free_ Item *items = NULL;
        size_t n_items = 0, n_alloc = 0, body = out->len, rendered;
        const void *d;
        size_t l;
        int r;

        sd_journal_restart_data(j);
        while ((r = sd_journal_enumerate_data(j, &d, &l)) > 0) {
                size_t n;

                r = classify_item(d, l, fields, &n);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (n_items == n_alloc) {
                        size_t m = MAX(n_alloc * 2, (size_t) 64);
                        Item *t = reallocarray(items, m, sizeof(Item));

                        if (!t)
                                return -ENOMEM;
                        items = t;
                        n_alloc = m;
                }
                items[n_items++] = (Item) { .off = out->len, .name_len = n, .len = l };
                r = strbuf_append(out, d, l);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        rendered = out->len;
        r = render_grouped(out, items, n_items);
        if (r < 0)
                return r;
        memmove(out->data + body, out->data + rendered, out->len - rendered);
        out->len = body + (out->len - rendered);
        out->data[out->len] = 0;
        return 0;
}

int journal_format_json(sd_journal *j, char *const *fields, StrBuf *out) {
        size_t body;
        int r;

        r = append_header(j, fields, out);
        if (r < 0)
                return r;
        body = out->len;

        r = render_fast(j, fields, out);
        if (r > 0) {
                out->len = body;
                out->data[body] = 0;
                r = render_slow(j, fields, out);
        }
        if (r < 0)
                return r;
        return strbuf_putc(out, '}');
}
