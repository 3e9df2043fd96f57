/* SPDX-License-Identifier: MIT */
/* The payload worker: what comes back (gunzips to the body, hash a SigV4 verifier would
 * compute), in what order, and what cancelling and freeing at every stage do. */

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <zlib.h>

#include "payload-worker.h"
#include "sigv4.h"
#include "test.h"
#include "thread-test.h"

#define N_JOBS 24

typedef struct Answer {
        int calls;
        int error;
        int order; /* position among all answers */
        StrBuf payload;
        char hash[SIGV4_HASH_HEX_SIZE];
} Answer;

typedef struct Harness {
        sd_event *event;
        PayloadWorker *worker;
        Answer answers[N_JOBS];
        PayloadJob *jobs[N_JOBS];
        int answered;
        int cancel_next_from; /* the answer for job i cancels job i + 1 when i >= this */
} Harness;

static Harness h;

static void on_payload(int error, StrBuf *payload, const char *sha256_hex, void *userdata) {
        int i = (int) (intptr_t) userdata;
        Answer *a = &h.answers[i];

        a->calls++;
        a->error = error;
        a->order = h.answered++;
        h.jobs[i] = NULL;
        if (error >= 0) {
                a->payload = *payload; /* taken over, as cw-client does */
                *payload = (StrBuf) {};
                (void) snprintf(a->hash, sizeof a->hash, "%s", sha256_hex);
        }
        if (i >= h.cancel_next_from && i + 1 < N_JOBS && h.jobs[i + 1]) {
                payload_job_cancel(h.jobs[i + 1]);
                h.jobs[i + 1] = NULL;
        }
}

static void harness_start(void) {
        h = (Harness) { .cancel_next_from = N_JOBS };
        ASSERT_OK(sd_event_new(&h.event));
        ASSERT_OK(payload_worker_new(h.event, &h.worker));
}

static void harness_stop(void) {
        h.worker = payload_worker_free(h.worker);
        h.event = sd_event_unref(h.event);
        for (int i = 0; i < N_JOBS; i++)
                strbuf_done(&h.answers[i].payload);
}

/* Runs the loop until `want` answers arrived (or 10 s passed). */
static void run_until(int want) {
        for (int spins = 0; h.answered < want && spins < 1000; spins++)
                ASSERT_OK(sd_event_run(h.event, 10 * USEC_PER_MSEC));
}

/* A PutLogEvents-like body of about `size` bytes, different for every seed. */
static void make_body(StrBuf *b, unsigned seed, size_t size) {
        strbuf_init(b, 0);
        ASSERT_OK(strbuf_puts(b, "{\"logEvents\":["));
        for (unsigned i = 0; b->len < size; i++)
                ASSERT_OK(strbuf_printf(b, "%s{\"timestamp\":%u,\"message\":\"job %u line %u: GET /api/%u\"}",
                                        i ? "," : "", 1700000000U + i, seed, i, (i * 7919U + seed) % 1000));
        ASSERT_OK(strbuf_puts(b, "]}"));
}

static size_t gunzip(const StrBuf *in, char *out, size_t out_size) {
        z_stream z = {};
        size_t len;
        int r;

        ASSERT_TRUE(inflateInit2(&z, 15 + 16) == Z_OK);
        z.next_in = (Bytef *) in->data;
        z.avail_in = (uInt) in->len;
        z.next_out = (Bytef *) out;
        z.avail_out = (uInt) out_size;
        r = inflate(&z, Z_FINISH);
        len = z.total_out;
        (void) inflateEnd(&z);
        ASSERT_TRUE(r == Z_STREAM_END);
        return len;
}

static void submit(int i, size_t size, int level) {
        StrBuf body;

        make_body(&body, (unsigned) i, size);
        ASSERT_OK(payload_worker_submit(h.worker, &body, level, on_payload, (void *) (intptr_t) i, &h.jobs[i]));
        ASSERT_TRUE(!body.data && body.len == 0); /* taken over */
}

/* a's payload is make_body(seed, size), gzipped or as it is, and a's hash is the SHA-256 of
 * the payload (what is sent). back: room for 512 KiB. Returns the body's length. */
static size_t assert_payload_is(const Answer *a, unsigned seed, size_t size, bool gzipped, char *back) {
        StrBuf want;
        char hash[SIGV4_HASH_HEX_SIZE];
        size_t n, len;

        make_body(&want, seed, size);
        n = gzipped ? gunzip(&a->payload, back, 512 * 1024) : a->payload.len;
        ASSERT_EQ(n, want.len);
        ASSERT_TRUE(memcmp(gzipped ? back : a->payload.data, want.data, n) == 0);
        ASSERT_OK(sigv4_hash_payload(a->payload.data, a->payload.len, hash));
        ASSERT_STREQ(a->hash, hash);
        len = want.len;
        strbuf_done(&want);
        return len;
}

TEST(gzip_round_trip_in_order_with_the_hash_of_what_is_sent) {
        char *back = malloc(512 * 1024);

        harness_start();
        for (int i = 0; i < N_JOBS; i++)
                submit(i, 4096 + (size_t) i * 9000, -1);
        ASSERT_EQ(h.answered, 0); /* never from inside submit */
        run_until(N_JOBS);
        ASSERT_EQ(h.answered, N_JOBS);
        for (int i = 0; i < N_JOBS; i++) {
                Answer *a = &h.answers[i];

                ASSERT_EQ(a->calls, 1);
                ASSERT_EQ(a->error, 0);
                ASSERT_EQ(a->order, i);
                ASSERT_TRUE(a->payload.len < assert_payload_is(a, (unsigned) i, 4096 + (size_t) i * 9000, true,
                                                               back) / 3);
        }
        harness_stop();
        free(back);
}

TEST(without_gzip_the_body_is_sent_as_it_is) {
        StrBuf body = STRBUF_INIT(0);

        harness_start();
        ASSERT_OK(strbuf_puts(&body, "abc"));
        ASSERT_OK(payload_worker_submit(h.worker, &body, PAYLOAD_NO_GZIP, on_payload, (void *) 0, &h.jobs[0]));
        /* An empty body (a zero-length payload is legal to sign) */
        ASSERT_OK(payload_worker_submit(h.worker, &body, PAYLOAD_NO_GZIP, on_payload, (void *) 1, &h.jobs[1]));
        run_until(2);
        ASSERT_STREQ(h.answers[0].payload.data, "abc");
        /* SHA-256 test vectors (FIPS 180-2 "abc", and the empty string) */
        ASSERT_STREQ(h.answers[0].hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        ASSERT_EQ(h.answers[1].payload.len, 0);
        ASSERT_STREQ(h.answers[1].hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        harness_stop();
}

TEST(a_bad_level_is_refused_and_the_body_kept) {
        StrBuf body = STRBUF_INIT(0);

        harness_start();
        ASSERT_OK(strbuf_puts(&body, "kept"));
        ASSERT_EQ(payload_worker_submit(h.worker, &body, 10, on_payload, NULL, NULL), -EINVAL);
        ASSERT_EQ(payload_worker_submit(h.worker, &body, -3, on_payload, NULL, NULL), -EINVAL);
        ASSERT_STREQ(body.data, "kept");
        strbuf_done(&body);
        harness_stop();
}

TEST(cancelled_jobs_are_never_answered_wherever_they_were) {
        harness_start();
        for (int i = 0; i < N_JOBS; i++)
                submit(i, 200 * 1024, 6); /* slow enough that some are still queued when cancelled */
        /* Some of these are queued, one may be running, some may already be done. */
        for (int i = 0; i < N_JOBS; i += 2) {
                payload_job_cancel(h.jobs[i]);
                h.jobs[i] = NULL;
        }
        run_until(N_JOBS / 2);
        /* Give a wrongly answered cancelled job every chance to show up. */
        for (int spins = 0; spins < 10; spins++)
                ASSERT_OK(sd_event_run(h.event, 10 * USEC_PER_MSEC));
        ASSERT_EQ(h.answered, N_JOBS / 2);
        for (int i = 0; i < N_JOBS; i++)
                ASSERT_EQ(h.answers[i].calls, i % 2);
        harness_stop();
}

TEST(a_callback_may_cancel_the_next_job) {
        harness_start();
        h.cancel_next_from = 0; /* job 0's answer cancels 1, 2's cancels 3, … */
        for (int i = 0; i < N_JOBS; i++)
                submit(i, 64 * 1024, -1);
        run_until(N_JOBS / 2);
        for (int spins = 0; spins < 10; spins++)
                ASSERT_OK(sd_event_run(h.event, 10 * USEC_PER_MSEC));
        for (int i = 0; i < N_JOBS; i++)
                ASSERT_EQ(h.answers[i].calls, i % 2 == 0);
        harness_stop();
}

TEST(freeing_the_worker_drops_unanswered_jobs) {
        harness_start();
        for (int i = 0; i < N_JOBS; i++)
                submit(i, 200 * 1024, 9);
        /* Whatever stage each job is in, freeing joins the thread and frees them all (the
         * sanitizer and valgrind passes check that nothing leaks). */
        harness_stop();
        for (int i = 0; i < N_JOBS; i++)
                ASSERT_EQ(h.answers[i].calls, 0);
}

/* A body built on the thread: what build() made, compressed and hashed, answered in order
 * with the bodies handed in; build()'s own error comes back as the job's. */
typedef struct Build {
        unsigned seed;
        size_t size;
        int error;
        pthread_t ran_on;
        atomic_int started, finished;
        useconds_t linger; /* build() sleeps this long once it has started */
} Build;

static int build_body(StrBuf *body, void *data) {
        Build *b = data;

        b->ran_on = pthread_self();
        atomic_store(&b->started, 1);
        if (b->linger > 0)
                (void) usleep(b->linger);
        if (b->error >= 0) {
                StrBuf made;

                make_body(&made, b->seed, b->size);
                ASSERT_OK(strbuf_append(body, made.data, made.len));
                strbuf_done(&made);
        }
        atomic_store(&b->finished, 1);
        return b->error;
}

TEST(a_body_is_built_on_the_thread) {
        Build builds[3] = {
                { .seed = 7, .size = 300000 },
                { .seed = 8, .size = 5000, .error = -ENOMEM },
                { .seed = 9, .size = 80000 },
        };
        char *back = malloc(512 * 1024);

        harness_start();
        submit(0, 10000, -1);
        for (int i = 0; i < 3; i++)
                ASSERT_OK(payload_worker_submit_build(h.worker, build_body, &builds[i], 1000, i == 2 ? PAYLOAD_NO_GZIP : -1,
                                                      on_payload, (void *) (intptr_t) (i + 1), &h.jobs[i + 1]));
        run_until(4);
        ASSERT_EQ(h.answered, 4);
        for (int i = 0; i < 4; i++)
                ASSERT_EQ(h.answers[i].order, i);
        for (int i = 0; i < 3; i++)
                ASSERT_TRUE(!pthread_equal(builds[i].ran_on, pthread_self()));
        ASSERT_EQ(h.answers[2].error, -ENOMEM);
        ASSERT_EQ(payload_worker_submit_build(h.worker, build_body, &builds[0], 0, 10, on_payload, NULL, NULL),
                  -EINVAL);
        for (int i = 1; i <= 3; i += 2) {
                ASSERT_EQ(h.answers[i].error, 0);
                (void) assert_payload_is(&h.answers[i], builds[i - 1].seed, builds[i - 1].size, i == 1, back);
        }
        harness_stop();
        free(back);
}

/* What build() reads belongs to the caller, who frees it once the job is cancelled: a cancel
 * that comes while the body is being built returns only after build() did. */
TEST(cancelling_a_job_whose_body_is_being_built_waits_for_it) {
        Build b = { .seed = 3, .size = 2000, .linger = 200 * 1000 };
        PayloadJob *job;

        harness_start();
        ASSERT_OK(payload_worker_submit_build(h.worker, build_body, &b, 0, -1, on_payload, (void *) (intptr_t) 0,
                                              &job));
        for (int spins = 0; !atomic_load(&b.started) && spins < 10000; spins++)
                (void) usleep(1000);
        ASSERT_TRUE(atomic_load(&b.started));
        payload_job_cancel(job);
        ASSERT_TRUE(atomic_load(&b.finished));
        for (int i = 0; i < 10; i++)
                ASSERT_OK(sd_event_run(h.event, 10 * USEC_PER_MSEC));
        ASSERT_EQ(h.answered, 0);
        harness_stop();
}

/* The helper thread is named for `top -H`, and blocks every signal: sd-event takes signals
 * through signalfd, which needs them blocked in all threads. */
TEST(the_thread_is_named_and_blocks_every_signal) {
        bool blocked;

        harness_start();
        ASSERT_EQ(thread_count_named("cwlogd-payload", 1, &blocked), 1);
        ASSERT_TRUE(blocked);
        harness_stop();
}

/* In a child without threads: every job is still answered, in order, from the loop and never
 * from inside submit. Returns 0, or the number of the check that failed. */
static int jobs_without_threads(void) {
        char *back = malloc(512 * 1024);
        PayloadJob *job = NULL;
        StrBuf body;

        h = (Harness) { .cancel_next_from = N_JOBS };
        if (sd_event_new(&h.event) < 0 || payload_worker_new(h.event, &h.worker) < 0)
                return 2;
        for (int i = 0; i < N_JOBS; i++) {
                make_body(&body, (unsigned) i, 20000 + (size_t) i * 1000);
                if (payload_worker_submit(h.worker, &body, i % 3 ? -1 : PAYLOAD_NO_GZIP, on_payload,
                                          (void *) (intptr_t) i, &h.jobs[i]) < 0)
                        return 3;
        }
        make_body(&body, 99, 1000); /* cancelled: never answered */
        if (payload_worker_submit(h.worker, &body, -1, on_payload, (void *) (intptr_t) 0, &job) < 0)
                return 3;
        payload_job_cancel(job);
        if (h.answered != 0)
                return 4;
        for (int spins = 0; h.answered < N_JOBS && spins < 100; spins++)
                if (sd_event_run(h.event, 10 * USEC_PER_MSEC) < 0)
                        return 5;
        if (h.answered != N_JOBS)
                return 6;
        for (int i = 0; i < N_JOBS; i++) {
                Answer *a = &h.answers[i];
                StrBuf want;
                size_t n;

                make_body(&want, (unsigned) i, 20000 + (size_t) i * 1000);
                n = i % 3 ? gunzip(&a->payload, back, 512 * 1024) : a->payload.len;
                if (a->calls != 1 || a->order != i || n != want.len ||
                    memcmp(i % 3 ? back : a->payload.data, want.data, n) != 0)
                        return 7;
                strbuf_done(&want);
        }
        harness_stop();
        free(back);
        return 0;
}

TEST(without_a_thread_jobs_run_on_the_loop) {
        if (!forbid_threads_supported())
                TEST_SKIP("the seccomp filter that forbids threads is written for x86-64");
        ASSERT_EQ(run_without_threads(jobs_without_threads), 0);
}

TEST_MAIN()
