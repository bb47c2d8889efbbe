// AVX2 micro-kernel without VNNI: vpsignb + vpmaddubsw + vpmaddwd, saturation-free by construction (6 rows x 8 cols).
#include "internal.h"
#include <immintrin.h>

// Why vpmaddubsw cannot saturate here. vpmaddubsw(a, b) sums two adjacent u8*s8 products into int16 with signed
// saturation; with a = u = x + 128 in [0, 255] and b = w in [-127, 127] a pair can reach 2*255*127 = 64770 > 32767.
// So this kernel does not multiply u by w. It recovers x = u ^ 0x80 in [-128, 127] and computes x*w as |x| * s,
// where s = sign(w, x) (vpsignb: -w if x < 0, 0 if x == 0, w if x > 0):
//   a = |x| in [0, 128] (vpabsb; |-128| = 0x80 read as unsigned 128),
//   s in [-127, 127], because w != -128 (ci8_pack_weights rejects -128), so negating w never wraps.
// Every product |x|*s has magnitude <= 128*127 = 16256, every pair sum <= 32512 <= 32767: no saturation, for
// any input. vpmaddwd(pair sums, 1) then adds two pairs into int32 exactly. The kernel yields true s8 x s8 dots
// (CI8_YIELDS_XDOT), so the epilogue skips the 128*colsum correction.
//
// Plain reference of one k-group step (ci8_uk_scalar is the full reference, in u8 form):
//   for r < m, c in the 8-column block: C[r][c] += sum_t (A[g][r][t] - 128) * B[g][c][t]

static inline int32_t ld32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

CI8_TARGET_AVX2 __attribute__((always_inline)) static inline void
uk_m(const int M, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc, int accumulate) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    for (int blk = 0; blk < CI8_NR / 8; blk++) {
        __m256i acc[6];
        for (int r = 0; r < M; r++) acc[r] = _mm256_setzero_si256();
        const uint8_t *a = A;
        const int8_t *b = B + 32 * blk;
        for (size_t g = 0; g < kg; g++) {
            const __m256i w = _mm256_load_si256((const __m256i *)b);
            for (int r = 0; r < M; r++) {
                const __m256i x = _mm256_xor_si256(_mm256_set1_epi32(ld32(a + 4 * r)), flip);
                const __m256i s = _mm256_sign_epi8(w, x);
                const __m256i p16 = _mm256_maddubs_epi16(_mm256_abs_epi8(x), s);
                acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(p16, ones));
            }
            a += 4 * CI8_MR;
            b += 4 * CI8_NR;
        }
        for (int r = 0; r < M; r++) {
            __m256i *p = (__m256i *)(C + (size_t)r * ldc + 8 * blk);
            __m256i v = acc[r];
            if (accumulate) v = _mm256_add_epi32(v, _mm256_load_si256(p));
            _mm256_store_si256(p, v);
        }
    }
}

CI8_TARGET_AVX2 void ci8_uk_avx2(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                                 int accumulate) {
    switch (m) {
    case 1: uk_m(1, kg, A, B, C, ldc, accumulate); break;
    case 2: uk_m(2, kg, A, B, C, ldc, accumulate); break;
    case 3: uk_m(3, kg, A, B, C, ldc, accumulate); break;
    case 4: uk_m(4, kg, A, B, C, ldc, accumulate); break;
    case 5: uk_m(5, kg, A, B, C, ldc, accumulate); break;
    default: uk_m(6, kg, A, B, C, ldc, accumulate); break;
    }
}
