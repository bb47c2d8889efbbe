// Scalar reference micro-kernel (same packed layouts as the SIMD kernels) and the plain unpacked reference GEMM.
#include "internal.h"

// C[r][c] (+)= sum_g sum_t A[g][r][t] * B[g][c][t]: exactly what one vpdpbusd per (row, 16 columns) accumulates.
void ci8_uk_scalar(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc, int accumulate) {
    for (size_t r = 0; r < m; r++) {
        int32_t acc[CI8_NR];
        for (size_t c = 0; c < CI8_NR; c++) acc[c] = accumulate ? C[r * ldc + c] : 0;
        for (size_t g = 0; g < kg; g++) {
            const uint8_t *a = A + g * (4 * CI8_MR) + 4 * r;
            const int8_t *b = B + g * (4 * CI8_NR);
            for (size_t c = 0; c < CI8_NR; c++)
                acc[c] += (int32_t)a[0] * b[4 * c] + (int32_t)a[1] * b[4 * c + 1] + (int32_t)a[2] * b[4 * c + 2] +
                          (int32_t)a[3] * b[4 * c + 3];
        }
        for (size_t c = 0; c < CI8_NR; c++) C[r * ldc + c] = acc[c];
    }
}

void ci8_reference_s32(const uint8_t *X, size_t M, size_t K, size_t ldx, const int8_t *W, size_t N, size_t ldw,
                       int32_t *Y, size_t ldy) {
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            int64_t s = 0;
            for (size_t k = 0; k < K; k++) s += (int64_t)((int)X[i * ldx + k] - 128) * W[j * ldw + k];
            Y[i * ldy + j] = (int32_t)s;
        }
}
