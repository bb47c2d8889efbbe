// AVX2 micro-kernel for narrow weights (all in [-64, 63]): u8 x s8 with vpmaddubsw + vpmaddwd + vpaddd, exact.
#include "internal.h"
#include <immintrin.h>

// Plain reference of one k-group step (ci8_uk_scalar is the full reference):
//   for r < m, c < 64: C[r][c] += sum_t u[g][r][t] * B[g][c][t],   u in [0, 255]
// It yields UDOT (sum u*w, the VNNI kernels' semantics): the epilogue subtracts 128*colsum.
//
// Why vpmaddubsw cannot saturate here. vpmaddubsw(u, w) sums two adjacent u8*s8 products into int16 with signed
// saturation. Dispatch runs this kernel only when ci8_pack_weights found every weight in [-64, 63] (narrow), so
// each product u*w lies in [255*(-64), 255*63] = [-16320, 16065] and each pair sum in [-32640, 32130], inside
// [-32768, 32767] for every u in [0, 255]: no saturation, by construction. Padding is 0 on both sides.
// vpmaddwd(pair sums, 1) adds two pairs into int32 exactly (|sum| <= 65280), and vpaddd accumulates: with
// K <= CI8_MAX_K = 65536, |sum u*w| <= 255*64*65536 < 2^31. So the result is the exact UDOT.
// Cost: 2 multiply-pipe instructions and 1 vpaddd per 32 MACs, no sign fixup (the vpsignb row kernel needs 4
// vector ALU instructions per 32 MACs, the vpmaddwd kernel 2 vpmaddwd + 2 vpaddd).
//
// Layout: lane c of the 32-byte vpmaddubsw result holds column c's pair sums (k 4g, 4g+1) and (4g+2, 4g+3), so
// vpmaddwd by 1s gives column c's 4-k sum in int32 lane c: accumulators are in column order, stored directly.
// Register tile: R rows x NB blocks of 8 columns: R*NB accumulators, NB weight registers, 1 broadcast, 1 ones.
// R = 6, NB = 2 (6 x 16): 12 + 2 + 1 + 1 = 16 ymm.

#ifndef PF_DIST
#define PF_DIST 16
#endif

static inline int32_t ld32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

CI8_TARGET_AVX2 __attribute__((always_inline)) static inline void
tile8(const int R, const int NB, const int prefetch, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C,
      size_t ldc, int accumulate) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[CI8_MR][8];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < NB; j++) acc[r][j] = _mm256_setzero_si256();
    for (size_t g = 0; g < kg; g++) {
        if (prefetch) // the first tile pulls whole groups (4 lines) ahead, so the other tiles' lines hit L1
            for (int l = 0; l < 4; l++) _mm_prefetch((const char *)(B + PF_DIST * 4 * CI8_NR + 64 * l), _MM_HINT_T0);
        __m256i b[8];
        for (int j = 0; j < NB; j++) b[j] = _mm256_load_si256((const __m256i *)(B + 32 * j)); // 8 columns x 4 k
        for (int r = 0; r < R; r++) {
            const __m256i a = _mm256_set1_epi32(ld32(A + 4 * r)); // u[4g..4g+3] of row r, 8 times
            for (int j = 0; j < NB; j++)
                acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b[j]), ones));
        }
        A += 4 * CI8_MR;
        B += 4 * CI8_NR;
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < NB; j++) {
            __m256i *p = (__m256i *)(C + (size_t)r * ldc + 8 * j);
            __m256i v = acc[r][j];
            if (accumulate) v = _mm256_add_epi32(v, _mm256_load_si256(p));
            _mm256_store_si256(p, v);
        }
}

// The 64 columns of a panel in tiles of R x (8*NB).
#define TILES8(R, NB)                                                                                          \
    do {                                                                                                       \
        tile8(R, NB, 1, kg, A, B, C, ldc, accumulate);                                                         \
        for (int c = 8 * (NB); c < CI8_NR; c += 8 * (NB)) tile8(R, NB, 0, kg, A, B + 4 * c, C + c, ldc, accumulate); \
    } while (0)

CI8_TARGET_AVX2 void ci8_uk_avx2_narrow(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C,
                                        size_t ldc, int accumulate) {
    switch (m) { // m = 1: one 1 x 64 tile (8 accumulators); 2: 2 x 32 tiles; 3..6: 16-column tiles (3 x 32 would
                 // need 12 accumulators and 4 weight registers: 19 ymm, which spills)
    case 1: TILES8(1, 8); break;
    case 2: TILES8(2, 4); break;
    case 3: TILES8(3, 2); break;
    case 4: TILES8(4, 2); break;
    case 5: TILES8(5, 2); break;
    default: TILES8(6, 2); break;
    }
}
