// The small-M float linear tiles with 16-lane AVX-512 FMAs (Zen 4, Skylake-X and later).
#include "internal.h"
#include <immintrin.h>

#define FL_W 16
#define FL_V __m512
#define FL_TARGET CI8_TARGET_AVX512
#define FL_ZERO() _mm512_setzero_ps()
#define FL_LOAD(p) _mm512_loadu_ps(p)
#define FL_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define FL_MASKLOAD(p, rem) _mm512_maskz_loadu_ps((__mmask16)((1u << (rem)) - 1u), p)
#define FL_HSUM(v) fl_avx512_hsum(v)

// (lanes 0–7 + lanes 8–15), then the AVX2 tree on the 8 sums: one fixed order.
CI8_TARGET_AVX512 static inline float fl_avx512_hsum(__m512 v) {
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

#include "flinear_simd.h"

// Weight rows per tile for M = 1…8: G·R accumulators + R weight vectors + one x vector within 32 zmm registers.
FL_TILES_AND_DRIVER(ci8_flinear_avx512, 8, 8, 6, 6, 4, 4, 3, 3)
