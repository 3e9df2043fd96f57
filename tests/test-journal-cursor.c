/* SPDX-License-Identifier: MIT */
/* Journal cursor parsing. */

#include "journal-cursor.h"
#include "test.h"

#define GOOD "s=601d3cbf8222496f84ded6d6fdc1a478;i=1f;b=0123456789abcdef0123456789abcdef;m=3e8;t=60a24181e4000;x=49fe518259e39a54"

TEST(parses_a_real_cursor) {
        JournalCursor c;

        ASSERT_OK(journal_cursor_parse(GOOD, &c));
        ASSERT_STREQ(c.seqnum_id, "601d3cbf8222496f84ded6d6fdc1a478");
        ASSERT_STREQ(c.boot_id, "0123456789abcdef0123456789abcdef");
        ASSERT_EQ(c.seqnum, 0x1f);
        ASSERT_EQ(c.monotonic, 1000);
        ASSERT_EQ(c.realtime, 1700000000000000ULL);
        ASSERT_EQ(c.xor_hash, 0x49fe518259e39a54ULL);
}

TEST(tolerates_new_fields) {
        JournalCursor c;

        ASSERT_OK(journal_cursor_parse(GOOD ";z=1", &c));
}

TEST(rejects_garbage) {
        JournalCursor c;

        ASSERT_ERR(journal_cursor_parse("", &c), EINVAL);
        ASSERT_ERR(journal_cursor_parse("hello", &c), EINVAL);
        ASSERT_ERR(journal_cursor_parse("s=601d3cbf8222496f84ded6d6fdc1a478;i=1", &c), EINVAL);
        ASSERT_ERR(journal_cursor_parse("s=601d;i=1f;b=0123456789abcdef0123456789abcdef;m=3e8;t=6;x=4", &c), EINVAL);
        ASSERT_ERR(journal_cursor_parse("s=601d3cbf8222496f84ded6d6fdc1a478;i=zz;b=0123456789abcdef0123456789abcdef;"
                                        "m=3e8;t=6;x=4", &c), EINVAL);
}

TEST_MAIN()
