/* SPDX-License-Identifier: MIT */
/*
 * The `encoding` key: Python codec names (what awslogs.conf files contain) resolved to one
 * canonical spelling, and each mapped to the name glibc's iconv knows, so the file source
 * can convert without its own table. Only codecs both sides know are listed; adding one is
 * a line here (test-config checks every iconv name opens).
 */

#include <ctype.h>

#include "config-internal.h"

typedef struct Encoding {
        const char *name;  /* Python's canonical codec name */
        const char *iconv; /* glibc iconv name */
        const char *aliases[8];
} Encoding;

static const Encoding encodings[] = {
        { "utf_8", "UTF-8", { "utf8", "u8", "utf", "cp65001" } },
        { "ascii", "ASCII", { "us_ascii", "646", "us" } },
        { "latin_1", "ISO-8859-1", { "latin1", "latin", "l1", "iso_8859_1", "iso8859_1", "8859", "cp819" } },
        { "iso8859_2", "ISO-8859-2", { "iso_8859_2", "latin2", "l2" } },
        { "iso8859_15", "ISO-8859-15", { "iso_8859_15", "latin9", "l9" } },
        { "cp1250", "CP1250", { "windows_1250" } },
        { "cp1251", "CP1251", { "windows_1251" } },
        { "cp1252", "CP1252", { "windows_1252" } },
        { "cp437", "CP437", { "437", "ibm437" } },
        { "utf_16", "UTF-16", { "utf16", "u16" } },
        { "utf_16_le", "UTF-16LE", { "utf_16le", "utf16le" } },
        { "utf_16_be", "UTF-16BE", { "utf_16be", "utf16be" } },
        { "utf_32", "UTF-32", { "utf32", "u32" } },
        { "utf_32_le", "UTF-32LE", { "utf_32le", "utf32le" } },
        { "utf_32_be", "UTF-32BE", { "utf_32be", "utf32be" } },
        { "shift_jis", "SHIFT_JIS", { "sjis", "shiftjis", "s_jis", "csshiftjis" } },
        { "cp932", "CP932", { "932", "ms932", "mskanji", "ms_kanji" } },
        { "euc_jp", "EUC-JP", { "eucjp", "ujis", "u_jis" } },
        { "iso2022_jp", "ISO-2022-JP", { "iso_2022_jp", "iso2022jp", "csiso2022jp" } },
        { "euc_kr", "EUC-KR", { "euckr", "korean", "ksc5601" } },
        { "gb2312", "GB2312", { "chinese", "euc_cn", "euccn" } },
        { "gbk", "GBK", { "936", "cp936", "ms936" } },
        { "gb18030", "GB18030", { "gb18030_2000" } },
        { "big5", "BIG5", { "big5_tw", "csbig5" } },
        { "koi8_r", "KOI8-R", {} },
        { "koi8_u", "KOI8-U", {} },
        { "mac_roman", "MACINTOSH", { "macroman", "macintosh" } },
};

static const Encoding *encoding_find(const char *name) {
        char norm[64];
        size_t n = strlen(name);

        if (n == 0 || n >= sizeof(norm))
                return NULL;
        /* Python's normalize_encoding() plus lower-casing: separators become '_'. */
        for (size_t i = 0; i <= n; i++)
                norm[i] = (name[i] == '-' || name[i] == ' ') ? '_' : (char) tolower((unsigned char) name[i]);
        for (size_t i = 0; i < ELEMENTSOF(encodings); i++) {
                if (streq(norm, encodings[i].name))
                        return &encodings[i];
                for (size_t j = 0; j < ELEMENTSOF(encodings[i].aliases) && encodings[i].aliases[j]; j++)
                        if (streq(norm, encodings[i].aliases[j]))
                                return &encodings[i];
        }
        return NULL;
}

const char *config_encoding_canonical(const char *name) {
        const Encoding *e = name ? encoding_find(name) : NULL;

        return e ? e->name : NULL;
}

const char *config_encoding_iconv_name(const char *encoding) {
        const Encoding *e = encoding ? encoding_find(encoding) : NULL;

        return e ? e->iconv : NULL;
}

const char *config_encoding_by_index(size_t i) {
        return i < ELEMENTSOF(encodings) ? encodings[i].name : NULL;
}
