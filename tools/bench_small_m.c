// Small-M float linear against OpenBLAS (sgemv at M = 1 and M sgemv calls, sgemm at M = 2…8) on a GPT's decoder.
//
// Build and run from the project root (the same flags as Package.swift gives CInt8):
//   clang -O3 -fno-strict-aliasing -ISources/CInt8/include -ISources/CInt8 Sources/CInt8/*.c tools/bench_small_m.c \
//         -lopenblas -lpthread -lm -o /tmp/bench_small_m && /tmp/bench_small_m [C A F V L] [rounds] [steps]
// Defaults: 7 rounds of 100 steps; BENCH_M=1,5 measures only those row counts.
//   /tmp/bench_small_m l2 [K N]: the kernels alone, one thread, on one K x N matrix (default 256 x 256 = 256 KiB)
//   that stays in L2; 10th percentile of 3,000 alternating calls each (what the kernel does with memory out of it).
// Defaults: the Shakespeare teacher (n_embd 256, attention 256, FFN 1024, vocabulary 84, 6 layers), 7 rounds.
// The weights are the whole decoder's, each layer its own random, non-zero matrices (every page written before
// timing), so one "step" reads them all once, from wherever a real decode step would find them (L3 or DRAM); no
// matrix is re-read from L2 as a one-matrix loop would. A step runs the 4 linears of every layer and the head with
// M input rows. The candidates alternate within every round; every step is timed on its own, and the table gives
// the median (and 10th percentile) over all steps of all rounds, per linear shape (summed over the layers, "×L")
// and per step, and the weight-read rate (weight bytes / median time). OpenBLAS is sgemv at M = 1, sgemm above.
#include "internal.h"
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

enum { SHAPES = 5, CANDS = 3 };
typedef struct { size_t k, n; const char *name; } shape_t;

static float *filled(size_t count, unsigned *seed) { // random in (−0.5, 0.5), every page written
    float *p = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    for (size_t i = 0; i < count; i++) { *seed = *seed * 1664525u + 1013904223u; p[i] = (float)(*seed >> 8) / 16777216.0f - 0.5f; }
    return p;
}

// One linear with M rows by candidate c: 0 ours, 1 OpenBLAS sgemm (M ≥ 2) or sgemv (M = 1), 2 M sgemv calls.
static void run(int c, const float *X, size_t M, const float *W, const float *b, size_t K, size_t N, float *Y) {
    if (c == 0) { ci8_flinear(X, M, K, W, N, K, K, b, Y, N, NULL); return; }
    for (size_t i = 0; i < M; i++) memcpy(Y + i * N, b, N * sizeof(float));
    if (c == 1 && M > 1) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, 1.0f, X, (int)K, W, (int)K, 1.0f, Y, (int)N);
    else for (size_t i = 0; i < M; i++) cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)N, (int)K, 1.0f, W, (int)K, X + i * K, 1, 1.0f, Y + i * N, 1);
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

// One matrix, re-read from L2 by every call; one thread each (OPENBLAS_NUM_THREADS=1 for OpenBLAS).
static int l2_mode(size_t K, size_t N) {
    enum { R = 3000 };
    static double t[3][R];
    unsigned seed = 99;
    float *W = filled(N * K, &seed), *X = filled(CI8_FLINEAR_MAX_M * K, &seed), *Y = filled(CI8_FLINEAR_MAX_M * N, &seed);
    float *b = filled(N, &seed);
    const ci8_config one = {CI8_PATH_DEFAULT, 1};
    printf("# %zu x %zu in L2, one thread; path %s; µs per call, 10th percentile of %d\n", K, N, ci8_path_info(), R);
    printf("| M | ours µs | GFLOP/s | OpenBLAS sgemv (M = 1) / sgemm µs | M x sgemv µs | OpenBLAS / ours |\n|---:|---:|---:|---:|---:|---:|\n");
    for (size_t M = 1; M <= CI8_FLINEAR_MAX_M; M++) {
        for (int r = 0; r < R; r++)
            for (int c = 0; c < 3; c++) {
                const double t0 = ci8_now();
                if (c == 0) ci8_flinear(X, M, K, W, N, K, K, b, Y, N, &one);
                else run(c, X, M, W, b, K, N, Y);
                t[c][r] = ci8_now() - t0;
            }
        for (int c = 0; c < 3; c++) qsort(t[c], R, sizeof(double), cmp);
        const double o = t[0][R / 10], g = t[1][R / 10], v = t[2][R / 10];
        printf("| %zu | %.2f | %.1f | %.2f | %.2f | %.2fx |\n", M, o * 1e6, 2.0 * (double)(M * N * K) / o * 1e-9, g * 1e6, v * 1e6, g / o);
    }
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "l2") == 0) {
        openblas_set_num_threads(1);
        return l2_mode(argc > 3 ? (size_t)atol(argv[2]) : 256, argc > 3 ? (size_t)atol(argv[3]) : 256);
    }
    size_t C = 256, A = 256, F = 1024, V = 84, L = 6;
    if (argc > 5) C = (size_t)atol(argv[1]), A = (size_t)atol(argv[2]), F = (size_t)atol(argv[3]), V = (size_t)atol(argv[4]), L = (size_t)atol(argv[5]);
    const int rounds = argc > 6 ? atoi(argv[6]) : 7, steps = argc > 7 ? atoi(argv[7]) : 100;
    const shape_t sh[SHAPES] = {{C, 3 * A, "c_attn"}, {A, C, "attn.c_proj"}, {C, F, "c_fc"}, {F, C, "mlp.c_proj"}, {C, V, "lm_head"}};
    unsigned seed = 12345;
    float *W[SHAPES][64], *B[SHAPES][64];
    double bytes[SHAPES];
    size_t maxn = 0, maxk = 0;
    for (int s = 0; s < SHAPES; s++) {
        const size_t copies = s == 4 ? 1 : L;
        bytes[s] = (double)copies * sh[s].k * sh[s].n * 4;
        for (size_t l = 0; l < copies; l++) W[s][l] = filled(sh[s].k * sh[s].n, &seed), B[s][l] = filled(sh[s].n, &seed);
        if (sh[s].n > maxn) maxn = sh[s].n;
        if (sh[s].k > maxk) maxk = sh[s].k;
    }
    float *X = filled(CI8_FLINEAR_MAX_M * maxk, &seed), *Y = filled(CI8_FLINEAR_MAX_M * maxn, &seed);
    printf("# C %zu A %zu F %zu V %zu L %zu; flinear path %s; %d rounds x %d steps; OpenBLAS %s threads %d\n", C, A, F, V, L,
           ci8_path_info(), rounds, steps, openblas_get_config(), openblas_get_num_threads());
    printf("| M | shape (K x N) | ours µs (p10) | OpenBLAS µs (p10) | M x sgemv µs | ours GB/s | OpenBLAS GB/s | OpenBLAS / ours |\n|---:|---|---:|---:|---:|---:|---:|---:|\n");
    size_t Ms[CI8_FLINEAR_MAX_M] = {1, 2, 3, 4, 5, 6, 8}, nM = 7;
    if (getenv("BENCH_M")) { // BENCH_M=1,5: only these row counts
        nM = 0;
        for (char *s = getenv("BENCH_M"); *s && nM < CI8_FLINEAR_MAX_M; s += *s == ',') {
            const long m = strtol(s, &s, 10);
            if (m >= 1 && m <= CI8_FLINEAR_MAX_M) Ms[nM++] = (size_t)m;
            if (*s && *s != ',') break;
        }
    }
    const size_t per = (size_t)rounds * (size_t)steps; // samples per (candidate, shape)
    double *t = calloc(per * CANDS * (SHAPES + 1), sizeof(double));
    double allbytes = 0;
    for (int s = 0; s < SHAPES; s++) allbytes += bytes[s];
    for (size_t mi = 0; mi < nM; mi++) {
        const size_t M = Ms[mi];
        for (int r = -1; r < rounds; r++)
            for (int c0 = 0; c0 < CANDS; c0++) {
                const int c = (c0 + (r < 0 ? 0 : r)) % CANDS; // rotate who goes first
                if (M == 1 && c == 2) continue;             // M sgemv calls = sgemv at M = 1
                for (int st = 0; st < steps; st++) {
                    double tot = 0;
                    for (int s = 0; s < SHAPES; s++) {
                        const size_t copies = s == 4 ? 1 : L;
                        const double t0 = ci8_now();
                        for (size_t l = 0; l < copies; l++) run(c, X, M, W[s][l], B[s][l], sh[s].k, sh[s].n, Y);
                        const double dt = ci8_now() - t0;
                        tot += dt;
                        if (r >= 0) t[((size_t)c * (SHAPES + 1) + (size_t)s) * per + (size_t)r * (size_t)steps + (size_t)st] = dt;
                    }
                    if (r >= 0) t[((size_t)c * (SHAPES + 1) + SHAPES) * per + (size_t)r * (size_t)steps + (size_t)st] = tot;
                }
            }
        for (int s = 0; s <= SHAPES; s++) {
            double med[CANDS] = {0}, lo[CANDS] = {0};
            for (int c = 0; c < CANDS; c++) {
                double *v = t + ((size_t)c * (SHAPES + 1) + (size_t)s) * per;
                qsort(v, per, sizeof(double), cmp);
                med[c] = v[per / 2], lo[c] = v[per / 10];
            }
            const double by = s < SHAPES ? bytes[s] : allbytes;
            char name[64], gemv[32] = "=";
            if (s < SHAPES) snprintf(name, sizeof name, "%s %zux%zu%s", sh[s].name, sh[s].k, sh[s].n, s == 4 ? "" : " ×L");
            else snprintf(name, sizeof name, "**step** (%.1f MB)", by * 1e-6);
            if (M > 1) snprintf(gemv, sizeof gemv, "%.1f", med[2] * 1e6);
            printf("| %zu | %s | %.1f (%.1f) | %.1f (%.1f) | %s | %.1f | %.1f | %.2fx |\n", M, name, med[0] * 1e6, lo[0] * 1e6,
                   med[1] * 1e6, lo[1] * 1e6, gemv, by / med[0] * 1e-9, by / med[1] * 1e-9, med[1] / med[0]);
        }
    }
    free(t);
    return 0;
}
