// Float linear y = x·Wᵀ + b for decode-sized M: scalar reference, run-time path choice, split over N on the pool.
#include "internal.h"
#include <stdint.h>
#include <stdlib.h>

// The plain reference: y[i][j] = (Σ_k x[i][k]·w[j][k], k increasing) + b[j]. It is also the scalar path.
void ci8_flinear_ref(const float *X, size_t M, size_t ldx, const float *W, size_t N, size_t K, size_t ldw,
                     const float *bias, float *Y, size_t ldy) {
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            float s = 0.0f;
            for (size_t k = 0; k < K; k++) s += X[i * ldx + k] * W[j * ldw + k];
            Y[i * ldy + j] = bias ? s + bias[j] : s;
        }
}

static void scalar_rows(const ci8_flinear_args *a, size_t n0, size_t n1) {
    ci8_flinear_ref(a->X, a->M, a->ldx, a->W + n0 * a->ldw, n1 - n0, a->K, a->ldw, a->bias ? a->bias + n0 : NULL,
                    a->Y + n0, a->ldy);
}

// Below this many weights (floats) a call runs on one thread: waking the pool costs more than the split saves.
enum { FL_MIN_PARALLEL = 1 << 15 };

typedef struct {
    const ci8_flinear_args *a;
    void (*rows)(const ci8_flinear_args *, size_t, size_t);
    size_t chunk, chunks;
    ci8_tasks tasks;
} fl_job;

// Rows per group past CI8_FLINEAR_GROUP_M rows: the 4-row tile loads 7 vectors per 12 FMAs (3 weight rows), the best
// ratio of the tiles; 8 rows take 9 per 8 (one weight row), which held a 64-row prefill near half of sgemm's rate.
enum { FL_LARGE_GROUP = 4 };

// Weight rows [n0, n1) against every row of X: all M rows at once up to CI8_FLINEAR_GROUP_M, else in groups of
// FL_LARGE_GROUP, the chunk's weights staying in L1/L2 while the groups pass over them. Each group runs the tile code
// of a call with that many rows, whose per-element arithmetic is the same for every row count.
static void fl_chunk(const fl_job *J, size_t n0, size_t n1) {
    const ci8_flinear_args *a = J->a;
    const size_t G = a->M <= CI8_FLINEAR_GROUP_M ? a->M : FL_LARGE_GROUP;
    for (size_t m0 = 0; m0 < a->M; m0 += G) {
        ci8_flinear_args g = *a;
        g.M = a->M - m0 < G ? a->M - m0 : G;
        g.X = a->X + m0 * a->ldx;
        g.Y = a->Y + m0 * a->ldy;
        J->rows(&g, n0, n1);
    }
}

static void fl_thread(void *p, int tid) {
    fl_job *J = p;
    for (size_t c; (c = ci8_tasks_next(&J->tasks, tid)) != SIZE_MAX;) {
        const size_t n0 = c * J->chunk, n1 = n0 + J->chunk < J->a->N ? n0 + J->chunk : J->a->N;
        fl_chunk(J, n0, n1);
    }
}

// The row function of a path: AVX-512 on the avx512vnni path, AVX2 on the 256-bit paths, else the reference.
static void (*fl_rows_for(int path))(const ci8_flinear_args *, size_t, size_t) {
    switch (path) {
    case CI8_PATH_AVX512VNNI: return ci8_cpu_has_avx512() ? ci8_flinear_avx512_rows : ci8_flinear_avx2_rows;
    case CI8_PATH_AVXVNNI:
    case CI8_PATH_AVX2: return ci8_flinear_avx2_rows;
    default: return scalar_rows;
    }
}

int ci8_flinear(const float *X, size_t M, size_t ldx, const float *W, size_t N, size_t K, size_t ldw,
                const float *bias, float *Y, size_t ldy, const ci8_config *cfg) {
    if (!X || !W || !Y || M < 1 || N < 1 || K < 1 || ldx < K || ldw < K || ldy < N)
        return CI8_EINVAL;
    int path = cfg ? cfg->path : CI8_PATH_DEFAULT;
    if (path == CI8_PATH_DEFAULT) path = ci8_active_path();
    if (!ci8_path_supported(path)) return CI8_EUNSUPPORTED;
    const ci8_flinear_args a = {X, M, ldx, W, N, K, ldw, bias, Y, ldy};
    fl_job J = {.a = &a, .rows = fl_rows_for(path)};
    // (at most 8 rows: by the weights alone, as each is read once; past 8 the rows' work counts too)
    const int threads = N * K >= FL_MIN_PARALLEL || N * K * M >= (size_t)CI8_FLINEAR_GROUP_M * FL_MIN_PARALLEL
                            ? ci8_threads_for(cfg) : 1;
    // Chunks of a multiple of 24 weight rows (of every tile's row count), about 4 per thread, each thread's own 4
    // contiguous (ci8_tasks): a decode step then gives every thread the same weight rows at every token.
    size_t chunk = (N + 4 * (size_t)threads - 1) / (4 * (size_t)threads);
    chunk = (chunk + 23) / 24 * 24;
    J.chunk = chunk;
    J.chunks = (N + chunk - 1) / chunk;
    ci8_tasks_init(&J.tasks, J.chunks, threads);
    if (threads <= 1 || J.chunks <= 1) fl_chunk(&J, 0, N);
    else ci8_pool_run(threads, fl_thread, &J);
    return CI8_OK;
}
