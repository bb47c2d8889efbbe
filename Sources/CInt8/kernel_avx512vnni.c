// AVX-512 VNNI micro-kernel: 6 rows x 64 columns = 24 zmm accumulators, one vpdpbusd per (row, 16 columns, k group).
#include "internal.h"
#include <immintrin.h>

// Plain reference of one k-group step (ci8_uk_scalar is the full reference):
//   for r < m, c < 64: C[r][c] += A[g][r][0..3] . B[g][c][0..3]   (u8 . s8, summed into int32, no saturation)
// vpdpbusd(acc, a, b) computes exactly that for 16 columns: a = row r's 4 bytes broadcast, b = 16 columns x 4 bytes.

#define LOADA(p) _mm512_set1_epi32(ci8_load32(p))
static inline int32_t ci8_load32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

// Stores (or adds into) the m x 4 accumulator block.
#define STORE_TILE(M_, acc)                                                                                    \
    for (int r = 0; r < (M_); r++)                                                                             \
        for (int j = 0; j < 4; j++) {                                                                          \
            __m512i v = acc[r][j];                                                                             \
            int32_t *p = C + (size_t)r * ldc + 16 * j;                                                         \
            if (accumulate) v = _mm512_add_epi32(v, _mm512_load_si512((const void *)p));                       \
            _mm512_store_si512((void *)p, v);                                                                  \
        }

// m = 4..6: one accumulator set (up to 24 zmm) plus 4 weight registers and one broadcast.
CI8_TARGET_AVX512 __attribute__((always_inline)) static inline void
uk_big(const int M, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc, int accumulate) {
    __m512i acc[6][4];
    for (int r = 0; r < M; r++)
        for (int j = 0; j < 4; j++) acc[r][j] = _mm512_setzero_si512();
#ifdef __clang__
#pragma clang loop unroll_count(2)
#endif
    for (size_t g = 0; g < kg; g++) {
        const __m512i b0 = _mm512_load_si512((const void *)(B + 0));
        const __m512i b1 = _mm512_load_si512((const void *)(B + 64));
        const __m512i b2 = _mm512_load_si512((const void *)(B + 128));
        const __m512i b3 = _mm512_load_si512((const void *)(B + 192));
        for (int r = 0; r < M; r++) {
            const __m512i a = LOADA(A + 4 * r);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], a, b1);
            acc[r][2] = _mm512_dpbusd_epi32(acc[r][2], a, b2);
            acc[r][3] = _mm512_dpbusd_epi32(acc[r][3], a, b3);
        }
        A += 4 * CI8_MR;
        B += 4 * CI8_NR;
    }
    STORE_TILE(M, acc)
}

// m = 1..3: two accumulator sets over even/odd k groups, so short dependency chains do not limit the GEMV case.
CI8_TARGET_AVX512 __attribute__((always_inline)) static inline void
uk_small(const int M, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc, int accumulate) {
    __m512i acc[3][4], acd[3][4];
    for (int r = 0; r < M; r++)
        for (int j = 0; j < 4; j++) acc[r][j] = acd[r][j] = _mm512_setzero_si512();
    size_t g = 0;
    for (; g + 2 <= kg; g += 2) {
        const __m512i b0 = _mm512_load_si512((const void *)(B + 0));
        const __m512i b1 = _mm512_load_si512((const void *)(B + 64));
        const __m512i b2 = _mm512_load_si512((const void *)(B + 128));
        const __m512i b3 = _mm512_load_si512((const void *)(B + 192));
        const __m512i d0 = _mm512_load_si512((const void *)(B + 256));
        const __m512i d1 = _mm512_load_si512((const void *)(B + 320));
        const __m512i d2 = _mm512_load_si512((const void *)(B + 384));
        const __m512i d3 = _mm512_load_si512((const void *)(B + 448));
        for (int r = 0; r < M; r++) {
            const __m512i a = LOADA(A + 4 * r);
            const __m512i e = LOADA(A + 4 * CI8_MR + 4 * r);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], a, b1);
            acc[r][2] = _mm512_dpbusd_epi32(acc[r][2], a, b2);
            acc[r][3] = _mm512_dpbusd_epi32(acc[r][3], a, b3);
            acd[r][0] = _mm512_dpbusd_epi32(acd[r][0], e, d0);
            acd[r][1] = _mm512_dpbusd_epi32(acd[r][1], e, d1);
            acd[r][2] = _mm512_dpbusd_epi32(acd[r][2], e, d2);
            acd[r][3] = _mm512_dpbusd_epi32(acd[r][3], e, d3);
        }
        A += 8 * CI8_MR;
        B += 8 * CI8_NR;
    }
    if (g < kg) {
        for (int r = 0; r < M; r++) {
            const __m512i a = LOADA(A + 4 * r);
            for (int j = 0; j < 4; j++)
                acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], a, _mm512_load_si512((const void *)(B + 64 * j)));
        }
    }
    for (int r = 0; r < M; r++)
        for (int j = 0; j < 4; j++) acc[r][j] = _mm512_add_epi32(acc[r][j], acd[r][j]);
    STORE_TILE(M, acc)
}

CI8_TARGET_AVX512 void ci8_uk_avx512vnni(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C,
                                         size_t ldc, int accumulate) {
    switch (m) {
    case 1: uk_small(1, kg, A, B, C, ldc, accumulate); break;
    case 2: uk_small(2, kg, A, B, C, ldc, accumulate); break;
    case 3: uk_small(3, kg, A, B, C, ldc, accumulate); break;
    case 4: uk_big(4, kg, A, B, C, ldc, accumulate); break;
    case 5: uk_big(5, kg, A, B, C, ldc, accumulate); break;
    default: uk_big(6, kg, A, B, C, ldc, accumulate); break;
    }
}
