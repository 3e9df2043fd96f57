/* SPDX-License-Identifier: MIT */
/* File checkpoints: format, parse, save/load round trip. */

#include <sys/stat.h>

#include "file-state.h"
#include "shared/fileio.h"
#include "test.h"

TEST(format_and_parse_round_trip) {
        _cleanup_(file_checkpoint_freep) FileCheckpoint *c = NULL, *d = NULL;
        _cleanup_free_ char *text = NULL;

        ASSERT_OK(file_checkpoint_new(2049, 1234567, "abc123", 4096, "/var/log/app.log", &c));
        ASSERT_OK(file_checkpoint_format(c, &text));
        ASSERT_STREQ(text, "path=/var/log/app.log\ndev=2049\nino=1234567\nfingerprint=abc123\noffset=4096\n");
        ASSERT_OK(file_checkpoint_parse(text, &d));
        ASSERT_EQ(d->dev, 2049);
        ASSERT_EQ(d->ino, 1234567);
        ASSERT_EQ(d->offset, 4096);
        ASSERT_STREQ(d->fingerprint, "abc123");
        ASSERT_STREQ(d->path, "/var/log/app.log");
}

TEST(parse_rejects_incomplete_or_bad) {
        FileCheckpoint *c = NULL;

        ASSERT_ERR(file_checkpoint_parse("dev=1\nino=2\n", &c), EBADMSG);
        ASSERT_ERR(file_checkpoint_parse("dev=1\nino=x\noffset=3\n", &c), EBADMSG);
        ASSERT_ERR(file_checkpoint_parse("dev=1\nino=2\noffset=-3\n", &c), EBADMSG);
        ASSERT_ERR(file_checkpoint_parse("", &c), EBADMSG);
        ASSERT_NULL(c);
        /* unknown keys and an empty fingerprint are fine */
        ASSERT_OK(file_checkpoint_parse("future=1\ndev=1\nino=2\nfingerprint=\noffset=3", &c));
        ASSERT_STREQ(c->fingerprint, "");
        file_checkpoint_free(c);
}

TEST(save_and_load) {
        char dir[] = "/tmp/test-file-state-XXXXXX";
        _cleanup_(file_checkpoint_freep) FileCheckpoint *c = NULL, *d = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;

        ASSERT_NOT_NULL(mkdtemp(dir));
        ASSERT_ERR(file_checkpoint_load(dir, "app", &d), ENOENT);
        ASSERT_OK(file_checkpoint_new(1, 2, "", 3, "/x", &c));
        ASSERT_OK(file_state_path(dir, "app", &path));
        ASSERT_STREQ(path + strlen(dir), "/app.file");
        ASSERT_OK(file_checkpoint_format(c, &text));
        ASSERT_OK(write_file_atomic(path, text, strlen(text)));
        ASSERT_OK(file_checkpoint_load(dir, "app", &d));
        ASSERT_EQ(d->offset, 3);
        ASSERT_OK(unlink(path));
        ASSERT_OK(rmdir(dir));
}

TEST_MAIN()
