/* SPDX-License-Identifier: MIT */
/*
 * The payload worker; see payload-worker.h.
 *
 * A job moves queue -> running -> done, each step under the mutex; the thread only touches
 * job->body, job->payload, job->hash and job->error of the one job it holds, and what the
 * job's build() reads, which its submitter keeps unchanged until the answer or the cancel.
 * A job cancelled while queued is freed at once; one cancelled while running is marked and
 * freed by the loop when it comes back, so the thread never sees memory disappear. If it is
 * building its body, the cancel waits for that to finish: the caller frees what it reads.
 * The thread, its lock and eventfd are a HelperThread (helper-thread.h); it blocks every signal.
 * Memory: the buffers are allocated by the loop thread before the job is queued, and the
 * thread keeps one compressor for all jobs, so the thread allocates next to nothing itself
 * (with glibc, memory a thread allocates stays in that thread's arena, and a busy second
 * arena made the daemon's footprint creep upwards).
 */

#include "gzip.h"
#include "helper-thread.h"
#include "payload-worker.h"
#include "shared/list.h"
#include "sigv4.h"

typedef enum JobPlace {
        JOB_QUEUED,
        JOB_RUNNING,
        JOB_DONE,
        JOB_ANSWERING, /* off every list, its callback running on the loop */
} JobPlace;

typedef struct JobFifo {
        PayloadJob *head, *tail;
} JobFifo;

struct PayloadJob {
        PayloadJob *next, *prev;
        PayloadWorker *worker;
        JobPlace place; /* under the mutex */
        PayloadBuild build; /* NULL: body is given */
        void *build_data;
        StrBuf body;
        int gzip_level;
        PayloadDone cb;
        void *userdata;
        bool cancelled; /* under the mutex */
        int error;
        StrBuf payload;
        char hash[SIGV4_HASH_HEX_SIZE];
};

struct PayloadWorker {
        HelperThread h; /* its eventfd gets 1 per finished job */
        GzipStream *gzip; /* the thread's alone; level gzip_level */
        int gzip_level;

        JobFifo queue; /* submitted at the tail, taken at the head */
        PayloadJob *running;
        pthread_cond_t ran; /* for payload_job_cancel(): the running job is done */
        JobFifo done; /* answered in the order finished, which is the order submitted */
};

static PayloadJob *job_free(PayloadJob *job) {
        if (!job)
                return NULL;
        strbuf_done(&job->body);
        strbuf_done(&job->payload);
        free(job);
        return NULL;
}

static void fifo_push(JobFifo *f, PayloadJob *job, JobPlace place) {
        job->place = place;
        job->next = NULL;
        job->prev = f->tail;
        if (f->tail)
                f->tail->next = job;
        else
                f->head = job;
        f->tail = job;
}

static void fifo_remove(JobFifo *f, PayloadJob *job) {
        if (f->tail == job)
                f->tail = job->prev;
        LIST_REMOVE(f->head, job);
}

static PayloadJob *fifo_pop(JobFifo *f) {
        PayloadJob *job = f->head;

        if (job)
                fifo_remove(f, job);
        return job;
}

/* On the worker thread: touches only the job and w->gzip. */
static void job_run(PayloadWorker *w, PayloadJob *job) {
        const StrBuf *out = &job->payload;

        if (job->build) {
                job->error = job->build(&job->body, job->build_data);
                if (job->error < 0)
                        return;
        }
        if (job->gzip_level != PAYLOAD_NO_GZIP) {
                if (w->gzip && w->gzip_level != job->gzip_level)
                        w->gzip = gzip_stream_free(w->gzip);
                if (!w->gzip) {
                        job->error = gzip_stream_new(job->gzip_level, &w->gzip);
                        w->gzip_level = job->gzip_level;
                }
                if (job->error >= 0)
                        job->error = gzip_stream_compress(w->gzip, job->body.data ?: "", job->body.len,
                                                          &job->payload);
                strbuf_done(&job->body); /* not needed any more: give the memory back early */
        } else {
                job->payload = job->body;
                job->body = (StrBuf) {};
        }
        if (job->error >= 0)
                job->error = sigv4_hash_payload(out->data ?: "", out->len, job->hash);
}

static void *worker_main(void *userdata) {
        PayloadWorker *w = userdata;

        (void) pthread_mutex_lock(&w->h.lock);
        for (;;) {
                PayloadJob *job;

                while (!w->h.stopping && !w->queue.head)
                        (void) pthread_cond_wait(&w->h.wake, &w->h.lock);
                if (w->h.stopping)
                        break;
                job = fifo_pop(&w->queue);
                job->place = JOB_RUNNING;
                w->running = job;
                (void) pthread_mutex_unlock(&w->h.lock);

                job_run(w, job);

                (void) pthread_mutex_lock(&w->h.lock);
                w->running = NULL;
                fifo_push(&w->done, job, JOB_DONE);
                (void) pthread_cond_broadcast(&w->ran);
                helper_signal_done(&w->h);
        }
        (void) pthread_mutex_unlock(&w->h.lock);
        return NULL;
}

static void on_done(void *userdata) {
        PayloadWorker *w = userdata;

        /* One job at a time: a callback may cancel or submit other jobs. */
        for (;;) {
                PayloadJob *job;

                (void) pthread_mutex_lock(&w->h.lock);
                job = fifo_pop(&w->done);
                if (job)
                        job->place = JOB_ANSWERING;
                (void) pthread_mutex_unlock(&w->h.lock);
                if (!job)
                        return;
                if (!job->cancelled) {
                        if (job->error < 0)
                                job->cb(job->error, NULL, NULL, job->userdata);
                        else
                                job->cb(0, &job->payload, job->hash, job->userdata);
                }
                job_free(job);
        }
}

int payload_worker_new(sd_event *event, PayloadWorker **ret) {
        _cleanup_(payload_worker_freep) PayloadWorker *w = NULL;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        (void) pthread_cond_init(&w->ran, NULL);
        /* Without the thread, jobs run on the loop, answered through the eventfd all the same. */
        r = helper_start(&w->h, event, "cwlogd-payload", worker_main, on_done, w, "compressing");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

PayloadWorker *payload_worker_free(PayloadWorker *w) {
        if (!w)
                return NULL;
        helper_stop(&w->h);
        /* The thread is gone: no locking needed from here on. */
        job_free(w->running);
        for (PayloadJob *job; (job = fifo_pop(&w->queue));)
                job_free(job);
        for (PayloadJob *job; (job = fifo_pop(&w->done));)
                job_free(job);
        gzip_stream_free(w->gzip);
        (void) pthread_cond_destroy(&w->ran);
        free(w);
        return NULL;
}

static int job_queue(PayloadWorker *w, PayloadJob *job, PayloadJob **ret_job) {
        if (!w->h.started) {
                job_run(w, job);
                fifo_push(&w->done, job, JOB_DONE);
                helper_signal_done(&w->h);
        } else {
                (void) pthread_mutex_lock(&w->h.lock);
                fifo_push(&w->queue, job, JOB_QUEUED);
                (void) pthread_cond_signal(&w->h.wake);
                (void) pthread_mutex_unlock(&w->h.lock);
        }
        if (ret_job)
                *ret_job = job;
        return 0;
}

/* A job with its buffers reserved here, on the loop thread: body_room for the body (0: it
 * is handed in), and for the output, when it is compressed, a quarter of the body.
 * PutLogEvents JSON shrinks to 13-18% at levels 1-6, so a quarter is a safe first guess, and
 * gzip_stream_compress() grows the buffer for the rare body that needs more (and compresses
 * it again). So the thread allocates next to nothing. -EINVAL for a gzip_level that is
 * neither PAYLOAD_NO_GZIP nor -1..9. */
static int job_new(PayloadWorker *w, size_t body_len, size_t body_room, int gzip_level, PayloadDone cb,
                   void *userdata, PayloadJob **ret) {
        PayloadJob *job;

        if (gzip_level != PAYLOAD_NO_GZIP && (gzip_level < -1 || gzip_level > 9))
                return -EINVAL;
        job = calloc(1, sizeof *job);
        if (!job)
                return -ENOMEM;
        if ((body_room > 0 && strbuf_reserve(&job->body, body_room) < 0) ||
            (gzip_level != PAYLOAD_NO_GZIP && strbuf_reserve(&job->payload, body_len / 4 + 4096) < 0)) {
                job_free(job);
                return -ENOMEM;
        }
        job->worker = w;
        job->gzip_level = gzip_level;
        job->cb = cb;
        job->userdata = userdata;
        *ret = job;
        return 0;
}

int payload_worker_submit(PayloadWorker *w, StrBuf *body, int gzip_level, PayloadDone cb, void *userdata,
                          PayloadJob **ret_job) {
        PayloadJob *job;
        int r;

        r = job_new(w, body->len, 0, gzip_level, cb, userdata, &job);
        if (r < 0)
                return r;
        job->body = *body;
        *body = (StrBuf) { .cap = body->cap };
        return job_queue(w, job, ret_job);
}

int payload_worker_submit_build(PayloadWorker *w, PayloadBuild build, void *build_data, size_t room,
                                int gzip_level, PayloadDone cb, void *userdata, PayloadJob **ret_job) {
        PayloadJob *job;
        int r;

        r = job_new(w, room, room, gzip_level, cb, userdata, &job);
        if (r < 0)
                return r;
        job->build = build;
        job->build_data = build_data;
        return job_queue(w, job, ret_job);
}

void payload_job_cancel(PayloadJob *job) {
        PayloadWorker *w;
        bool free_now;

        if (!job)
                return;
        w = job->worker;
        (void) pthread_mutex_lock(&w->h.lock);
        /* A body being built reads the caller's memory, which may go once this returns. */
        while (job->build && job->place == JOB_RUNNING)
                (void) pthread_cond_wait(&w->ran, &w->h.lock);
        /* A running job is the thread's until it is done, an answering one on_done()'s;
         * on_done() frees both. */
        free_now = job->place == JOB_QUEUED || job->place == JOB_DONE;
        if (job->place == JOB_QUEUED)
                fifo_remove(&w->queue, job);
        else if (job->place == JOB_DONE)
                fifo_remove(&w->done, job);
        job->cancelled = true;
        (void) pthread_mutex_unlock(&w->h.lock);
        if (free_now)
                job_free(job);
}
