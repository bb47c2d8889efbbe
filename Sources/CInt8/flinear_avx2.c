// The small-M float linear tiles with 8-lane AVX2 FMAs (Zen 2 and later, Haswell and later).
#include "internal.h"
#include <immintrin.h>

#define FL_W 8
#define FL_V __m256
#define FL_TARGET CI8_TARGET_AVX2
#define FL_ZERO() _mm256_setzero_ps()
#define FL_LOAD(p) _mm256_loadu_ps(p)
#define FL_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define FL_MASKLOAD(p, rem) _mm256_maskload_ps(p, fl_avx2_mask(rem))
#define FL_HSUM(v) fl_avx2_hsum(v)

// Lanes [0, rem) set, rem in 1…7.
CI8_TARGET_AVX2 static inline __m256i fl_avx2_mask(size_t rem) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), lane);
}

// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)): one fixed tree.
CI8_TARGET_AVX2 static inline float fl_avx2_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

#include "flinear_simd.h"

// Weight rows per tile for M = 1…8: G·R accumulators + R weight vectors + one x vector within 16 ymm registers.
FL_TILES_AND_DRIVER(ci8_flinear_avx2, 8, 4, 3, 2, 2, 2, 1, 1)
