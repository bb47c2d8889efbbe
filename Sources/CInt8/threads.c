// Tiny static thread pool (spin-then-sleep workers, caller participates), thread-count setting, per-thread scratch.
#define _POSIX_C_SOURCE 200809L // clock_gettime, strcasecmp, sysconf under strict -std=c11
#include "internal.h"
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { MAX_THREADS = 256 };
#define SPIN_NS 200000.0 // a worker spins this long after a job before sleeping

double ci8_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Read once: glibc answers _SC_NPROCESSORS_ONLN by opening and parsing /sys/devices/system/cpu/online, three system
// calls that cost more than a small kernel call itself when the thread count is looked up on every call.
static _Atomic int online_cpus;

int ci8_online_cpus(void) {
    int n = atomic_load_explicit(&online_cpus, memory_order_relaxed);
    if (n > 0) return n;
    const long v = sysconf(_SC_NPROCESSORS_ONLN);
    n = v < 1 ? 1 : v > MAX_THREADS ? MAX_THREADS : (int)v;
    atomic_store_explicit(&online_cpus, n, memory_order_relaxed);
    return n;
}

// ---- thread count -------------------------------------------------------------------------------------------
static _Atomic int env_threads;  // from CONDENSE_THREADS, 0 if unset/invalid
static _Atomic int user_threads; // from ci8_set_threads, 0 if unset

void ci8_threads_reload_env(void) { // called by dispatch.c under its env lock
    const char *s = getenv("CONDENSE_THREADS");
    int n = 0;
    if (s && *s) {
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (end && *end == 0 && v > 0) n = v > MAX_THREADS ? MAX_THREADS : (int)v;
    }
    atomic_store(&env_threads, n);
}

void ci8_set_threads(int n) { atomic_store(&user_threads, n <= 0 ? 0 : n > MAX_THREADS ? MAX_THREADS : n); }

int ci8_get_threads(void) {
    (void)ci8_active_path(); // makes sure the environment has been read
    int n = atomic_load(&user_threads);
    if (n <= 0) n = atomic_load(&env_threads);
    if (n <= 0) n = ci8_online_cpus();
    return n;
}

int ci8_threads_for(const ci8_config *cfg) {
    if (cfg && cfg->threads > 0) return cfg->threads > MAX_THREADS ? MAX_THREADS : cfg->threads;
    return ci8_get_threads();
}

// ---- pool ---------------------------------------------------------------------------------------------------
// A job is published by bumping `word` = (generation << 16) | participants. Workers with tid < participants join
// through `state` = (generation << 32) | closed bit | number of active workers: a worker joins only while the job
// is open, by a compare-and-swap that also checks the generation. The caller runs the job too; when its own share
// is done (all work has been claimed, since work is claimed dynamically) it closes the job and waits only for the
// workers that joined. So a worker that a busy machine has not scheduled yet costs nothing: it finds the job closed.
// One job at a time: `run_lock` is taken with trylock, and a caller that finds the pool busy runs its job alone.
#define ST_CLOSED (1ull << 31)
#define ST_ACTIVE (ST_CLOSED - 1)
static struct {
    pthread_mutex_t run_lock;
    pthread_mutex_t m;
    pthread_cond_t cv;
    int sleepers;
    int nworkers; // workers created (tids 1..nworkers)
    _Atomic uint64_t word;
    _Atomic uint64_t state;
    ci8_job_fn fn;
    void *arg;
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, NULL};

static void worker_join(uint64_t w, int tid) {
    if (tid >= (int)(w & 0xffff)) return;
    const uint64_t gen = (w >> 16) & 0xffffffffu;
    uint64_t s = atomic_load_explicit(&P.state, memory_order_acquire);
    for (;;) {
        if ((s >> 32) != gen || (s & ST_CLOSED)) return;
        if (atomic_compare_exchange_weak_explicit(&P.state, &s, s + 1, memory_order_acq_rel, memory_order_acquire))
            break;
    }
    P.fn(P.arg, tid); // fn/arg stay valid: the caller waits until this worker leaves
    atomic_fetch_sub_explicit(&P.state, 1, memory_order_release);
}

static void *worker_main(void *p) {
    const int tid = (int)(intptr_t)p;
    // Starts from 0, not the current word: a worker created for a job may first run after that job was published.
    uint64_t seen = 0;
    for (;;) {
        uint64_t w = atomic_load_explicit(&P.word, memory_order_acquire);
        if (w == seen) {
            const double t0 = ci8_now();
            for (unsigned i = 1; (w = atomic_load_explicit(&P.word, memory_order_acquire)) == seen; i++) {
                _mm_pause();
                if ((i & 255) == 0 && ci8_now() - t0 > SPIN_NS * 1e-9) break;
            }
            if (w == seen) {
                pthread_mutex_lock(&P.m);
                P.sleepers++;
                while ((w = atomic_load_explicit(&P.word, memory_order_acquire)) == seen)
                    pthread_cond_wait(&P.cv, &P.m);
                P.sleepers--;
                pthread_mutex_unlock(&P.m);
            }
        }
        seen = w;
        worker_join(w, tid);
    }
    return NULL;
}

int ci8_pool_run(int nthreads, ci8_job_fn fn, void *arg) {
    if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
    if (nthreads <= 1 || pthread_mutex_trylock(&P.run_lock) != 0) {
        fn(arg, 0);
        return 1;
    }
    while (P.nworkers < nthreads - 1) { // grow lazily; workers live for the rest of the process
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 1 << 20);
        pthread_t th;
        int rc = pthread_create(&th, &at, worker_main, (void *)(intptr_t)(P.nworkers + 1));
        pthread_attr_destroy(&at);
        if (rc != 0) break;
        P.nworkers++;
    }
    if (nthreads > P.nworkers + 1) nthreads = P.nworkers + 1;
    if (nthreads <= 1) {
        pthread_mutex_unlock(&P.run_lock);
        fn(arg, 0);
        return 1;
    }
    P.fn = fn;
    P.arg = arg;
    const uint64_t gen = (((atomic_load_explicit(&P.word, memory_order_relaxed) >> 16) + 1) & 0xffffffffu);
    atomic_store_explicit(&P.state, gen << 32, memory_order_seq_cst);
    atomic_store_explicit(&P.word, (gen << 16) | (uint64_t)nthreads, memory_order_seq_cst);
    pthread_mutex_lock(&P.m);
    if (P.sleepers) pthread_cond_broadcast(&P.cv);
    pthread_mutex_unlock(&P.m);
    fn(arg, 0);
    atomic_fetch_or_explicit(&P.state, ST_CLOSED, memory_order_acq_rel);
    for (unsigned i = 1; atomic_load_explicit(&P.state, memory_order_acquire) & ST_ACTIVE; i++) {
        _mm_pause();
        if ((i & 1023) == 0) sched_yield(); // a worker may have been descheduled on a busy machine
    }
    pthread_mutex_unlock(&P.run_lock);
    return nthreads;
}

// ---- task ranges with thread affinity ------------------------------------------------------------------------
void ci8_tasks_init(ci8_tasks *q, size_t n, int threads) {
    int g = threads < 1 ? 1 : threads > CI8_TASK_GROUPS ? CI8_TASK_GROUPS : threads;
    if ((size_t)g > n) g = n < 1 ? 1 : (int)n;
    q->groups = g;
    for (int i = 0; i < g; i++) {
        atomic_init(&q->next[i], n * (size_t)i / (size_t)g);
        q->end[i] = n * (size_t)(i + 1) / (size_t)g;
    }
}

size_t ci8_tasks_next(ci8_tasks *q, int tid) {
    const int g = q->groups, own = (tid < 0 ? 0 : tid) % g;
    for (int i = 0; i < g; i++) {
        const int r = (own + i) % g;
        if (atomic_load_explicit(&q->next[r], memory_order_relaxed) >= q->end[r]) continue;
        const size_t t = atomic_fetch_add_explicit(&q->next[r], 1, memory_order_relaxed);
        if (t < q->end[r]) return t;
    }
    return SIZE_MAX;
}

typedef struct {
    ci8_tasks tasks;
    void (*fn)(void *, size_t);
    void *ctx;
} pf_job;

static void pf_thread(void *p, int tid) {
    pf_job *J = p;
    for (size_t i; (i = ci8_tasks_next(&J->tasks, tid)) != SIZE_MAX;) J->fn(J->ctx, i);
}

void ci8_parallel_for(size_t n, int threads, void (*fn)(void *ctx, size_t i), void *ctx) {
    if (n == 0 || !fn) return;
    if (threads <= 0) threads = ci8_get_threads();
    if ((size_t)threads > n) threads = (int)n;
    pf_job J = {.fn = fn, .ctx = ctx};
    ci8_tasks_init(&J.tasks, n, threads);
    if (threads <= 1) pf_thread(&J, 0);
    else ci8_pool_run(threads, pf_thread, &J);
}

// ---- per-thread scratch -------------------------------------------------------------------------------------
typedef struct {
    void *p[2];
    size_t cap[2];
} scratch_t;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static _Thread_local scratch_t *tls_scratch;

static void scratch_free(void *v) {
    scratch_t *s = v;
    free(s->p[0]);
    free(s->p[1]);
    free(s);
}
static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

void *ci8_scratch(int slot, size_t bytes) {
    pthread_once(&scratch_once, scratch_init);
    scratch_t *s = tls_scratch;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        tls_scratch = s;
        pthread_setspecific(scratch_key, s);
    }
    if (s->cap[slot] < bytes) {
        free(s->p[slot]);
        size_t cap = (bytes + 4095) & ~(size_t)4095;
        s->p[slot] = aligned_alloc(64, cap);
        s->cap[slot] = s->p[slot] ? cap : 0;
    }
    return s->p[slot];
}
