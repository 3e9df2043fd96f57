/* SPDX-License-Identifier: MIT */
/* Ordered acknowledgement: commits only once every earlier record is settled. */

#include "ack.h"
#include "test.h"

static char *committed[16];
static unsigned n_committed, n_freed;

static void commit(void *token, void *userdata) {
        (void) userdata;
        committed[n_committed++] = token;
}

static void free_token(void *token) {
        (void) token;
        n_freed++;
}

static void reset(void) {
        n_committed = n_freed = 0;
}

/* A fresh tracker (counters reset) holding n sealed chunks: chunk i has records[i] records
 * and the token tokens[i]; ret[i] is its chunk. */
static AckTracker *tracker_with_chunks(size_t n, const unsigned *records, char *const *tokens, AckChunk **ret) {
        AckTracker *t;

        reset();
        ASSERT_OK(ack_tracker_new(commit, free_token, NULL, &t));
        for (size_t i = 0; i < n; i++) {
                for (unsigned k = 0; k < records[i]; k++)
                        ASSERT_OK(ack_tracker_add_record(t, &ret[i]));
                ASSERT_OK(ack_tracker_seal(t, tokens[i]));
        }
        return t;
}

TEST(commits_in_order_when_acks_arrive_out_of_order) {
        AckChunk *c[2];
        AckTracker *t = tracker_with_chunks(2, (unsigned[]) { 1, 2 }, (char *[]) { "A", "B" }, c);

        ASSERT_EQ(ack_tracker_pending(t), 3);

        ack_chunk_done(c[1], 2);
        ASSERT_EQ(n_committed, 0); /* A still pending */
        ack_chunk_done(c[0], 1);
        ASSERT_EQ(n_committed, 1); /* only the newest token is committed */
        ASSERT_STREQ(committed[0], "B");
        ASSERT_EQ(n_freed, 1); /* A's token freed unused */
        ASSERT_TRUE(ack_tracker_idle(t));
        ack_tracker_detach(t);
}

TEST(unsealed_chunk_never_commits) {
        AckTracker *t;
        AckChunk *a;

        reset();
        ASSERT_OK(ack_tracker_new(commit, free_token, NULL, &t));
        ASSERT_OK(ack_tracker_add_record(t, &a));
        ack_chunk_done(a, 1);
        ASSERT_EQ(n_committed, 0);
        ASSERT_EQ(ack_tracker_open_records(t), 1);
        ASSERT_OK(ack_tracker_seal(t, "A"));
        ASSERT_EQ(n_committed, 1);
        ack_tracker_detach(t);
}

TEST(empty_seal_moves_checkpoint) {
        AckTracker *t;

        reset();
        ASSERT_OK(ack_tracker_new(commit, free_token, NULL, &t));
        ASSERT_OK(ack_tracker_seal(t, "skip"));
        ASSERT_EQ(n_committed, 1);
        ASSERT_STREQ(committed[0], "skip");
        ack_tracker_detach(t);
}

TEST(detached_tracker_outlives_source_and_commits_nothing) {
        AckTracker *t;
        AckChunk *a, *b;

        reset();
        ASSERT_OK(ack_tracker_new(commit, free_token, NULL, &t));
        ASSERT_OK(ack_tracker_add_record(t, &a));
        ASSERT_OK(ack_tracker_seal(t, "A"));
        ASSERT_OK(ack_tracker_add_record(t, &b));
        ack_tracker_detach(t);
        ack_chunk_done(b, 1); /* the open chunk, sealed at detach */
        ack_chunk_done(a, 1); /* the last chunk frees the tracker (ASan checks) */
        ASSERT_EQ(n_committed, 0);
        ASSERT_EQ(n_freed, 1); /* A's token, freed instead of committed */
}

TEST(abandoned_record_stops_all_later_commits) {
        AckChunk *c[2];
        AckTracker *t = tracker_with_chunks(2, (unsigned[]) { 1, 1 }, (char *[]) { "A", "B" }, c);

        ack_chunk_abandon(c[0], 1);
        ack_chunk_done(c[1], 1);
        ASSERT_EQ(n_committed, 0); /* B would imply A was delivered */
        ASSERT_EQ(n_freed, 2);
        ASSERT_TRUE(ack_tracker_idle(t));
        ack_tracker_detach(t);
}

TEST(hold_commits_once_for_many_chunks) {
        AckChunk *c[3];
        AckTracker *held, *t = tracker_with_chunks(3, (unsigned[]) { 1, 1, 1 }, (char *[]) { "A", "B", "C" }, c);

        held = ack_chunk_hold(c[0]);
        for (size_t i = 0; i < 3; i++)
                ack_chunk_done(c[i], 1);
        ASSERT_EQ(n_committed, 0); /* nothing while held */
        ack_tracker_release(held);
        ASSERT_EQ(n_committed, 1);
        ASSERT_STREQ(committed[0], "C");
        ASSERT_EQ(n_freed, 2);
        ack_tracker_detach(t);
}

TEST_MAIN()
