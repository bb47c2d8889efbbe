// CInt8 public API: packed u8 x s8 -> s32 GEMM for quantized Linear layers, with fused float epilogue and CPU dispatch.
//
// Conventions (see docs/notes/int8-kernel.md and docs/FORMAT.md, "Quantized layers"):
//   Y (M,N) = X (M,K) . W^T, with W int8 (N,K) in PyTorch (out,in) layout, values in [-127, 127].
//   Activations enter as u8 = x + 128, x in [-128, 127]. The kernels accumulate sum_k u[i,k]*w[j,k] in int32;
//   the true s8 x s8 dot product is acc - 128*colsum[j], colsum[j] = sum_k w[j,k], precomputed at pack time.
//   Float epilogue: y = fma((float)(acc - 128*colsum[j]), s_x[i] * s_w[j], b[j]), then optional ReLU or
//   exact-erf GELU 0.5*y*(1 + erf(y/sqrt(2))).
//   Limits: 1 <= K <= CI8_MAX_K, so no int32 intermediate can overflow.
// All functions are safe to call from several threads at once. Pointers are row-major with explicit leading
// dimensions (in elements). Functions returning int return CI8_OK (0) or a negative CI8_E* code.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CI8_OK = 0,
    CI8_EINVAL = -1,       ///< bad argument (null pointer, zero size, ld too small, non-positive scale)
    CI8_ENOMEM = -2,       ///< allocation failed
    CI8_EUNSUPPORTED = -3, ///< the requested path is not supported by this CPU or compiler
    CI8_ERANGE = -4,       ///< a weight is -128, or K > CI8_MAX_K
};

enum { CI8_MAX_K = 65536 };

/// Kernel paths. CI8_PATH_DEFAULT in a ci8_config means "the process-wide active path".
typedef enum ci8_path {
    CI8_PATH_DEFAULT = -1,
    CI8_PATH_SCALAR = 0,
    CI8_PATH_AVX2 = 1,
    CI8_PATH_AVXVNNI = 2,
    CI8_PATH_AVX512VNNI = 3,
} ci8_path;

/// Activation applied after the affine epilogue.
typedef enum ci8_act {
    CI8_ACT_NONE = 0,
    CI8_ACT_RELU = 1,
    CI8_ACT_GELU = 2, ///< exact erf form
} ci8_act;

/// Per-call overrides. Pass NULL for the process-wide defaults.
typedef struct ci8_config {
    int path;    ///< a ci8_path, or CI8_PATH_DEFAULT
    int threads; ///< number of threads to use, or 0 for the process-wide setting
} ci8_config;

/// Opaque packed weights (see ci8_pack_weights for the documented layout).
typedef struct ci8_packed ci8_packed;

// ---- CPU dispatch -------------------------------------------------------------------------------------------
/// Name of a path ("scalar", "avx2", "avxvnni", "avx512vnni"), or "default"/"unknown".
const char *ci8_path_name(int path);
/// 1 if this CPU (and compiler) can run `path`, else 0.
int ci8_path_supported(int path);
/// The fastest supported path.
int ci8_best_path_id(void);
/// Name of the fastest supported path (kept for older callers).
const char *ci8_best_path(void);
/// The process-wide active path: the best one, unless CONDENSE_INT8_PATH or ci8_set_path forced another.
int ci8_active_path(void);
/// 1 if CONDENSE_INT8_PATH named an unknown or unsupported path (the active path then fell back to the best).
int ci8_path_forcing_failed(void);
/// Forces the process-wide path (CI8_PATH_DEFAULT restores the best). CI8_EUNSUPPORTED leaves it unchanged.
int ci8_set_path(int path);
/// One line describing the active path and CPU features, e.g. for logs ("avx512vnni; cpu: avx2 avx512vnni").
const char *ci8_path_info(void);
/// Re-reads CONDENSE_INT8_PATH and CONDENSE_THREADS (read once, lazily, otherwise). Returns the active path.
int ci8_reload_env(void);

// ---- Threads ------------------------------------------------------------------------------------------------
/// Sets the process-wide thread count; n <= 0 restores the default (CONDENSE_THREADS, else online CPUs).
void ci8_set_threads(int n);
/// The process-wide thread count.
int ci8_get_threads(void);

// ---- Weights ------------------------------------------------------------------------------------------------
/// Packs W (N,K) int8 (row stride ldw >= K), values in [-127,127], once. Layout of ci8_packed_data:
/// panels of CI8_NR = 64 output columns; panel p holds Kp/4 groups, group g holds 64 columns x 4 bytes:
/// byte [p][g][c][t] = W[64p + c][4g + t], zero where 64p + c >= N or 4g + t >= K. Kp = K rounded up to 4,
/// Np = N rounded up to 64. Column sums (int32, Np entries, zero in padding) are computed here.
/// Returns NULL and sets *err (if err != NULL) on failure (CI8_ERANGE if a weight is -128).
ci8_packed *ci8_pack_weights(const int8_t *W, size_t N, size_t K, size_t ldw, int *err);
void ci8_packed_free(ci8_packed *p);
size_t ci8_packed_n(const ci8_packed *p);
size_t ci8_packed_k(const ci8_packed *p);
/// Packed weight bytes (Np * Kp), 64-byte aligned, and the column sums (Np entries).
const int8_t *ci8_packed_data(const ci8_packed *p);
size_t ci8_packed_bytes(const ci8_packed *p);
const int32_t *ci8_packed_colsums(const ci8_packed *p);
/// 1 if every weight lies in [-64, 63] ("narrow", recorded at pack time): on the AVX2 path such weights run the
/// vpmaddubsw + vpmaddwd + vpaddd kernel, which cannot saturate on them. The int32 results are the same on every path.
int ci8_packed_narrow(const ci8_packed *p);
/// The micro-kernel a call with M rows on W would run on `path` (CI8_PATH_DEFAULT = the active path):
/// "avx512vnni", "avxvnni-vex", "avxvnni-evex", "avx2-vpmaddwd", "avx2-rows", "avx2-narrow", "scalar";
/// "unsupported" if the path is not supported here.
const char *ci8_kernel_name(int path, size_t M, const ci8_packed *W);
enum { CI8_NR = 64, CI8_MR = 6 };

// ---- GEMM entry points --------------------------------------------------------------------------------------
/// Raw int32 results: Y[i,j] = sum_k (X[i,k] - 128) * W[j,k] (acc - 128*colsum), X u8 (M,K), row stride ldx.
int ci8_gemm_s32(const uint8_t *X, size_t M, size_t ldx, const ci8_packed *W, int32_t *Y, size_t ldy,
                 const ci8_config *cfg);
/// u8 activations with known scales: per-row sx_rows[M] if non-NULL, else the per-tensor sx.
/// sw[N] per output channel; bias[N] or NULL; act a ci8_act. Y float (M,N), row stride ldy.
int ci8_gemm_f32(const uint8_t *X, size_t M, size_t ldx, const ci8_packed *W, const float *sx_rows, float sx,
                 const float *sw, const float *bias, int act, float *Y, size_t ldy, const ci8_config *cfg);
/// Dynamic per-token quantization fused with the GEMM: s_x[i] = max_k |X[i,k]| / 127, then as ci8_gemm_f32.
/// sx_out[M] receives the scales if non-NULL. X must be finite.
int ci8_linear_dynamic(const float *X, size_t M, size_t ldx, const ci8_packed *W, const float *sw,
                       const float *bias, int act, float *Y, size_t ldy, float *sx_out, const ci8_config *cfg);
/// Static per-tensor quantization with a given scale sx > 0, then as ci8_gemm_f32.
int ci8_linear_static(const float *X, size_t M, size_t ldx, const ci8_packed *W, float sx, const float *sw,
                      const float *bias, int act, float *Y, size_t ldy, const ci8_config *cfg);

// ---- Quantization (exposed for tests and for callers that keep u8 activations) ------------------------------
/// Per-row dynamic: sx[i] = max|X[i,:]|/127 (0 for an all-zero row); Q[i,k] = clamp(roundeven(X/sx), -127, 127)
/// + 128 (128 when sx == 0). Q has row stride ldq >= K. Uses SIMD when available; bit-identical to _ref.
int ci8_quantize_dynamic(const float *X, size_t M, size_t K, size_t ldx, uint8_t *Q, size_t ldq, float *sx);
int ci8_quantize_dynamic_ref(const float *X, size_t M, size_t K, size_t ldx, uint8_t *Q, size_t ldq, float *sx);
/// Per-tensor static: Q = clamp(roundeven(X/sx), -127, 127) + 128, sx > 0.
int ci8_quantize_static(const float *X, size_t M, size_t K, size_t ldx, float sx, uint8_t *Q, size_t ldq);
int ci8_quantize_static_ref(const float *X, size_t M, size_t K, size_t ldx, float sx, uint8_t *Q, size_t ldq);

// ---- References (plain loops on unpacked data) --------------------------------------------------------------
/// Y[i,j] = sum_k (X[i,k] - 128) * W[j,k] with 64-bit accumulation, then stored as int32.
void ci8_reference_s32(const uint8_t *X, size_t M, size_t K, size_t ldx, const int8_t *W, size_t N, size_t ldw,
                       int32_t *Y, size_t ldy);
/// The scalar float epilogue applied to true dot products D (M,N): y = fma((float)D, sx_i*sw_j, b_j), act.
void ci8_reference_epilogue(const int32_t *D, size_t M, size_t N, size_t ldd, const float *sx_rows, float sx,
                            const float *sw, const float *bias, int act, float *Y, size_t ldy);

// ---- Float linear for decode-sized M (decode, speculative verification, prefill) -------------------------------
/// Y (M,N) = X (M,K) · Wᵀ (+ bias), W float (N,K) row-major (PyTorch (out,in)), row strides ldx, ldw, ldy; bias[N] or
/// NULL; M >= 1. The work is split over N. Up to CI8_FLINEAR_GROUP_M rows, each weight row is read once for all rows;
/// past that, the rows pass in groups of 4 over each thread's chunk of weight rows (kept in L1/L2).
/// Every output element is summed in one fixed order that depends on the path only (scalar, avx2 on the 256-bit
/// paths, avx512 on avx512vnni), never on M, the tile or the thread split: the rows of a call with M rows are bit
/// for bit the results of M calls with one row each.
enum { CI8_FLINEAR_GROUP_M = 8 };
int ci8_flinear(const float *X, size_t M, size_t ldx, const float *W, size_t N, size_t K, size_t ldw,
                const float *bias, float *Y, size_t ldy, const ci8_config *cfg);
/// The plain reference (and the scalar path): y[i][j] = (sum over k in increasing order of x[i][k]*w[j][k]) + b[j].
void ci8_flinear_ref(const float *X, size_t M, size_t ldx, const float *W, size_t N, size_t K, size_t ldw,
                     const float *bias, float *Y, size_t ldy);

// ---- One query's attention over a cache (decoding) -----------------------------------------------------------
/// out (dh) = Σ_{j<len} softmax_j(scale·q·k_j)·v_j, keys and vals (len, dh) row-major, scores (len) scratch (it ends
/// holding the unnormalized weights e_j). The result depends on the path (scalar: the reference below; every other
/// path: AVX2 with a vector exp) and on (q, keys, vals, len, dh, scale) only, so a row gets the same bits whichever
/// call, batch or thread computes it.
int ci8_attend(const float *q, const float *keys, const float *vals, size_t len, size_t dh, float scale,
               float *scores, float *out, const ci8_config *cfg);
/// The plain reference: float dots in increasing d, expf(s_j − max), out = (Σ_j e_j·v_j) · (1/Σ_j e_j).
void ci8_attend_ref(const float *q, const float *keys, const float *vals, size_t len, size_t dh, float scale,
                    float *scores, float *out);

// ---- Parallel loop on the kernels' thread pool ---------------------------------------------------------------
/// Runs fn(ctx, i) for every i in 0..<n on up to `threads` threads of the pool the kernels use (0 = the process-wide
/// count; the caller is one of them) and returns when all are done. Thread t takes the t-th contiguous range of
/// tasks first, then what is left of the others, so equal calls give a thread the same tasks. fn must write only
/// what task i owns; a call made from inside fn, or while another thread holds the pool, runs on the caller alone.
void ci8_parallel_for(size_t n, int threads, void (*fn)(void *ctx, size_t i), void *ctx);

// ---- Measurement (benchmarks, not tests) --------------------------------------------------------------------
/// Register-only vpdpbusd loop (16 independent accumulators; zmm on AVX-512 VNNI, else ymm on AVX-VNNI), `iters`
/// iterations per thread, on `threads` threads at once (0 = process-wide count). Returns GOPS, counting
/// 2 ops per multiply-add (one zmm vpdpbusd = 64 MACs = 128 ops). 0 if no VNNI path is supported.
double ci8_vnni_peak_gops(uint64_t iters, int threads);
/// The register-only peak loop of `path` (CI8_PATH_DEFAULT = the active path), the ceiling of that path's kernel:
/// avx512vnni: vpdpbusd zmm (64 MACs); avxvnni: vpdpbusd ymm (32 MACs, VEX or EVEX as the path runs);
/// avx2: vpmaddubsw + vpmaddwd + vpaddd ymm (32 MACs per triplet, 8 accumulators). Same timing and op count as
/// ci8_vnni_peak_gops. Returns 0 for the scalar path (no peak loop) or a path this CPU does not support.
double ci8_path_peak_gops(int path, uint64_t iters, int threads);
/// The instruction sequence ci8_path_peak_gops times for `path` ("vpdpbusd zmm", ...), or "none".
const char *ci8_path_peak_loop(int path);
/// Median GOPS (2*M*N*K / time) of `reps` timed calls on random data. mode 0: ci8_gemm_s32 on u8 input;
/// mode 1: ci8_linear_dynamic (float in, float out, with quantization). cfg may be NULL.
double ci8_bench_gemm(size_t M, size_t K, size_t N, int reps, int mode, const ci8_config *cfg);
/// ci8_bench_gemm with random weights in [-127, 127] (weight_bits 8) or [-63, 63] (weight_bits 7: narrow weights).
double ci8_bench_gemm_bits(size_t M, size_t K, size_t N, int reps, int mode, int weight_bits, const ci8_config *cfg);
/// Streaming read bandwidth in GB/s over a buffer of `bytes`, on `threads` threads (0 = process-wide count).
double ci8_bench_read_gbs(size_t bytes, int reps, int threads);
/// Overrides the cache blocking (k per block, rows per task, 64-column panels per task); 0 restores a default.
void ci8_set_blocking(int kc, int mc, int nc);
/// Monotonic time in seconds.
double ci8_now(void);

#ifdef __cplusplus
}
#endif
