/* SPDX-License-Identifier: MIT */
/*
 * Parsers of network credential answers; see credentials-response.h.
 *
 * The XML side is a deliberately tiny, strict extractor, not an XML parser: it finds one
 * <Credentials>…</Credentials> and in it four leaf elements without attributes, each exactly
 * once, whose text may use only the five predefined entities. STS's answer fits that shape;
 * anything else is refused rather than guessed at.
 * Invariants: secrets pass through local buffers that are wiped before they are freed.
 */

#include <jansson.h>

#include "credentials-response.h"
#include "shared/strbuf.h"

/* The text between <tag> and </tag> in [p, end), which must occur exactly once. */
static int xml_element(const char *p, const char *end, const char *tag, const char **ret, size_t *ret_len) {
        char open[64], close[64];
        const char *start = NULL, *stop;

        if ((size_t) snprintf(open, sizeof open, "<%s>", tag) >= sizeof open ||
            (size_t) snprintf(close, sizeof close, "</%s>", tag) >= sizeof close)
                return -EINVAL;
        for (const char *q = p; (q = memmem(q, (size_t) (end - q), open, strlen(open))); q++) {
                if (start)
                        return -EBADMSG; /* twice */
                start = q + strlen(open);
        }
        if (!start)
                return -EBADMSG;
        stop = memmem(start, (size_t) (end - start), close, strlen(close));
        if (!stop || memmem(stop + 1, (size_t) (end - stop - 1), close, strlen(close)))
                return -EBADMSG;
        *ret = start;
        *ret_len = (size_t) (stop - start);
        return 0;
}

static int xml_unescape(const char *s, size_t n, char **ret) {
        static const struct {
                const char *entity;
                char c;
        } entities[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' } };
        StrBuf b = STRBUF_INIT(n);
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                size_t k;

                if (s[i] == '<' || s[i] == 0) {
                        r = -EBADMSG; /* a leaf may not hold markup */
                        break;
                }
                if (s[i] != '&') {
                        r = strbuf_putc(&b, s[i]);
                        continue;
                }
                for (k = 0; k < ELEMENTSOF(entities); k++)
                        if (n - i >= strlen(entities[k].entity) &&
                            memcmp(s + i, entities[k].entity, strlen(entities[k].entity)) == 0)
                                break;
                if (k == ELEMENTSOF(entities)) {
                        r = -EBADMSG;
                        break;
                }
                r = strbuf_putc(&b, entities[k].c);
                i += strlen(entities[k].entity) - 1;
        }
        if (r >= 0 && b.len == 0)
                r = -EBADMSG;
        if (r < 0) {
                if (b.data)
                        explicit_bzero(b.data, b.allocated);
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b, NULL);
        return *ret ? 0 : -ENOMEM;
}

static int xml_leaf(const char *p, const char *end, const char *tag, char **ret) {
        const char *text;
        size_t n;
        int r;

        r = xml_element(p, end, tag, &text, &n);
        if (r < 0)
                return r;
        return xml_unescape(text, n, ret);
}

int sts_parse_credentials(const char *xml, size_t size, AwsCredentials *ret) {
        _cleanup_erase_ char *expiration = NULL;
        AwsCredentials c = {}; /* provider: the chain names it after the asking provider */
        const char *p;
        size_t n;
        int r;

        r = xml_element(xml, xml + size, "Credentials", &p, &n);
        if (r >= 0)
                r = xml_leaf(p, p + n, "AccessKeyId", &c.access_key_id);
        if (r >= 0)
                r = xml_leaf(p, p + n, "SecretAccessKey", &c.secret_access_key);
        if (r >= 0)
                r = xml_leaf(p, p + n, "SessionToken", &c.session_token);
        if (r >= 0)
                r = xml_leaf(p, p + n, "Expiration", &expiration);
        if (r >= 0 && (parse_iso8601(expiration, &c.expiration) < 0 || c.expiration == 0))
                r = -EBADMSG;
        if (r < 0) {
                aws_credentials_done(&c);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret = c;
        return 0;
}

char *sts_parse_error_code(const char *xml, size_t size) {
        const char *text, *start = memmem(xml, size, "<Code>", 6), *stop;

        if (!start)
                return NULL;
        text = start + 6;
        stop = memmem(text, size - (size_t) (text - xml), "</Code>", 7);
        if (!stop || stop == text || stop - text > 128)
                return NULL;
        for (const char *c = text; c < stop; c++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.", *c))
                        return NULL;
        return strndup(text, (size_t) (stop - text));
}

static const char *json_nonempty_string(json_t *root, const char *key) {
        json_t *v = json_object_get(root, key);

        if (!json_is_string(v) || json_string_length(v) == 0 ||
            strlen(json_string_value(v)) != json_string_length(v))
                return NULL;
        return json_string_value(v);
}

static void json_wipe(json_t *root) {
        static const char *const secret_keys[] = { "SecretAccessKey", "Token" };

        for (size_t i = 0; i < ELEMENTSOF(secret_keys); i++) {
                json_t *v = json_object_get(root, secret_keys[i]);
                if (json_is_string(v))
                        explicit_bzero((char *) json_string_value(v), json_string_length(v));
        }
        json_decref(root);
}

int container_parse_credentials(const char *json, size_t size, AwsCredentials *ret) {
        const char *code, *expiration;
        AwsCredentials c = {};
        json_t *root;
        int r = 0;

        root = json_loadb(json, size, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(root)) {
                json_decref(root);
                return -EBADMSG;
        }
        code = json_object_get(root, "Code") ? json_nonempty_string(root, "Code") : "Success";
        expiration = json_nonempty_string(root, "Expiration");
        c.access_key_id = (char *) json_nonempty_string(root, "AccessKeyId");
        c.secret_access_key = (char *) json_nonempty_string(root, "SecretAccessKey");
        c.session_token = (char *) json_nonempty_string(root, "Token");
        if (!code || !streq(code, "Success"))
                r = -EACCES;
        else if (!c.access_key_id || !c.secret_access_key ||
                 (json_object_get(root, "Token") && !c.session_token) ||
                 (expiration && (parse_iso8601(expiration, &c.expiration) < 0 || c.expiration == 0)))
                r = -EBADMSG;
        if (r >= 0)
                r = aws_credentials_copy(&c, ret);
        json_wipe(root);
        return r;
}

int form_urlencode(const char *s, char **ret) {
        static const char hex[] = "0123456789ABCDEF";
        StrBuf b = STRBUF_INIT(0);
        int r = strbuf_puts(&b, ""); /* terminated even when s is empty */

        for (const unsigned char *c = (const unsigned char *) s; r >= 0 && *c; c++) {
                if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                    strchr("-._~", *c))
                        r = strbuf_putc(&b, (char) *c);
                else
                        r = strbuf_append(&b, (char[]) { '%', hex[*c >> 4], hex[*c & 15] }, 3);
        }
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b, NULL);
        return *ret ? 0 : -ENOMEM;
}
