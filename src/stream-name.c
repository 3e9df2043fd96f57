/* SPDX-License-Identifier: MIT */
/*
 * log_stream_name templates (SPEC §5): pure expansion and sanitising, no I/O.
 *
 * Template syntax follows the old agent (Python str.format with named fields only): a
 * placeholder is "{name}", "{{" and "}}" are literal braces, anything else is literal text.
 * Host facts are looked up by the caller once (that needs IMDS and the network); this file
 * only renders.
 *
 * Sanitising guarantees a name CloudWatch accepts: no ':' or '*', valid UTF-8 (invalid
 * bytes and ASCII control characters become '_' too, since they would make the JSON body
 * or the console unreadable), 1..CW_MAX_STREAM_NAME bytes, cut on a character boundary.
 */

#include <stdarg.h>

#include "cw-limits.h"
#include "shared/strbuf.h"
#include "stream-name.h"

/* A rendered name is cut to CW_MAX_STREAM_NAME anyway; this only bounds the work done on
 * absurdly long per-event values before the cut. */
#define STREAM_RENDER_MAX (64U * 1024)

typedef enum Placeholder {
        PH_INSTANCE_ID,
        PH_HOSTNAME,
        PH_IP_ADDRESS,
        PH_MACHINE_ID,
        PH_BOOT_ID,
        PH_UNIT,
        PH_IDENTIFIER,
        _PH_MAX,
} Placeholder;

static const char *const placeholder_names[_PH_MAX] = {
        [PH_INSTANCE_ID] = "instance_id", [PH_HOSTNAME] = "hostname",
        [PH_IP_ADDRESS] = "ip_address",   [PH_MACHINE_ID] = "machine_id",
        [PH_BOOT_ID] = "boot_id",         [PH_UNIT] = "unit",
        [PH_IDENTIFIER] = "identifier",
};

_printf_(2, 3) static int fail(char **ret_error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_error_messagev(ret_error, EINVAL, fmt, ap);
        va_end(ap);
        return r;
}

static int placeholder_lookup(const char *name, size_t n) {
        for (int i = 0; i < _PH_MAX; i++)
                if (strlen(placeholder_names[i]) == n && strncmp(name, placeholder_names[i], n) == 0)
                        return i;
        return -EINVAL;
}

/* Walks the template. For each literal run calls literal(), for each placeholder
 * placeholder(); stops at the first error, which names the culprit in *ret_error. */
typedef struct TemplateVisitor {
        int (*literal)(void *userdata, const char *s, size_t n);
        int (*placeholder)(void *userdata, Placeholder p);
        void *userdata;
} TemplateVisitor;

static int template_walk(const char *t, const TemplateVisitor *v, char **ret_error) {
        const char *p = t;
        int r;

        while (*p) {
                size_t n = strcspn(p, "{}");
                const char *close;
                int ph;

                if (n > 0 && v->literal && (r = v->literal(v->userdata, p, n)) < 0)
                        return r;
                p += n;
                if (!*p)
                        break;
                if (p[0] == p[1]) { /* "{{" or "}}" */
                        if (v->literal && (r = v->literal(v->userdata, p, 1)) < 0)
                                return r;
                        p += 2;
                        continue;
                }
                if (*p == '}')
                        return fail(ret_error, "unbalanced '}' at offset %zu (write '}}' for a literal brace)",
                                    (size_t) (p - t));
                close = strchr(p + 1, '}');
                if (!close || memchr(p + 1, '{', (size_t) (close - p - 1)))
                        return fail(ret_error, "unbalanced '{' at offset %zu (write '{{' for a literal brace)",
                                    (size_t) (p - t));
                ph = placeholder_lookup(p + 1, (size_t) (close - p - 1));
                if (ph < 0)
                        return fail(ret_error,
                                    "unknown placeholder '%.*s' (known: {instance_id}, {hostname}, "
                                    "{ip_address}, {machine_id}, {boot_id}, {unit}, {identifier})",
                                    (int) (close - p + 1), p);
                if (v->placeholder && (r = v->placeholder(v->userdata, (Placeholder) ph)) < 0)
                        return r;
                p = close + 1;
        }
        return 0;
}

int stream_template_validate(const char *template, char **ret_error) {
        if (!template)
                return -EINVAL;
        return template_walk(template, &(TemplateVisitor) {}, ret_error);
}

static int note_per_event(void *userdata, Placeholder p) {
        if (p == PH_UNIT || p == PH_IDENTIFIER)
                *(bool *) userdata = true;
        return 0;
}

bool stream_template_is_per_event(const char *template) {
        bool per_event = false;

        if (!template)
                return false;
        (void) template_walk(template, &(TemplateVisitor) { .placeholder = note_per_event, .userdata = &per_event },
                             NULL);
        return per_event;
}

typedef struct RenderContext {
        StrBuf buf;
        const HostFacts *host;
        const char *unit, *identifier;
} RenderContext;

static int render_literal(void *userdata, const char *s, size_t n) {
        RenderContext *ctx = userdata;

        /* Past the cap nothing more can survive the cut; stop copying, keep walking. */
        if (ctx->buf.len >= CW_MAX_STREAM_NAME)
                return 0;
        return strbuf_append(&ctx->buf, s, MIN(n, STREAM_RENDER_MAX - ctx->buf.len));
}

static int render_placeholder(void *userdata, Placeholder p) {
        RenderContext *ctx = userdata;
        const HostFacts *h = ctx->host;
        const char *v = NULL;

        switch (p) {
        case PH_INSTANCE_ID: v = h ? h->instance_id : NULL; break;
        case PH_HOSTNAME: v = h ? h->hostname : NULL; break;
        case PH_IP_ADDRESS: v = h ? h->ip_address : NULL; break;
        case PH_MACHINE_ID: v = h ? h->machine_id : NULL; break;
        case PH_BOOT_ID: v = h ? h->boot_id : NULL; break;
        case PH_UNIT: v = ctx->unit; break;
        case PH_IDENTIFIER: v = ctx->identifier; break;
        default: return -EINVAL;
        }
        return render_literal(ctx, isempty(v) ? "unknown" : v, strlen(isempty(v) ? "unknown" : v));
}

int stream_name_render(const char *template, const HostFacts *host, const char *unit,
                       const char *identifier, char **ret) {
        RenderContext ctx = {
                .buf = STRBUF_INIT(STREAM_RENDER_MAX),
                .host = host,
                .unit = unit,
                .identifier = identifier,
        };
        int r;

        if (!template || !ret)
                return -EINVAL;
        r = template_walk(template,
                          &(TemplateVisitor) {
                                  .literal = render_literal,
                                  .placeholder = render_placeholder,
                                  .userdata = &ctx,
                          },
                          NULL);
        if (r >= 0)
                r = stream_name_sanitize(ctx.buf.data ?: "", ret);
        strbuf_done(&ctx.buf);
        return r;
}

/* Length of the valid UTF-8 sequence at s (strict: no overlongs, surrogates or code points
 * above U+10FFFF), 0 if s does not start one. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n) {
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xE0) == 0xC0)
                len = 2, cp = s[0] & 0x1F;
        else if ((s[0] & 0xF0) == 0xE0)
                len = 3, cp = s[0] & 0x0F;
        else if ((s[0] & 0xF8) == 0xF0)
                len = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
                return 0;
        return len;
}

int stream_name_sanitize(const char *name, char **ret) {
        _cleanup_(strbuf_done) StrBuf b = STRBUF_INIT(CW_MAX_STREAM_NAME);
        const unsigned char *p = (const unsigned char *) name;
        size_t n;
        int r;

        if (!name || !ret)
                return -EINVAL;
        n = strlen(name);
        while (n > 0) {
                size_t l = utf8_sequence_length(p, n);
                bool bad = l == 0 || (l == 1 && (*p < 0x20 || *p == 0x7F || *p == ':' || *p == '*'));

                if (bad)
                        l = MAX(l, (size_t) 1);
                /* Appending whole characters only, so the cut lands on a boundary. */
                if (b.len + (bad ? 1 : l) > CW_MAX_STREAM_NAME)
                        break;
                r = bad ? strbuf_putc(&b, '_') : strbuf_append(&b, p, l);
                if (r < 0)
                        return r;
                p += l;
                n -= l;
        }
        if (b.len == 0) {
                r = strbuf_putc(&b, '_');
                if (r < 0)
                        return r;
        }
        *ret = strbuf_steal(&b, NULL);
        return 0;
}
