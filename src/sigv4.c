/* SPDX-License-Identifier: MIT */
/*
 * AWS Signature Version 4, header form; see sigv4.h.
 *
 * Builds the canonical request from the caller's method, wire path, query, headers and
 * payload, then the string to sign and the signature, exactly as the AWS test suite
 * (../shared/data/aws-sig-v4-test-suite) spells them. Pure: no clock, no I/O, no logging.
 *
 * Deliberately not here: presigned URLs (query-string auth), chunked/streaming payloads,
 * UNSIGNED-PAYLOAD, SigV4a. The signer never adds headers; the caller sends X-Amz-Date and
 * X-Amz-Security-Token itself and lists them to have them signed.
 *
 * Invariants: the derived signing key only lives on the stack and is wiped before return;
 * outputs are written only on success.
 */

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cw-limits.h"
#include "shared/strbuf.h"
#include "sigv4.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SHA256_SIZE 32U
_Static_assert(SIGV4_HASH_HEX_SIZE == 2 * SHA256_SIZE + 1, "hex digest size");

static bool is_unreserved(unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 encoding of every byte outside the unreserved set, upper-case hex. */
static int uri_encode(StrBuf *b, const char *s, size_t n) {
        static const char hex[] = "0123456789ABCDEF";
        int r;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

                r = is_unreserved(c) ? strbuf_putc(b, (char) c) : strbuf_append(b, esc, 3);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* Decodes %XX escapes (a '%' not followed by two hex digits stays literal), then encodes:
 * so already-encoded and raw query components canonicalise the same way. */
static int uri_reencode(StrBuf *b, const char *s, size_t n) {
        int r;

        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (c == '%' && i + 2 < n && unhex(s[i + 1]) >= 0 && unhex(s[i + 2]) >= 0) {
                        c = (char) (unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
                        i += 2;
                }
                r = uri_encode(b, &c, 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct Segment {
        const char *p;
        size_t n;
} Segment;

/* RFC 3986 §5.2.4 dot-segment removal plus the AWS rule that empty segments ('//') vanish;
 * then each remaining segment is encoded once more (so "%20" on the wire signs as "%2520"). */
static int canonical_path(StrBuf *b, const char *path) {
        _cleanup_free_ Segment *segs = NULL;
        size_t n_segs = 0, max_segs = 1;
        const char *last;
        bool trailing;
        int r;

        for (const char *p = path; *p; p++)
                max_segs += *p == '/';
        segs = calloc(max_segs, sizeof *segs);
        if (!segs)
                return -ENOMEM;

        for (const char *p = path; *p;) {
                size_t n = strcspn(p, "/");

                if (n == 2 && strncmp(p, "..", 2) == 0)
                        n_segs -= n_segs > 0;
                else if (n > 0 && !(n == 1 && p[0] == '.'))
                        segs[n_segs++] = (Segment) { p, n };
                p += n + (p[n] == '/');
        }
        /* "a/", "a/." and "a/b/.." all name a directory: keep the trailing slash. */
        last = strrchr(path, '/');
        last = last ? last + 1 : path;
        trailing = *path && (streq(last, "") || streq(last, ".") || streq(last, ".."));

        r = strbuf_putc(b, '/');
        for (size_t i = 0; r >= 0 && i < n_segs; i++) {
                if (i > 0)
                        r = strbuf_putc(b, '/');
                if (r >= 0)
                        r = uri_encode(b, segs[i].p, segs[i].n);
        }
        if (r >= 0 && trailing && n_segs > 0)
                r = strbuf_putc(b, '/');
        return r;
}

typedef struct QueryParam {
        char *name, *value;
} QueryParam;

static int query_param_compare(const void *a, const void *b) {
        const QueryParam *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c != 0 ? c : strcmp(x->value, y->value);
}

static char *reencoded(const char *s, size_t n) {
        StrBuf b = STRBUF_INIT(SIGV4_CANONICAL_REQUEST_MAX);

        /* strbuf_puts(""): allocated and terminated even when n is 0. */
        if (strbuf_puts(&b, "") < 0 || uri_reencode(&b, s, n) < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b, NULL);
}

static void query_params_free(QueryParam *q, size_t n) {
        for (size_t i = 0; q && i < n; i++) {
                free(q[i].name);
                free(q[i].value);
        }
        free(q);
}

/* Splits on '&', drops empty parameters, encodes each name and value, sorts by name then value. */
static int canonical_query(StrBuf *b, const char *query) {
        QueryParam *q = NULL;
        size_t n = 0, max = 1;
        int r = 0;

        if (isempty(query))
                return 0;
        for (const char *p = query; *p; p++)
                max += *p == '&';
        q = calloc(max, sizeof *q);
        if (!q)
                return -ENOMEM;

        for (const char *p = query; *p;) {
                size_t len = strcspn(p, "&"), name_len = strcspn(p, "=&");

                if (len > 0) {
                        q[n].name = reencoded(p, name_len);
                        q[n].value = name_len < len ? reencoded(p + name_len + 1, len - name_len - 1)
                                                    : strdup("");
                        n++;
                        if (!q[n - 1].name || !q[n - 1].value) {
                                r = -ENOMEM;
                                break;
                        }
                }
                p += len + (p[len] == '&');
        }
        if (r >= 0)
                qsort(q, n, sizeof *q, query_param_compare);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = strbuf_printf(b, "%s%s=%s", i > 0 ? "&" : "", q[i].name, q[i].value);
        query_params_free(q, n);
        return r;
}

typedef struct CanonHeader {
        char *name;
        const char *value;
        size_t index; /* keeps repeated headers in the order given */
} CanonHeader;

static int canon_header_compare(const void *a, const void *b) {
        const CanonHeader *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->index < y->index ? -1 : x->index > y->index;
}

static bool header_name_valid(const char *s) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= ' ' || *s == ':' || (unsigned char) *s >= 0x7f)
                        return false;
        return true;
}

/* Value with leading/trailing whitespace removed and inner runs folded to one space. */
static int append_header_value(StrBuf *b, const char *v) {
        bool space = false;
        int r;

        v += strspn(v, " \t");
        for (; *v; v++) {
                if (*v == '\r' || *v == '\n')
                        return -EINVAL; /* a header cannot span lines: refuse injection */
                if (*v == ' ' || *v == '\t') {
                        space = true;
                        continue;
                }
                if (space) {
                        r = strbuf_putc(b, ' ');
                        if (r < 0)
                                return r;
                        space = false;
                }
                r = strbuf_putc(b, *v);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int emit_headers(StrBuf *canon, StrBuf *signed_names, const CanonHeader *h, size_t n) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++) {
                bool same = i > 0 && streq(h[i].name, h[i - 1].name);

                if (same)
                        r = strbuf_putc(canon, ',');
                else {
                        if (i > 0)
                                r = strbuf_putc(canon, '\n');
                        if (r >= 0)
                                r = strbuf_printf(canon, "%s:", h[i].name);
                        if (r >= 0)
                                r = strbuf_printf(signed_names, "%s%s", i > 0 ? ";" : "", h[i].name);
                }
                if (r >= 0)
                        r = append_header_value(canon, h[i].value);
        }
        if (r >= 0 && n > 0)
                r = strbuf_putc(canon, '\n');
        return r;
}

static int canonical_headers(StrBuf *canon, StrBuf *signed_names, const SigV4Header *headers, size_t n) {
        CanonHeader *h;
        int r = 0;

        h = calloc(MAX(n, (size_t) 1), sizeof *h);
        if (!h)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (!header_name_valid(headers[i].name) || !headers[i].value) {
                        r = -EINVAL;
                        break;
                }
                h[i] = (CanonHeader) { .name = strdup(headers[i].name), .value = headers[i].value, .index = i };
                if (!h[i].name) {
                        r = -ENOMEM;
                        break;
                }
                for (char *c = h[i].name; *c; c++)
                        if (*c >= 'A' && *c <= 'Z')
                                *c = (char) (*c - 'A' + 'a');
        }
        if (r >= 0) {
                qsort(h, n, sizeof *h, canon_header_compare);
                r = emit_headers(canon, signed_names, h, n);
        }
        for (size_t i = 0; i < n; i++)
                free(h[i].name);
        free(h);
        return r;
}

static void hex_encode(const unsigned char *d, size_t n, char *out) {
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
        }
        out[2 * n] = 0;
}

int sigv4_hash_payload(const void *p, size_t n, char out[static SIGV4_HASH_HEX_SIZE]) {
        unsigned char md[SHA256_SIZE];
        unsigned len = 0;

        if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != SHA256_SIZE)
                return -EIO;
        hex_encode(md, SHA256_SIZE, out);
        return 0;
}

static int hmac(const void *key, size_t key_len, const char *data, unsigned char out[static SHA256_SIZE]) {
        unsigned len = 0;

        if (!HMAC(EVP_sha256(), key, (int) key_len, (const unsigned char *) data, strlen(data), out, &len) ||
            len != SHA256_SIZE)
                return -EIO;
        return 0;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
 * then the signature over the string to sign. Every intermediate key is wiped. */
static int compute_signature(const SigV4Input *in, const char *date, const char *sts,
                             char out[static 2 * SHA256_SIZE + 1]) {
        unsigned char k1[SHA256_SIZE], k2[SHA256_SIZE];
        _cleanup_erase_ char *secret = NULL;
        int r;

        if (asprintf(&secret, "AWS4%s", in->creds->secret_access_key) < 0)
                return -ENOMEM;
        r = hmac(secret, strlen(secret), date, k1);
        if (r >= 0)
                r = hmac(k1, SHA256_SIZE, in->region, k2);
        if (r >= 0)
                r = hmac(k2, SHA256_SIZE, in->service, k1);
        if (r >= 0)
                r = hmac(k1, SHA256_SIZE, "aws4_request", k2);
        if (r >= 0)
                r = hmac(k2, SHA256_SIZE, sts, k1);
        if (r >= 0)
                hex_encode(k1, SHA256_SIZE, out);
        explicit_bzero(k1, sizeof k1);
        explicit_bzero(k2, sizeof k2);
        return r;
}

static bool scope_part_valid(const char *s) {
        return !isempty(s) && !strpbrk(s, "/ \t\r\n");
}

static int build_canonical_request(const SigV4Input *in, StrBuf *creq, StrBuf *signed_names) {
        char payload_hash[2 * SHA256_SIZE + 1];
        int r;

        r = strbuf_printf(creq, "%s\n", in->method);
        if (r >= 0)
                r = in->no_path_normalization ? strbuf_puts(creq, isempty(in->path) ? "/" : in->path)
                                              : canonical_path(creq, strempty(in->path));
        if (r >= 0)
                r = strbuf_putc(creq, '\n');
        if (r >= 0)
                r = canonical_query(creq, in->query);
        if (r >= 0)
                r = strbuf_putc(creq, '\n');
        if (r >= 0)
                r = canonical_headers(creq, signed_names, in->headers, in->n_headers);
        if (r >= 0)
                r = in->payload_hash ? 0
                                     : sigv4_hash_payload(in->payload ?: "", in->payload ? in->payload_size : 0,
                                                          payload_hash);
        if (r >= 0)
                r = strbuf_printf(creq, "\n%s\n%s", signed_names->data ?: "", in->payload_hash ?: payload_hash);
        return r;
}

int sigv4_sign(const SigV4Input *in, SigV4Output *ret) {
        StrBuf creq = STRBUF_INIT(SIGV4_CANONICAL_REQUEST_MAX), names = STRBUF_INIT(SIGV4_CANONICAL_REQUEST_MAX);
        _cleanup_free_ char *sts = NULL, *authz = NULL, *signature = NULL;
        char date[9], creq_hash[2 * SHA256_SIZE + 1], sig[2 * SHA256_SIZE + 1];
        SigV4Output out = {};
        int r;

        if (!in || !ret || isempty(in->method) || !in->creds || isempty(in->creds->access_key_id) ||
            isempty(in->creds->secret_access_key) || !scope_part_valid(in->region) ||
            !scope_part_valid(in->service) || (in->n_headers > 0 && !in->headers))
                return -EINVAL;

        format_amz_date(in->now, out.amz_date);
        memcpy(date, out.amz_date, 8);
        date[8] = 0;

        r = strbuf_puts(&names, "");
        if (r >= 0)
                r = build_canonical_request(in, &creq, &names);
        if (r >= 0)
                r = sigv4_hash_payload(creq.data, creq.len, creq_hash);
        if (r >= 0 && asprintf(&sts, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", out.amz_date, date,
                               in->region, in->service, creq_hash) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = compute_signature(in, date, sts, sig);
        if (r >= 0 && asprintf(&authz, SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, "
                               "SignedHeaders=%s, Signature=%s", in->creds->access_key_id, date,
                               in->region, in->service, names.data, sig) < 0)
                r = -ENOMEM;
        if (r >= 0 && !(signature = strdup(sig)))
                r = -ENOMEM;
        if (r < 0) {
                strbuf_done(&creq);
                strbuf_done(&names);
                return r;
        }
        strbuf_done(&names);
        out.canonical_request = strbuf_steal(&creq, NULL);
        out.string_to_sign = TAKE_PTR(sts);
        out.signature = TAKE_PTR(signature);
        out.authorization = TAKE_PTR(authz);
        *ret = out;
        return 0;
}

void sigv4_output_done(SigV4Output *o) {
        if (!o)
                return;
        free(o->canonical_request);
        free(o->string_to_sign);
        free(o->signature);
        free(o->authorization);
        *o = (SigV4Output) {};
}
