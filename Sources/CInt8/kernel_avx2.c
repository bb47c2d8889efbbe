// AVX2 micro-kernels without VNNI, both exact: vpmaddwd on int16 activations, vpsignb + vpmaddubsw row by row.
#include "internal.h"
#include <immintrin.h>

// Plain reference of one k-group step (ci8_uk_scalar is the full reference, in u8 form):
//   for r < m, c < 64: C[r][c] += sum_t x[g][r][t] * B[g][c][t],   x = u - 128 in [-128, 127]
// Both kernels yield these true s8 x s8 dots (CI8_YIELDS_XDOT): the epilogue skips the 128*colsum correction.
// Dispatch picks the row kernel for calls with M <= 6 (one row panel) and the vpmaddwd kernel above that, unless
// the weights are narrow (all in [-64, 63]): then kernel_avx2_narrow.c's 3-op kernel runs at every M.
//
// Why AVX2 needs two multiplies per 32 multiply-adds. AVX2 has no u8 x s8 -> s32 dot instruction. Its two
// options both spend two multiply-pipe instructions per 32 MACs:
//   (a) vpmaddubsw (32 u8*s8 products -> 16 saturating int16 pair sums) then vpmaddwd by 1s (-> 8 int32);
//   (b) vpmaddwd on int16 operands twice (16 products -> 8 int32 pair sums each).
// (a) needs a sign fixup to be exact (below), one more instruction per 32 MACs, and on Zen 4 that vpsignb issues
// on the same two pipes as the multiplies (measured: 1.75 cycles per 32 MACs instead of 1.0). (b) is exact with
// no fixup: |x*w| <= 128*127, a pair sum fits int32, and K <= 65536 keeps every sum below 2^31. So the main
// kernel is (b): activations are packed as int16 (CI8_A_S16), weights stay int8 in the shared packed layout and
// are sign-extended on load (vpmovsxbw, shared by all rows of the tile). See docs/notes/int8-kernel.md, "AVX2".
// (a) is kept for calls with one row panel, where it reads the weights better (the row kernel below).

#ifndef PF_DIST
#define PF_DIST 16
#endif

static inline int64_t ld64(const void *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline int32_t ld32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

// ---- vpmaddwd kernel (CI8_A_S16 panels) ---------------------------------------------------------------------
// Register tile: R rows x NQ blocks of 4 columns. One ymm accumulator per (row, block) holds 8 int32 lanes, two
// per column: lane 2c sums k = 4g+0, 4g+1 and lane 2c+1 sums k = 4g+2, 4g+3 (vpmaddwd's pair sums). The store adds
// the two lanes (vphaddd + vpermq). Per k group: NQ vpmovsxbw loads (4 columns x 4 k each, shared by the R rows),
// R vpbroadcastq (a row's 4 int16), R*NQ vpmaddwd + vpaddd. For R = 6, NQ = 2: 12 accumulators, 2 weight
// registers, the broadcast and one product = 16 ymm, and 2 multiplies per 32 MACs with nothing else on the
// multiply pipes.
CI8_TARGET_AVX2 __attribute__((always_inline)) static inline void
tile16(const int R, const int NQ, const int prefetch, size_t kg, const int16_t *A, const int8_t *B, int32_t *C,
       size_t ldc, int accumulate) {
    __m256i acc[CI8_MR][8];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < NQ; j++) acc[r][j] = _mm256_setzero_si256();
    for (size_t g = 0; g < kg; g++) {
        if (prefetch) // the first tile pulls whole groups (4 lines) ahead, so the other tiles' stripes hit L1
            for (int l = 0; l < 4; l++) _mm_prefetch((const char *)(B + PF_DIST * 4 * CI8_NR + 64 * l), _MM_HINT_T0);
        __m256i b[8];
        for (int j = 0; j < NQ; j++) b[j] = _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(B + 16 * j)));
        for (int r = 0; r < R; r++) {
            const __m256i a = _mm256_set1_epi64x(ld64(A + 4 * r)); // x[4g..4g+3] of row r, 4 times
            for (int j = 0; j < NQ; j++) acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(a, b[j]));
        }
        A += 4 * CI8_MR;
        B += 4 * CI8_NR;
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < NQ; j += 2) { // lanes (c0 c0' c1 c1' c2 c2' c3 c3') (c4 ...) -> c0..c7
            __m256i v = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][j], acc[r][j + 1]), 0xD8);
            __m256i *p = (__m256i *)(C + (size_t)r * ldc + 4 * j);
            if (accumulate) v = _mm256_add_epi32(v, _mm256_load_si256(p));
            _mm256_store_si256(p, v);
        }
}

// The 64 columns of a panel in tiles of R x (4*NQ).
#define TILES16(R, NQ)                                                                                         \
    do {                                                                                                       \
        tile16(R, NQ, 1, kg, A, B, C, ldc, accumulate);                                                        \
        for (int c = 4 * (NQ); c < CI8_NR; c += 4 * (NQ)) tile16(R, NQ, 0, kg, A, B + 4 * c, C + c, ldc, accumulate); \
    } while (0)

CI8_TARGET_AVX2 void ci8_uk_avx2(size_t m, size_t kg, const uint8_t *Ab, const int8_t *B, int32_t *C, size_t ldc,
                                 int accumulate) {
    const int16_t *A = (const int16_t *)(const void *)Ab;
    switch (m) { // m = 1, 2: wider column tiles for the same register count; 3..6: all rows share each B load
    case 1: TILES16(1, 8); break;
    case 2: TILES16(2, 4); break;
    case 3: TILES16(3, 2); break;
    case 4: TILES16(4, 2); break;
    case 5: TILES16(5, 2); break;
    default: TILES16(6, 2); break;
    }
}

// ---- row kernel (CI8_A_U8 panels, calls with M <= CI8_MR) -----------------------------------------------------
// With one row panel each weight byte is used at most 6 times, so reading the weights decides. This kernel reads
// int8 weights as they are (32 MACs per 32-byte load, no widening) and pays a sign fixup instead, one row at a time
// across all 64 columns (8 accumulators): the first row streams each 256-byte k group whole (the prefetcher's best
// case), the next rows re-read the KC slice from L1. Measured on Zen 4 (forced AVX2, M = 2..6, K = N = 4096):
// 1.2-1.6x the vpmaddwd kernel, whose narrow column tiles read the weights in 32-byte stripes.
// Why vpmaddubsw cannot saturate here. vpmaddubsw(a, b) sums two adjacent u8*s8 products into int16 with signed
// saturation; with a = u = x + 128 in [0, 255] and b = w in [-127, 127] a pair can reach 2*255*127 = 64770 > 32767.
// So this kernel does not multiply u by w. It recovers x = u ^ 0x80 in [-128, 127] and computes x*w as |x| * s,
// where s = sign(w, x) (vpsignb: -w if x < 0, 0 if x == 0, w if x > 0):
//   a = |x| in [0, 128] (vpabsb; |-128| = 0x80 read as unsigned 128),
//   s in [-127, 127], because w != -128 (ci8_pack_weights rejects -128), so negating w never wraps.
// Every product |x|*s has magnitude <= 128*127 = 16256, every pair sum <= 32512 <= 32767: no saturation, for
// any input. vpmaddwd(pair sums, 1) then adds two pairs into int32 exactly. Padding is harmless: padded weights
// are 0. The xor and abs are done once per k group, not once per column block.
CI8_TARGET_AVX2 static void one_row(size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, int accumulate) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    __m256i acc[8];
    for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_si256();
    for (size_t g = 0; g < kg; g++) {
        const __m256i xs = _mm256_xor_si256(_mm256_set1_epi32(ld32(A)), flip); // x = u - 128, 4 k values
        const __m256i xa = _mm256_abs_epi8(xs);                                // |x| in [0, 128]
        for (int j = 0; j < 8; j++) {
            const __m256i w = _mm256_load_si256((const __m256i *)(B + 32 * j)); // 8 columns x 4 k
            const __m256i p16 = _mm256_maddubs_epi16(xa, _mm256_sign_epi8(w, xs));
            acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(p16, ones));
        }
        A += 4 * CI8_MR;
        B += 4 * CI8_NR;
    }
    for (int j = 0; j < 8; j++) {
        __m256i *p = (__m256i *)(C + 8 * j);
        __m256i v = acc[j];
        if (accumulate) v = _mm256_add_epi32(v, _mm256_load_si256(p));
        _mm256_store_si256(p, v);
    }
}

CI8_TARGET_AVX2 void ci8_uk_avx2_rows(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C,
                                      size_t ldc, int accumulate) {
    for (size_t r = 0; r < m && r < CI8_MR; r++) one_row(kg, A + 4 * r, B, C + r * ldc, accumulate);
}
