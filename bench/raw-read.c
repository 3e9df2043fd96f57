/* SPDX-License-Identifier: MIT */
/*
 * raw-read: the baseline. Reads every entry of the journal files in DIR with the plainest
 * sd-journal loop there is -- sd_journal_next() + sd_journal_get_data("MESSAGE") -- and
 * prints the number of entries and MESSAGE bytes seen. Nothing is copied, parsed or sent:
 * this is how fast the journal can be read at all, the yardstick for cwlogd's CPU cost.
 *
 * Usage: raw-read DIR     prints {"entries":N,"message_bytes":B}
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>

int main(int argc, char *argv[]) {
        sd_journal *j = NULL;
        uint64_t entries = 0, bytes = 0;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: raw-read DIR\n");
                return 2;
        }
        r = sd_journal_open_directory(&j, argv[1], 0);
        if (r < 0) {
                fprintf(stderr, "raw-read: cannot open journal directory '%s': %s\n", argv[1], strerror(-r));
                return 1;
        }
        for (;;) {
                const void *data;
                size_t len;

                r = sd_journal_next(j);
                if (r < 0) {
                        fprintf(stderr, "raw-read: sd_journal_next: %s\n", strerror(-r));
                        break;
                }
                if (r == 0)
                        break;
                entries++;
                r = sd_journal_get_data(j, "MESSAGE", &data, &len);
                if (r >= 0)
                        bytes += len - strlen("MESSAGE=");
                else if (r != -ENOENT)
                        fprintf(stderr, "raw-read: sd_journal_get_data: %s\n", strerror(-r));
        }
        sd_journal_close(j);
        printf("{\"entries\":%" PRIu64 ",\"message_bytes\":%" PRIu64 "}\n", entries, bytes);
        return r < 0 ? 1 : 0;
}
