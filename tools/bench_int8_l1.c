// The AVX2 int8 micro-kernels on L1-resident panels, one thread, beside the register-only peak loop.
//
// Build and run from the project root (the same flags as Package.swift gives CInt8):
//   clang -O3 -fno-strict-aliasing -ISources/CInt8/include -ISources/CInt8 Sources/CInt8/*.c tools/bench_int8_l1.c \
//         -lpthread -lm -o /tmp/bench_int8_l1 && /tmp/bench_int8_l1 [k-groups, default 64 = KC 256] [rounds, default 3] \
//         [rows m, 1..6, default 6]
// One call = 6 rows x 64 columns x 4*kg k values, the vpmaddwd kernel's full 6-row tile set for one KC block (A is
// 6*kg*8 bytes of int16, B is kg*256 bytes of int8: both stay in L1). What it shows: how far the kernel's loads,
// widening and broadcasts keep it from the peak loop, with memory out of the picture. The narrow kernel (weights in
// [-64, 63], u8 panels) runs on its own weights, drawn from that range.
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>

static double kernel_gops(ci8_ukernel_fn uk, size_t m, size_t kg, const void *A, const int8_t *B, int32_t *C,
                          int reps) {
    const double t0 = ci8_now();
    for (int r = 0; r < reps; r++) uk(m, kg, A, B, C, CI8_NR, r > 0);
    const double t = ci8_now() - t0;
    return 2.0 * (double)m * CI8_NR * 4.0 * (double)kg * reps / t * 1e-9;
}

int main(int argc, char **argv) {
    const size_t kg = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    const int rounds = argc > 2 ? atoi(argv[2]) : 3, reps = 20000;
    const size_t m = argc > 3 ? (size_t)atoi(argv[3]) : CI8_MR;
    if (m < 1 || m > CI8_MR) return fprintf(stderr, "m must be 1..6\n"), 1;
    if (kg == 0 || !ci8_path_supported(CI8_PATH_AVX2)) return fprintf(stderr, "needs AVX2+FMA and kg > 0\n"), 1;
    int16_t *A = aligned_alloc(64, kg * 4 * CI8_MR * sizeof(int16_t)); // CI8_A_S16 panel (vpmaddwd kernel)
    uint8_t *Au = aligned_alloc(64, kg * 4 * CI8_MR);                  // CI8_A_U8 panel (row kernel)
    int8_t *B = aligned_alloc(64, kg * 4 * CI8_NR), *Bn = aligned_alloc(64, kg * 4 * CI8_NR);
    int32_t *C = aligned_alloc(64, CI8_MR * CI8_NR * sizeof(int32_t));
    if (!A || !Au || !B || !Bn || !C) return fprintf(stderr, "out of memory\n"), 1;
    for (size_t i = 0; i < kg * 4 * CI8_MR; i++) A[i] = (int16_t)((int)(i * 7 % 255) - 127), Au[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < kg * 4 * CI8_NR; i++) B[i] = (int8_t)((int)(i * 13 % 255) - 127);
    for (size_t i = 0; i < kg * 4 * CI8_NR; i++) Bn[i] = (int8_t)((int)(i * 13 % 128) - 64);
    for (int round = 0; round < rounds; round++) {
        const double madd = kernel_gops(ci8_uk_avx2, m, kg, A, B, C, reps);
        const double rows = kernel_gops(ci8_uk_avx2_rows, m, kg, Au, B, C, reps);
        const double narrow = kernel_gops(ci8_uk_avx2_narrow, m, kg, Au, Bn, C, reps);
        const double peak = ci8_path_peak_gops(CI8_PATH_AVX2, 20000000, 1);
        printf("kg %zu m %zu: vpmaddwd kernel %.1f GOPS (%.0f %% of peak), row kernel %.1f GOPS (%.0f %%), narrow kernel "
               "%.1f GOPS (%.0f %%), peak loop %.1f GOPS\n",
               kg, m, madd, 100 * madd / peak, rows, 100 * rows / peak, narrow, 100 * narrow / peak, peak);
    }
    return 0;
}
