// 256-bit VNNI micro-kernel (6 rows x 16 columns = 12 ymm accumulators, 4 column blocks per 64-wide panel),
// compiled twice: VEX AVX-VNNI (_mm256_dpbusd_avx_epi32) and EVEX AVX512-VNNI+VL (_mm256_dpbusd_epi32).
#include "internal.h"
#include <immintrin.h>

// Plain reference of one k-group step (ci8_uk_scalar is the full reference):
//   for r < m, c in the 16-column block: C[r][c] += A[g][r][0..3] . B[g][c][0..3]   (u8 . s8 -> int32)

static inline int32_t ld32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

#ifdef __clang__
#define CI8_UNROLL2 _Pragma("clang loop unroll_count(2)")
#else
#define CI8_UNROLL2
#endif

#define DEFINE_UK256(NAME, TARGET, DP)                                                                         \
    TARGET __attribute__((always_inline)) static inline void NAME##_m(const int M, size_t kg, const uint8_t *A,  \
                                                                      const int8_t *B, int32_t *C, size_t ldc,  \
                                                                      int accumulate) {                         \
        for (int blk = 0; blk < CI8_NR / 16; blk++) {                                                          \
            __m256i acc[6][2];                                                                                 \
            for (int r = 0; r < M; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();                        \
            const uint8_t *a = A;                                                                              \
            const int8_t *b = B + 64 * blk;                                                                    \
            CI8_UNROLL2                                                                                        \
            for (size_t g = 0; g < kg; g++) {                                                                  \
                const __m256i b0 = _mm256_load_si256((const __m256i *)b);                                      \
                const __m256i b1 = _mm256_load_si256((const __m256i *)(b + 32));                               \
                for (int r = 0; r < M; r++) {                                                                  \
                    const __m256i av = _mm256_set1_epi32(ld32(a + 4 * r));                                     \
                    acc[r][0] = DP(acc[r][0], av, b0);                                                         \
                    acc[r][1] = DP(acc[r][1], av, b1);                                                         \
                }                                                                                              \
                a += 4 * CI8_MR;                                                                               \
                b += 4 * CI8_NR;                                                                               \
            }                                                                                                  \
            for (int r = 0; r < M; r++)                                                                        \
                for (int j = 0; j < 2; j++) {                                                                  \
                    __m256i *p = (__m256i *)(C + (size_t)r * ldc + 16 * blk + 8 * j);                          \
                    __m256i v = acc[r][j];                                                                     \
                    if (accumulate) v = _mm256_add_epi32(v, _mm256_load_si256(p));                             \
                    _mm256_store_si256(p, v);                                                                  \
                }                                                                                              \
        }                                                                                                      \
    }                                                                                                          \
    TARGET void NAME(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,           \
                     int accumulate) {                                                                         \
        switch (m) {                                                                                           \
        case 1: NAME##_m(1, kg, A, B, C, ldc, accumulate); break;                                              \
        case 2: NAME##_m(2, kg, A, B, C, ldc, accumulate); break;                                              \
        case 3: NAME##_m(3, kg, A, B, C, ldc, accumulate); break;                                              \
        case 4: NAME##_m(4, kg, A, B, C, ldc, accumulate); break;                                              \
        case 5: NAME##_m(5, kg, A, B, C, ldc, accumulate); break;                                              \
        default: NAME##_m(6, kg, A, B, C, ldc, accumulate); break;                                             \
        }                                                                                                      \
    }

#define CI8_TARGET_EVEX256 __attribute__((target("avx512f,avx512vl,avx512vnni")))
DEFINE_UK256(ci8_uk_avxvnni_evex, CI8_TARGET_EVEX256, _mm256_dpbusd_epi32)

#if CI8_HAVE_AVXVNNI_COMPILER
#define CI8_TARGET_AVXVNNI __attribute__((target("avx2,avxvnni")))
DEFINE_UK256(ci8_uk_avxvnni_vex, CI8_TARGET_AVXVNNI, _mm256_dpbusd_avx_epi32)
#else
// Never selected: ci8_path_supported reports AVX-VNNI only when the compiler knows it.
void ci8_uk_avxvnni_vex(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                        int accumulate) {
    ci8_uk_scalar(m, kg, A, B, C, ldc, accumulate);
}
#endif
