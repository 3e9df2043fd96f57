/* SPDX-License-Identifier: MIT */
/* State files: format, round trips, refusal of bad values, failed writes keep old state. */

#include <fcntl.h>
#include <sys/stat.h>

#include "shared/fileio.h"
#include "state.h"
#include "test.h"

static char *make_tmpdir(void) {
        char *d = strdup("/tmp/test-state-XXXXXX");

        if (!d || !mkdtemp(d))
                abort();
        return d;
}

static void rm_rf(const char *d) {
        char *cmd;

        if (asprintf(&cmd, "rm -rf '%s'", d) < 0)
                abort();
        (void) system(cmd);
        free(cmd);
}

static char *slurp(const char *path) {
        char *s = NULL;

        if (read_full_file(path, 65536, &s, NULL) < 0)
                return NULL;
        return s;
}

TEST(path_rules) {
        char *p = NULL;

        ASSERT_OK(state_path("/var/lib/cwlogd", "syslog", ".cursor", &p));
        ASSERT_STREQ(p, "/var/lib/cwlogd/syslog.cursor");
        free(p);
        ASSERT_ERR(state_path("/d", "a/b", ".cursor", &p), EINVAL);
        ASSERT_ERR(state_path("/d", "..", "", &p), EINVAL);
        ASSERT_ERR(state_path("/d", "", ".file", &p), EINVAL);
}

TEST(cursor_round_trip_is_readable_text) {
        char *d = make_tmpdir(), *path, *text, *cursor = NULL;

        ASSERT_ERR(state_cursor_load(d, "sec", &cursor), ENOENT);
        ASSERT_OK(state_cursor_save(d, "sec", "s=abc;i=1;t=5"));
        ASSERT_OK(asprintf(&path, "%s/sec.cursor", d));
        text = slurp(path);
        ASSERT_STREQ(text, "# cwlogd journal position, written after CloudWatch acknowledged every entry up to "
                           "here\ncursor=s=abc;i=1;t=5\n");
        ASSERT_OK(state_cursor_load(d, "sec", &cursor));
        ASSERT_STREQ(cursor, "s=abc;i=1;t=5");
        free(cursor);
        free(text);
        free(path);
        rm_rf(d);
        free(d);
}

TEST(parse_skips_comments_blank_and_keeps_unknown_keys_apart) {
        char **kv = NULL;

        ASSERT_OK(state_parse("# hello\n\n  cursor = x=1;y=2 \nfuture=thing\n", &kv));
        ASSERT_STREQ(state_kv_get(kv, "cursor"), "x=1;y=2");
        ASSERT_STREQ(state_kv_get(kv, "future"), "thing");
        ASSERT_NULL(state_kv_get(kv, "missing"));
        strv_free(kv);
        ASSERT_ERR(state_parse("cursor=1\nnot a pair\n", &kv), EBADMSG);
        ASSERT_ERR(state_parse("=value\n", &kv), EBADMSG);
}

TEST(file_without_cursor_is_bad) {
        char *d = make_tmpdir(), *path;

        ASSERT_OK(asprintf(&path, "%s/sec.cursor", d));
        ASSERT_OK(write_file_atomic(path, "# nothing\n", 10));
        {
                char *c = NULL;
                ASSERT_ERR(state_cursor_load(d, "sec", &c), EBADMSG);
        }
        free(path);
        rm_rf(d);
        free(d);
}

TEST(bad_values_refused_and_nothing_written) {
        char *d = make_tmpdir(), *path;
        struct stat st;

        ASSERT_OK(asprintf(&path, "%s/x", d));
        ASSERT_ERR(state_save(path, "c", (const char *const[]) { "k", "two\nlines", NULL }), EINVAL);
        ASSERT_ERR(state_save(path, "c", (const char *const[]) { "k=", "v", NULL }), EINVAL);
        ASSERT_ERR(state_save(path, "c", (const char *const[]) { "", "v", NULL }), EINVAL);
        ASSERT_TRUE(stat(path, &st) < 0 && errno == ENOENT);
        free(path);
        rm_rf(d);
        free(d);
}

TEST(failed_write_keeps_previous_state) {
        char *d = make_tmpdir(), *path, *tmp, *text, *cursor = NULL;

        ASSERT_OK(state_cursor_save(d, "sec", "old"));
        /* Make the temporary file impossible to create: a directory sits at its name. */
        ASSERT_OK(asprintf(&path, "%s/sec.cursor", d));
        ASSERT_OK(asprintf(&tmp, "%s.tmp.%ld", path, (long) getpid()));
        ASSERT_OK(mkdir(tmp, 0755));
        ASSERT_TRUE(state_cursor_save(d, "sec", "new") < 0);
        ASSERT_OK(state_cursor_load(d, "sec", &cursor));
        ASSERT_STREQ(cursor, "old");
        free(cursor);
        ASSERT_OK(rmdir(tmp));
        ASSERT_OK(state_cursor_save(d, "sec", "new"));
        text = slurp(path);
        ASSERT_TRUE(strstr(text, "cursor=new\n") != NULL);
        free(text);
        free(tmp);
        free(path);
        rm_rf(d);
        free(d);
}

TEST(state_dir_replaced_by_a_file_fails_cleanly) {
        char *d = make_tmpdir(), *sub;
        int fd;

        ASSERT_OK(asprintf(&sub, "%s/state", d));
        fd = open(sub, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ASSERT_TRUE(fd >= 0);
        close(fd);
        ASSERT_ERR(state_cursor_save(sub, "sec", "c"), ENOTDIR);
        free(sub);
        rm_rf(d);
        free(d);
}

TEST_MAIN()
