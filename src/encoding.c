/* SPDX-License-Identifier: MIT */
/*
 * Codec name table (Python name -> glibc iconv name), a UTF-8 validator with Python's
 * "maximal subpart" replacement, and an iconv loop that turns EILSEQ into U+FFFD.
 * Not done: codecs glibc lacks or decodes differently from Python (cp720, cp1006, hz,
 * iso2022_jp_1/_2004/_ext, mac_greek, mac_iceland, mac_turkish): -EOPNOTSUPP at setup,
 * which the config check reports, rather than silently different text.
 */

#include <ctype.h>
#include <iconv.h>

#include "encoding.h"

typedef enum Family {
        FAMILY_UTF8,
        FAMILY_ICONV,
        FAMILY_UTF16, /* byte order from BOM, else LE */
        FAMILY_UTF32,
} Family;

typedef struct Codec {
        const char *name;  /* Python's canonical name */
        const char *iconv; /* glibc name; NULL for the built-in UTF-8 path */
        Family family;
        const char *aliases; /* space separated, normalised */
} Codec;

#define ICONV(n, i, a) { n, i, FAMILY_ICONV, a }

static const Codec codecs[] = {
        { "utf_8", NULL, FAMILY_UTF8, "utf8 u8 utf cp65001 utf8_ucs2 utf8_ucs4" },
        { "utf_8_sig", NULL, FAMILY_UTF8, "utf8_sig" },
        { "utf_16", "UTF-16LE", FAMILY_UTF16, "u16 utf16" },
        { "utf_16_le", "UTF-16LE", FAMILY_ICONV, "utf_16le unicodelittleunmarked" },
        { "utf_16_be", "UTF-16BE", FAMILY_ICONV, "utf_16be unicodebigunmarked" },
        { "utf_32", "UTF-32LE", FAMILY_UTF32, "u32 utf32" },
        { "utf_32_le", "UTF-32LE", FAMILY_ICONV, "utf_32le" },
        { "utf_32_be", "UTF-32BE", FAMILY_ICONV, "utf_32be" },
        ICONV("utf_7", "UTF-7", "u7 utf7 unicode_1_1_utf_7"),
        ICONV("ascii", "ASCII", "646 us_ascii us ansi_x3.4_1968 ansi_x3_4_1968 iso646_us cp367 ibm367"),
        ICONV("latin_1", "ISO-8859-1", "iso8859_1 iso_8859_1 8859 cp819 l1 latin latin1 iso_ir_100"),
        ICONV("iso8859_2", "ISO-8859-2", "iso_8859_2 l2 latin2"),
        ICONV("iso8859_3", "ISO-8859-3", "iso_8859_3 l3 latin3"),
        ICONV("iso8859_4", "ISO-8859-4", "iso_8859_4 l4 latin4"),
        ICONV("iso8859_5", "ISO-8859-5", "iso_8859_5 cyrillic"),
        ICONV("iso8859_6", "ISO-8859-6", "iso_8859_6 arabic"),
        ICONV("iso8859_7", "ISO-8859-7", "iso_8859_7 greek greek8"),
        ICONV("iso8859_8", "ISO-8859-8", "iso_8859_8 hebrew"),
        ICONV("iso8859_9", "ISO-8859-9", "iso_8859_9 l5 latin5"),
        ICONV("iso8859_10", "ISO-8859-10", "iso_8859_10 l6 latin6"),
        ICONV("iso8859_13", "ISO-8859-13", "iso_8859_13 l7 latin7"),
        ICONV("iso8859_14", "ISO-8859-14", "iso_8859_14 l8 latin8"),
        ICONV("iso8859_15", "ISO-8859-15", "iso_8859_15 l9 latin9"),
        ICONV("iso8859_16", "ISO-8859-16", "iso_8859_16 l10 latin10"),
        ICONV("cp1250", "CP1250", "windows_1250"), ICONV("cp1251", "CP1251", "windows_1251"),
        ICONV("cp1252", "CP1252", "windows_1252"), ICONV("cp1253", "CP1253", "windows_1253"),
        ICONV("cp1254", "CP1254", "windows_1254"), ICONV("cp1255", "CP1255", "windows_1255"),
        ICONV("cp1256", "CP1256", "windows_1256"), ICONV("cp1257", "CP1257", "windows_1257"),
        ICONV("cp1258", "CP1258", "windows_1258"),
        ICONV("cp037", "IBM037", "ibm037 ibm039"), ICONV("cp424", "IBM424", "ibm424"),
        ICONV("cp437", "IBM437", "437 ibm437"), ICONV("cp500", "IBM500", "ibm500"),
        ICONV("cp737", "CP737", ""), ICONV("cp775", "IBM775", "ibm775"),
        ICONV("cp850", "IBM850", "850 ibm850"), ICONV("cp852", "IBM852", "852 ibm852"),
        ICONV("cp855", "IBM855", "855 ibm855"), ICONV("cp856", "IBM856", ""),
        ICONV("cp857", "IBM857", "857 ibm857"), ICONV("cp858", "IBM858", "858 ibm858"),
        ICONV("cp860", "IBM860", "860 ibm860"), ICONV("cp861", "IBM861", "861 ibm861"),
        ICONV("cp862", "IBM862", "862 ibm862"), ICONV("cp863", "IBM863", "863 ibm863"),
        ICONV("cp864", "IBM864", "864 ibm864"), ICONV("cp865", "IBM865", "865 ibm865"),
        ICONV("cp866", "IBM866", "866 ibm866"), ICONV("cp869", "IBM869", "869 ibm869"),
        ICONV("cp874", "CP874", ""), ICONV("cp875", "IBM875", ""),
        ICONV("cp1026", "IBM1026", "ibm1026"), ICONV("cp1140", "IBM1140", "ibm1140"),
        ICONV("cp932", "CP932", "932 ms932 mskanji ms_kanji"),
        ICONV("cp949", "CP949", "949 ms949 uhc"), ICONV("cp950", "CP950", "950 ms950"),
        ICONV("koi8_r", "KOI8-R", ""), ICONV("koi8_u", "KOI8-U", ""),
        ICONV("mac_cyrillic", "MAC-CYRILLIC", "maccyrillic"),
        ICONV("mac_latin2", "MAC-CENTRALEUROPE", "maclatin2 maccentraleurope mac_centeuro"),
        ICONV("mac_roman", "MACINTOSH", "macroman macintosh"),
        ICONV("ptcp154", "PT154", "csptcp154 pt154 cp154 cyrillic_asian"),
        ICONV("big5", "BIG5", "big5_tw csbig5"), ICONV("big5hkscs", "BIG5-HKSCS", "big5_hkscs hkscs"),
        ICONV("gb2312", "EUC-CN", "chinese csiso58gb231280 euc_cn euccn eucgb2312_cn gb2312_1980 gb2312_80 iso_ir_58"),
        ICONV("gbk", "GBK", "936 cp936 ms936"), ICONV("gb18030", "GB18030", "gb18030_2000"),
        ICONV("euc_jp", "EUC-JP", "eucjp ujis u_jis"),
        ICONV("euc_jis_2004", "EUC-JISX0213", "jisx0213 eucjis2004"),
        ICONV("euc_jisx0213", "EUC-JISX0213", "eucjisx0213"),
        ICONV("euc_kr", "EUC-KR", "euckr korean ksc5601 ks_c_5601 ks_c_5601_1987 ksx1001 ks_x_1001"),
        ICONV("johab", "JOHAB", "cp1361 ms1361"),
        ICONV("shift_jis", "SHIFT_JIS", "csshiftjis shiftjis sjis s_jis"),
        ICONV("shift_jis_2004", "SHIFT_JISX0213", "shiftjis2004 sjis_2004 s_jis_2004"),
        ICONV("shift_jisx0213", "SHIFT_JISX0213", "shiftjisx0213 sjisx0213 s_jisx0213"),
        ICONV("iso2022_jp", "ISO-2022-JP", "csiso2022jp iso2022jp iso_2022_jp"),
        ICONV("iso2022_jp_2", "ISO-2022-JP-2", "iso2022jp_2 iso_2022_jp_2"),
        ICONV("iso2022_jp_3", "ISO-2022-JP-3", "iso2022jp_3 iso_2022_jp_3"),
        ICONV("iso2022_kr", "ISO-2022-KR", "csiso2022kr iso2022kr iso_2022_kr"),
};

struct Encoding {
        const Codec *codec;
        iconv_t cd;
        const char *newline;
        size_t unit;
        bool sig;         /* utf_8_sig */
        bool yen_tilde;   /* shift_jis: glibc reads 0x5C/0x7E as JIS Roman, Python as ASCII */
};

static void normalise(const char *in, char *out, size_t size) {
        size_t i = 0;

        for (; *in && i + 1 < size; in++)
                out[i++] = (*in == '-' || *in == ' ') ? '_' : (char) tolower((unsigned char) *in);
        out[i] = 0;
}

static bool word_in(const char *word, const char *list) {
        size_t l = strlen(word);

        for (const char *p = list; *p;) {
                size_t n = strcspn(p, " ");
                if (n == l && strncmp(p, word, n) == 0)
                        return true;
                p += n + (p[n] == ' ');
        }
        return false;
}

static const Codec *codec_lookup(const char *python_name) {
        char n[64];

        normalise(python_name, n, sizeof n);
        for (size_t i = 0; i < ELEMENTSOF(codecs); i++)
                if (streq(codecs[i].name, n) || word_in(n, codecs[i].aliases))
                        return &codecs[i];
        return NULL;
}

bool encoding_is_supported(const char *python_name) {
        return codec_lookup(python_name);
}

static const char *ebcdic_codecs[] = { "cp037", "cp424", "cp500", "cp875", "cp1026", "cp1140" };

static void set_byte_order(Encoding *e, bool big_endian) {
        bool wide = e->codec->family == FAMILY_UTF32 || strstr(e->codec->iconv ?: "", "32");

        e->unit = wide ? 4 : 2;
        if (wide)
                e->newline = big_endian ? "\0\0\0\n" : "\n\0\0\0";
        else
                e->newline = big_endian ? "\0\n" : "\n\0";
}

static int open_iconv(Encoding *e, const char *name) {
        if (e->cd != (iconv_t) -1)
                (void) iconv_close(e->cd);
        e->cd = iconv_open("UTF-8", name);
        if (e->cd == (iconv_t) -1)
                return errno == EINVAL ? -EOPNOTSUPP : negative_errno();
        return 0;
}

int encoding_new(const char *python_name, Encoding **ret) {
        const Codec *c = codec_lookup(python_name);
        Encoding *e;
        int r;

        if (!c)
                return -EOPNOTSUPP;
        e = calloc(1, sizeof(Encoding));
        if (!e)
                return -ENOMEM;
        *e = (Encoding) { .codec = c, .cd = (iconv_t) -1, .newline = "\n", .unit = 1 };
        e->sig = streq(c->name, "utf_8_sig");
        e->yen_tilde = streq(c->name, "shift_jis");
        for (size_t i = 0; i < ELEMENTSOF(ebcdic_codecs); i++)
                if (streq(c->name, ebcdic_codecs[i]))
                        e->newline = "\x25"; /* EBCDIC LF */
        if (c->iconv) {
                r = open_iconv(e, c->iconv);
                if (r < 0) {
                        free(e);
                        return r;
                }
        }
        if (startswith(c->name, "utf_16") || startswith(c->name, "utf_32"))
                set_byte_order(e, strstr(c->iconv, "BE"));
        *ret = e;
        return 0;
}

Encoding *encoding_free(Encoding *e) {
        if (!e)
                return NULL;
        if (e->cd != (iconv_t) -1)
                (void) iconv_close(e->cd);
        return mfree(e);
}

const char *encoding_name(const Encoding *e) {
        return e->codec->name;
}

size_t encoding_newline(const Encoding *e, const char **ret_bytes) {
        *ret_bytes = e->newline;
        return e->unit;
}

void encoding_reset(Encoding *e) {
        if (e->cd != (iconv_t) -1)
                (void) iconv(e->cd, NULL, NULL, NULL, NULL);
}

int encoding_start(Encoding *e, const char *head, size_t n) {
        const unsigned char *h = (const unsigned char *) head;
        bool big;
        int r;

        encoding_reset(e);
        if (e->sig) {
                if (n < 3 && memcmp(head, "\xef\xbb\xbf", n) == 0)
                        return -EAGAIN;
                return n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
        }
        if (e->codec->family != FAMILY_UTF16 && e->codec->family != FAMILY_UTF32)
                return 0;
        if (e->codec->family == FAMILY_UTF16) {
                if (n < 2)
                        return -EAGAIN;
                big = h[0] == 0xfe && h[1] == 0xff;
                r = (big || (h[0] == 0xff && h[1] == 0xfe)) ? 2 : 0;
        } else {
                if (n < 4)
                        return -EAGAIN;
                big = memcmp(head, "\0\0\xfe\xff", 4) == 0;
                r = (big || memcmp(head, "\xff\xfe\0\0", 4) == 0) ? 4 : 0;
        }
        set_byte_order(e, big);
        if (open_iconv(e, e->codec->family == FAMILY_UTF16 ? (big ? "UTF-16BE" : "UTF-16LE")
                                                           : (big ? "UTF-32BE" : "UTF-32LE")) < 0)
                return -EOPNOTSUPP;
        return r;
}

#define REPLACEMENT "\xef\xbf\xbd"

/* One UTF-8 character at s: 1 and its length if valid, 0 if s ends inside a valid beginning,
 * -1 and the length of the maximal invalid subpart (Unicode §3.9, as Python) otherwise. */
static int utf8_step(const unsigned char *s, size_t n, size_t *ret_len) {
        unsigned char b = s[0], lo = 0x80, hi = 0xbf;
        size_t need;

        if (b < 0x80)
                need = 0;
        else if (b >= 0xc2 && b <= 0xdf)
                need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
                need = 2;
                lo = b == 0xe0 ? 0xa0 : 0x80;
                hi = b == 0xed ? 0x9f : 0xbf;
        } else if (b >= 0xf0 && b <= 0xf4) {
                need = 3;
                lo = b == 0xf0 ? 0x90 : 0x80;
                hi = b == 0xf4 ? 0x8f : 0xbf;
        } else {
                *ret_len = 1;
                return -1;
        }
        for (size_t i = 1; i <= need; i++) {
                if (i >= n)
                        return 0;
                if (s[i] < lo || s[i] > hi) {
                        *ret_len = i;
                        return -1;
                }
                lo = 0x80;
                hi = 0xbf;
        }
        *ret_len = need + 1;
        return 1;
}

static int convert_utf8(const char *in, size_t n, bool final, StrBuf *out, size_t *ret_consumed) {
        const unsigned char *u = (const unsigned char *) in;
        size_t i = 0, start = 0, l;
        int k, r;

        while (i < n) {
                if (u[i] < 0x80) {
                        i++;
                        continue;
                }
                k = utf8_step(u + i, n - i, &l);
                if (k > 0) {
                        i += l;
                        continue;
                }
                r = strbuf_append(out, in + start, i - start);
                if (r < 0)
                        return r;
                if (k == 0 && !final) {
                        *ret_consumed = i;
                        return 0;
                }
                r = strbuf_append(out, REPLACEMENT, STRLEN(REPLACEMENT));
                if (r < 0)
                        return r;
                i = k == 0 ? n : i + l;
                start = i;
        }
        r = strbuf_append(out, in + start, i - start);
        if (r < 0)
                return r;
        *ret_consumed = i;
        return 0;
}

/* Appends iconv output; for shift_jis maps glibc's JIS-Roman yen/overline back to the ASCII
 * backslash/tilde that the same bytes mean to Python (and to every log writer). */
static int append_output(const Encoding *e, StrBuf *out, const char *p, size_t n) {
        size_t start = 0;
        int r;

        if (!e->yen_tilde)
                return strbuf_append(out, p, n);
        for (size_t i = 0; i < n; i++) {
                const char *ascii = NULL;
                size_t l = 0;

                if (n - i >= 2 && memcmp(p + i, "\xc2\xa5", 2) == 0)
                        ascii = "\\", l = 2;
                else if (n - i >= 3 && memcmp(p + i, "\xe2\x80\xbe", 3) == 0)
                        ascii = "~", l = 3;
                if (!ascii)
                        continue;
                r = strbuf_append(out, p + start, i - start);
                if (r < 0)
                        return r;
                r = strbuf_append(out, ascii, 1);
                if (r < 0)
                        return r;
                i += l - 1;
                start = i + 1;
        }
        return strbuf_append(out, p + start, n - start);
}

static int convert_iconv(Encoding *e, const char *in, size_t n, bool final, StrBuf *out, size_t *ret_consumed) {
        char buf[4096], *ip = (char *) in, *op;
        size_t left = n, room, k;
        int err, r;

        while (left > 0) {
                op = buf;
                room = sizeof buf;
                k = iconv(e->cd, &ip, &left, &op, &room);
                err = k == (size_t) -1 ? errno : 0;
                r = append_output(e, out, buf, (size_t) (op - buf));
                if (r < 0)
                        return r;
                if (err == 0 || err == E2BIG)
                        continue;
                if (err == EINVAL && !final)
                        break; /* incomplete character: wait for more */
                if (err != EILSEQ && err != EINVAL)
                        return -err;
                r = strbuf_append(out, REPLACEMENT, STRLEN(REPLACEMENT));
                if (r < 0)
                        return r;
                /* a bad unit is skipped; an incomplete tail at the end is one replacement */
                k = err == EINVAL ? left : MIN(e->unit, left);
                ip += k;
                left -= k;
        }
        *ret_consumed = (size_t) (ip - in);
        return 0;
}

int encoding_convert(Encoding *e, const char *in, size_t n, bool final, StrBuf *out, size_t *ret_consumed) {
        size_t consumed = 0;
        int r;

        if (e->codec->family == FAMILY_UTF8)
                r = convert_utf8(in, n, final, out, &consumed);
        else
                r = convert_iconv(e, in, n, final, out, &consumed);
        if (r < 0)
                return r;
        if (ret_consumed)
                *ret_consumed = consumed;
        return 0;
}
