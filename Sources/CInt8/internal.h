// Private declarations shared by the CInt8 sources: packed layouts, micro-kernel and epilogue signatures, pool.
#pragma once
#include "CInt8.h"
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define CI8_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma")))
#define CI8_TARGET_AVX2 __attribute__((target("avx2,fma")))

// Whether this compiler knows the AVX-VNNI (VEX, 256-bit) target and intrinsic.
#if defined(__clang__)
#if __clang_major__ >= 12
#define CI8_HAVE_AVXVNNI_COMPILER 1
#endif
#elif defined(__GNUC__) && __GNUC__ >= 11
#define CI8_HAVE_AVXVNNI_COMPILER 1
#endif
#ifndef CI8_HAVE_AVXVNNI_COMPILER
#define CI8_HAVE_AVXVNNI_COMPILER 0
#endif

struct ci8_packed {
    size_t n, k;   // logical sizes
    size_t np, kp; // padded: np multiple of CI8_NR, kp multiple of 4
    int8_t *data;  // [np/64][kp/4][64][4], 64-byte aligned
    int32_t *colsum; // [np]
    int narrow;      // 1 if every weight lies in [-64, 63]: the AVX2 vpmaddubsw kernel cannot saturate on it
};

// Packed activations: panels of CI8_MR rows; panel q holds kp/4 groups of CI8_MR rows x 4 values, in one of two
// formats (the kernel says which):
//   CI8_A_U8:  byte  [q][g][r][t] = U[6q + r][4g + t] (u8), zero past M or K; a group is 24 bytes.
//   CI8_A_S16: int16 [q][g][r][t] = U[6q + r][4g + t] - 128 (= x), zero past M or K; a group is 48 bytes
//              (the AVX2 vpmaddwd kernel: one vpbroadcastq per row and group, no per-row fixup).
enum { CI8_A_U8 = 0, CI8_A_S16 = 1 };
static inline size_t ci8_agroup_bytes(int fmt) { return (size_t)(4 * CI8_MR) << fmt; }
static inline size_t ci8_apanel_bytes(size_t kp, int fmt) { return (kp / 4) * ci8_agroup_bytes(fmt); }
// One row's 4 values of one k group (u: 4 u8 activations, or NULL for padding) at d, in format fmt.
static inline void ci8_put_group(uint8_t *d, const uint8_t *u, int fmt) {
    if (fmt == CI8_A_U8) {
        if (u) memcpy(d, u, 4);
        else memset(d, 0, 4);
        return;
    }
    int16_t v[4] = {0, 0, 0, 0};
    if (u)
        for (int t = 0; t < 4; t++) v[t] = (int16_t)(u[t] - 128);
    memcpy(d, v, 8);
}

// Micro-kernel: C[r][c] (+)= sum_{g<kg} sum_t A[g][r][t] * B[g][c][t] for r < m (1..CI8_MR), c < 64.
// A points into a packed activation panel, B into a packed weight panel, both at the same k group.
// C is int32 with row stride ldc (multiple of 16, 64-byte aligned). accumulate=0 overwrites C.
typedef void (*ci8_ukernel_fn)(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                               int accumulate);

// What a micro-kernel produces: UDOT = sum u*w (VNNI semantics, needs -128*colsum); XDOT = sum (u-128)*w.
enum { CI8_YIELDS_UDOT = 0, CI8_YIELDS_XDOT = 1 };
// Epilogue vector tier.
enum { CI8_TIER_SCALAR = 0, CI8_TIER_AVX2 = 1, CI8_TIER_AVX512 = 2 };

typedef struct ci8_kernel {
    ci8_ukernel_fn uk; // A is a panel in format `afmt` (cast from const uint8_t *)
    int yields;
    int tier;
    int afmt; // CI8_A_U8 or CI8_A_S16
    int kc;   // preferred k per cache block (multiple of 4), 0 for the driver's default
    const char *name; // what ci8_kernel_name reports
} ci8_kernel;

void ci8_uk_scalar(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc, int accumulate);
// AVX2 without VNNI, weights not narrow: the vpmaddwd kernel on CI8_A_S16 panels (calls with M > CI8_MR), and the
// vpsignb row kernel on CI8_A_U8 panels (M <= CI8_MR: one row panel, where reading each weight byte once matters most).
void ci8_uk_avx2(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc, int accumulate);
void ci8_uk_avx2_rows(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                      int accumulate);
// AVX2 without VNNI, narrow weights (all in [-64, 63]): vpmaddubsw + vpmaddwd + vpaddd on CI8_A_U8 panels, UDOT.
void ci8_uk_avx2_narrow(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                        int accumulate);
void ci8_uk_avx512vnni(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                       int accumulate);
// The 256-bit VNNI kernel, VEX encoding (AVX-VNNI CPUs) and EVEX encoding (AVX512-VNNI+VL CPUs without AVX-VNNI).
void ci8_uk_avxvnni_vex(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                        int accumulate);
void ci8_uk_avxvnni_evex(size_t m, size_t kg, const uint8_t *A, const int8_t *B, int32_t *C, size_t ldc,
                         int accumulate);

// Dispatch: resolves a ci8_path (or CI8_PATH_DEFAULT) to the kernel for a call with M rows on packed weights W
// (W->narrow selects the AVX2 narrow kernel). Returns CI8_OK or CI8_EUNSUPPORTED.
int ci8_resolve_kernel(int path, size_t M, const ci8_packed *W, ci8_kernel *out);
int ci8_cpu_has_avx512(void); // avx512f+bw+vl+dq (quantizer, epilogue)
int ci8_cpu_has_avx2(void);   // avx2+fma
int ci8_cpu_has_avx512vnni(void);
int ci8_cpu_has_avxvnni(void);
int ci8_threads_for(const ci8_config *cfg);

// Epilogue over a block of m x n results in C (row stride ldc). colsum != NULL means C holds UDOT values.
typedef struct ci8_epi_args {
    const int32_t *colsum; // NULL for XDOT, else the block's first column's sum
    int out_f32;           // 0: int32 output Yi; 1: float output Yf with the affine + act
    int32_t *Yi;
    float *Yf;
    size_t ldy;
    const float *sx_rows; // per-row scales of the block's first row, or NULL
    float sx;
    const float *sw;   // block's first column
    const float *bias; // block's first column, or NULL
    int act;
} ci8_epi_args;
void ci8_epilogue_scalar(const int32_t *C, size_t ldc, size_t m, size_t n, const ci8_epi_args *a);
void ci8_epilogue_avx2(const int32_t *C, size_t ldc, size_t m, size_t n, const ci8_epi_args *a);
void ci8_epilogue_avx512(const int32_t *C, size_t ldc, size_t m, size_t n, const ci8_epi_args *a);

// Activation packing (pack.c / quant.c) in panel format fmt. Rows [r0, r1) of the logical M rows, r0 multiple of
// CI8_MR.
void ci8_pack_a_u8(const uint8_t *X, size_t ldx, size_t M, size_t K, size_t kp, size_t r0, size_t r1, int fmt,
                   uint8_t *Ap);
// Quantize rows [r0,r1) of float X into packed panels; dynamic if sx_rows != NULL (writes sx_rows[i]).
// tier selects SIMD (bit-identical to scalar).
void ci8_quant_pack(const float *X, size_t ldx, size_t M, size_t K, size_t kp, size_t r0, size_t r1,
                    float *sx_rows, float sx_static, int tier, int fmt, uint8_t *Ap);
// Quantize one row to u8 (dynamic: returns the scale; static: uses sx). Scalar reference and SIMD versions.
float ci8_quant_row_scalar(const float *x, size_t K, int dynamic, float sx, uint8_t *q);
float ci8_quant_row_avx2(const float *x, size_t K, int dynamic, float sx, uint8_t *q);
float ci8_quant_row_avx512(const float *x, size_t K, int dynamic, float sx, uint8_t *q);

// Thread pool: runs fn(arg, tid) on up to `nthreads` threads (the caller is tid 0) and waits. Work must be
// claimed dynamically: the pool may run fewer threads (another caller holds it, or a worker joined too late).
// Returns the number of threads offered the job (not all of them need have run it).
typedef void (*ci8_job_fn)(void *arg, int tid);
int ci8_pool_run(int nthreads, ci8_job_fn fn, void *arg);
// Tasks 0..<n split into `groups` contiguous ranges, thread tid owning range tid % groups: a thread drains its own
// range first, then takes what is left of the others. So every call of the same shape gives a thread the same rows
// (its weights stay in its own caches, and on a CPU whose cores have separate L3s in its own L3), while a thread
// that is late or absent costs nothing: its range is taken by the others.
enum { CI8_TASK_GROUPS = 16 };
typedef struct {
    _Atomic size_t next[CI8_TASK_GROUPS];
    size_t end[CI8_TASK_GROUPS];
    int groups;
} ci8_tasks;
void ci8_tasks_init(ci8_tasks *q, size_t n, int threads);
size_t ci8_tasks_next(ci8_tasks *q, int tid); // a task index, or SIZE_MAX when none is left
// Per-thread scratch buffer (64-byte aligned, grows, freed at thread exit). slot 0: caller-side, 1: worker-side.
void *ci8_scratch(int slot, size_t bytes);
int ci8_online_cpus(void);

// Small-M float linear (flinear.c): one call's operands; the row functions compute outputs for weight rows [n0, n1).
typedef struct ci8_flinear_args {
    const float *X;
    size_t M, ldx;
    const float *W;
    size_t N, K, ldw;
    const float *bias;
    float *Y;
    size_t ldy;
} ci8_flinear_args;
void ci8_flinear_avx2_rows(const ci8_flinear_args *a, size_t n0, size_t n1);
// One query's attention on the 256-bit paths (attend_avx2.c).
void ci8_attend_avx2(const float *q, const float *keys, const float *vals, size_t len, size_t dh, float scale,
                     float *scores, float *out);
void ci8_flinear_avx512_rows(const ci8_flinear_args *a, size_t n0, size_t n1);
