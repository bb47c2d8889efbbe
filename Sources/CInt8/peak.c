// Measurement helpers (benchmarks, not tests): each int8 path's register-only peak loop, GEMM timing, read bandwidth.
#include "internal.h"
#include <immintrin.h>
#include <stdlib.h>

// ---- VNNI peak ----------------------------------------------------------------------------------------------
// 16 independent accumulator chains, so neither latency nor loads limit the loop: only vpdpbusd throughput.
#define PEAK_BODY(T, DP)                                                                                       \
    T c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;                                          \
    T c8 = z, c9 = z, c10 = z, c11 = z, c12 = z, c13 = z, c14 = z, c15 = z;                                    \
    for (uint64_t i = 0; i < iters; i++) {                                                                     \
        __asm__ volatile("" : "+x"(a), "+x"(b)); /* keep the loop from being folded */                        \
        c0 = DP(c0, a, b); c1 = DP(c1, a, b); c2 = DP(c2, a, b); c3 = DP(c3, a, b);                            \
        c4 = DP(c4, a, b); c5 = DP(c5, a, b); c6 = DP(c6, a, b); c7 = DP(c7, a, b);                            \
        c8 = DP(c8, a, b); c9 = DP(c9, a, b); c10 = DP(c10, a, b); c11 = DP(c11, a, b);                        \
        c12 = DP(c12, a, b); c13 = DP(c13, a, b); c14 = DP(c14, a, b); c15 = DP(c15, a, b);                    \
    }

CI8_TARGET_AVX512 static int64_t peak_zmm(uint64_t iters) {
    const __m512i z = _mm512_setzero_si512();
    __m512i a = _mm512_set1_epi32(0x01010101), b = _mm512_set1_epi32(0x01020304);
    PEAK_BODY(__m512i, _mm512_dpbusd_epi32)
    __m512i s = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3)),
                                 _mm512_add_epi32(_mm512_add_epi32(c4, c5), _mm512_add_epi32(c6, c7)));
    s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c8, c9), _mm512_add_epi32(c10, c11)),
                                             _mm512_add_epi32(_mm512_add_epi32(c12, c13), _mm512_add_epi32(c14, c15))));
    return _mm512_reduce_add_epi32(s);
}

#if CI8_HAVE_AVXVNNI_COMPILER
__attribute__((target("avx2,avxvnni"))) static int64_t peak_ymm(uint64_t iters) {
    const __m256i z = _mm256_setzero_si256();
    __m256i a = _mm256_set1_epi32(0x01010101), b = _mm256_set1_epi32(0x01020304);
    PEAK_BODY(__m256i, _mm256_dpbusd_avx_epi32)
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),
                                 _mm256_add_epi32(_mm256_add_epi32(c4, c5), _mm256_add_epi32(c6, c7)));
    s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c8, c9), _mm256_add_epi32(c10, c11)),
                                             _mm256_add_epi32(_mm256_add_epi32(c12, c13), _mm256_add_epi32(c14, c15))));
    return _mm256_extract_epi32(s, 0);
}
#endif

// The 256-bit VNNI instruction in its EVEX form (AVX512-VNNI+VL CPUs), the encoding the avxvnni path runs there.
__attribute__((target("avx512f,avx512vl,avx512vnni"))) static int64_t peak_ymm_evex(uint64_t iters) {
    const __m256i z = _mm256_setzero_si256();
    __m256i a = _mm256_set1_epi32(0x01010101), b = _mm256_set1_epi32(0x01020304);
    PEAK_BODY(__m256i, _mm256_dpbusd_epi32)
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),
                                 _mm256_add_epi32(_mm256_add_epi32(c4, c5), _mm256_add_epi32(c6, c7)));
    s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c8, c9), _mm256_add_epi32(c10, c11)),
                                             _mm256_add_epi32(_mm256_add_epi32(c12, c13), _mm256_add_epi32(c14, c15))));
    return _mm256_extract_epi32(s, 0);
}

// ---- AVX2 peak ----------------------------------------------------------------------------------------------
// The u8 x s8 -> s32 step of AVX2 without VNNI: vpmaddubsw (32 products into 16 int16 pair sums), vpmaddwd by 1s
// (into 8 int32), vpaddd into an accumulator: 32 multiply-adds per triplet, the sequence FBGEMM and oneDNN use too.
// Written in asm, because the compiler would fold the 8 identical products of one iteration into one. 8 independent
// accumulators and 4 rotating temporaries (renamed by the hardware): only the multiply pipes limit the loop.
// The Condense kernel adds one vpsignb per triplet (exactness) and amortized loads; this is the machine's ceiling.
#define AVX2_TRIPLET(T, C)                                                                                     \
    "vpmaddubsw %[b], %[a], %[" T "]\n\t"                                                                      \
    "vpmaddwd %[one], %[" T "], %[" T "]\n\t"                                                                  \
    "vpaddd %[" T "], %[" C "], %[" C "]\n\t"

CI8_TARGET_AVX2 static int64_t peak_avx2(uint64_t iters) {
    __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-5), one = _mm256_set1_epi16(1);
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m256i t0, t1, t2, t3;
    for (uint64_t i = 0; i < iters; i++) {
        __asm__ volatile(AVX2_TRIPLET("t0", "c0") AVX2_TRIPLET("t1", "c1") AVX2_TRIPLET("t2", "c2")
                             AVX2_TRIPLET("t3", "c3") AVX2_TRIPLET("t0", "c4") AVX2_TRIPLET("t1", "c5")
                                 AVX2_TRIPLET("t2", "c6") AVX2_TRIPLET("t3", "c7")
                         : [c0] "+x"(c0), [c1] "+x"(c1), [c2] "+x"(c2), [c3] "+x"(c3), [c4] "+x"(c4),
                           [c5] "+x"(c5), [c6] "+x"(c6), [c7] "+x"(c7), [t0] "=&x"(t0), [t1] "=&x"(t1),
                           [t2] "=&x"(t2), [t3] "=&x"(t3)
                         : [a] "x"(a), [b] "x"(b), [one] "x"(one));
    }
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),
                                 _mm256_add_epi32(_mm256_add_epi32(c4, c5), _mm256_add_epi32(c6, c7)));
    return _mm256_extract_epi32(s, 0);
}

enum { PEAK_ZMM_VNNI, PEAK_YMM_VNNI_VEX, PEAK_YMM_VNNI_EVEX, PEAK_AVX2 };

typedef struct {
    uint64_t iters;
    int loop;
    _Atomic int ran;
    _Atomic int64_t sink;
} peak_job;

static void peak_thread(void *vp, int tid) {
    (void)tid;
    peak_job *J = vp;
    atomic_fetch_add(&J->ran, 1);
    int64_t r = 0;
    switch (J->loop) {
    case PEAK_ZMM_VNNI: r = peak_zmm(J->iters); break;
#if CI8_HAVE_AVXVNNI_COMPILER
    case PEAK_YMM_VNNI_VEX: r = peak_ymm(J->iters); break;
#endif
    case PEAK_YMM_VNNI_EVEX: r = peak_ymm_evex(J->iters); break;
    default: r = peak_avx2(J->iters); break;
    }
    atomic_fetch_add(&J->sink, r);
}

// Which loop measures `path`'s ceiling, and how many multiply-adds one iteration does; 0 if there is none.
static double peak_loop_for(int path, int *loop) {
    switch (path) {
    case CI8_PATH_AVX512VNNI: *loop = PEAK_ZMM_VNNI; return 64.0 * 16;
    case CI8_PATH_AVXVNNI:
        *loop = (CI8_HAVE_AVXVNNI_COMPILER && ci8_cpu_has_avxvnni()) ? PEAK_YMM_VNNI_VEX : PEAK_YMM_VNNI_EVEX;
        return 32.0 * 16;
    case CI8_PATH_AVX2: *loop = PEAK_AVX2; return 32.0 * 8;
    default: return 0.0;
    }
}

const char *ci8_path_peak_loop(int path) {
    if (path == CI8_PATH_DEFAULT) path = ci8_active_path();
    if (!ci8_path_supported(path)) return "none";
    switch (path) {
    case CI8_PATH_AVX512VNNI: return "vpdpbusd zmm";
    case CI8_PATH_AVXVNNI:
        return (CI8_HAVE_AVXVNNI_COMPILER && ci8_cpu_has_avxvnni()) ? "vpdpbusd ymm (VEX)" : "vpdpbusd ymm (EVEX)";
    case CI8_PATH_AVX2: return "vpmaddubsw+vpmaddwd+vpaddd ymm";
    default: return "none";
    }
}

double ci8_path_peak_gops(int path, uint64_t iters, int threads) {
    if (path == CI8_PATH_DEFAULT) path = ci8_active_path();
    if (!ci8_path_supported(path)) return 0.0;
    peak_job J = {.iters = iters ? iters : 1};
    const double macs_per_iter = peak_loop_for(path, &J.loop);
    if (macs_per_iter == 0.0) return 0.0;
    if (threads <= 0) threads = ci8_get_threads();
    const double t0 = ci8_now();
    ci8_pool_run(threads, peak_thread, &J);
    const double t = ci8_now() - t0;
    const int used = atomic_load(&J.ran);
    return 2.0 * macs_per_iter * (double)J.iters * used / t * 1e-9;
}

double ci8_vnni_peak_gops(uint64_t iters, int threads) {
    if (ci8_path_supported(CI8_PATH_AVX512VNNI)) return ci8_path_peak_gops(CI8_PATH_AVX512VNNI, iters, threads);
    if (CI8_HAVE_AVXVNNI_COMPILER && ci8_cpu_has_avxvnni()) return ci8_path_peak_gops(CI8_PATH_AVXVNNI, iters, threads);
    return 0.0;
}

// ---- GEMM timing --------------------------------------------------------------------------------------------
static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ci8_bench_gemm(size_t M, size_t K, size_t N, int reps, int mode, const ci8_config *cfg) {
    return ci8_bench_gemm_bits(M, K, N, reps, mode, 8, cfg);
}

double ci8_bench_gemm_bits(size_t M, size_t K, size_t N, int reps, int mode, int weight_bits, const ci8_config *cfg) {
    const int wmax = weight_bits == 7 ? 63 : 127;
    if (M == 0 || K == 0 || N == 0) return 0.0;
    if (reps < 1) reps = 1;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    int8_t *W = malloc(N * K);
    uint8_t *Xu = malloc(M * K);
    float *Xf = malloc(M * K * sizeof(float));
    float *sw = malloc(N * sizeof(float)), *bias = malloc(N * sizeof(float));
    void *Y = malloc(M * N * 4);
    double *ts = malloc((size_t)reps * sizeof(double));
    double gops = 0.0;
    ci8_packed *P = NULL;
    if (!W || !Xu || !Xf || !sw || !bias || !Y || !ts) goto done;
    for (size_t i = 0; i < N * K; i++) W[i] = (int8_t)((int)(rng_next(&s) % (uint64_t)(2 * wmax + 1)) - wmax);
    for (size_t i = 0; i < M * K; i++) Xu[i] = (uint8_t)rng_next(&s);
    for (size_t i = 0; i < M * K; i++) Xf[i] = (float)((int)(rng_next(&s) % 2001) - 1000) * 1e-3f;
    for (size_t j = 0; j < N; j++) sw[j] = 0.01f, bias[j] = 0.1f;
    P = ci8_pack_weights(W, N, K, K, NULL);
    if (!P) goto done;
    for (int r = -1; r < reps; r++) { // r = -1 warms up
        const double t0 = ci8_now();
        int rc = mode == 1 ? ci8_linear_dynamic(Xf, M, K, P, sw, bias, CI8_ACT_NONE, Y, N, NULL, cfg)
                           : ci8_gemm_s32(Xu, M, K, P, Y, N, cfg);
        const double t = ci8_now() - t0;
        if (rc != CI8_OK) goto done;
        if (r >= 0) ts[r] = t;
    }
    qsort(ts, (size_t)reps, sizeof(double), cmp_double);
    gops = 2.0 * (double)M * (double)N * (double)K / ts[reps / 2] * 1e-9;
done:
    ci8_packed_free(P);
    free(W), free(Xu), free(Xf), free(sw), free(bias), free(Y), free(ts);
    return gops;
}

// ---- read bandwidth -----------------------------------------------------------------------------------------
typedef struct {
    const uint8_t *buf;
    size_t bytes;
    int parts;
    _Atomic int next;
    _Atomic uint64_t sink;
} bw_job;

CI8_TARGET_AVX2 static uint64_t read_sum(const uint8_t *p, size_t n) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 128 <= n; i += 128) {
        a0 = _mm256_xor_si256(a0, _mm256_load_si256((const __m256i *)(p + i)));
        a1 = _mm256_xor_si256(a1, _mm256_load_si256((const __m256i *)(p + i + 32)));
        a2 = _mm256_xor_si256(a2, _mm256_load_si256((const __m256i *)(p + i + 64)));
        a3 = _mm256_xor_si256(a3, _mm256_load_si256((const __m256i *)(p + i + 96)));
    }
    a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    return (uint64_t)_mm256_extract_epi64(a0, 0);
}

static void bw_thread(void *vp, int tid) {
    (void)tid;
    bw_job *J = vp;
    const size_t part = J->bytes / (size_t)J->parts / 128 * 128;
    for (;;) {
        const int i = atomic_fetch_add(&J->next, 1);
        if (i >= J->parts) break;
        atomic_fetch_xor(&J->sink, read_sum(J->buf + (size_t)i * part, part));
    }
}

double ci8_bench_read_gbs(size_t bytes, int reps, int threads) {
    if (!ci8_cpu_has_avx2() || bytes < 4096) return 0.0;
    if (reps < 1) reps = 1;
    if (threads <= 0) threads = ci8_get_threads();
    bytes = bytes / 4096 * 4096;
    uint8_t *buf = aligned_alloc(64, bytes);
    double *ts = malloc((size_t)reps * sizeof(double));
    if (!buf || !ts) { free(buf), free(ts); return 0.0; }
    memset(buf, 1, bytes);
    for (int r = -1; r < reps; r++) {
        bw_job J = {.buf = buf, .bytes = bytes, .parts = threads};
        const double t0 = ci8_now();
        ci8_pool_run(threads, bw_thread, &J);
        if (r >= 0) ts[r] = ci8_now() - t0;
    }
    qsort(ts, (size_t)reps, sizeof(double), cmp_double);
    const double gbs = (double)(bytes / (size_t)threads / 128 * 128 * (size_t)threads) / ts[reps / 2] * 1e-9;
    free(buf), free(ts);
    return gbs;
}
