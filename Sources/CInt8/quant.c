// Activation quantization float -> u8 (x/s rounded half-to-even, clamped to [-127,127], +128): scalar reference,
// AVX2 and AVX-512 versions (bit-identical: IEEE division, round-half-even, same clamp), and fused panel packing.
#include "internal.h"
#include <immintrin.h>
#include <math.h>

// ---- scalar reference ---------------------------------------------------------------------------------------
static float maxabs_scalar(const float *x, size_t n) {
    float m = 0.0f;
    for (size_t k = 0; k < n; k++) m = fmaxf(m, fabsf(x[k]));
    return m;
}
static void quant_scalar(const float *x, size_t n, float s, uint8_t *q) {
    if (s == 0.0f) { memset(q, 128, n); return; }
    for (size_t k = 0; k < n; k++) {
        float v = __builtin_roundevenf(x[k] / s);
        v = fminf(fmaxf(v, -127.0f), 127.0f);
        q[k] = (uint8_t)((int)v + 128);
    }
}

// ---- AVX2 ---------------------------------------------------------------------------------------------------
CI8_TARGET_AVX2 static float maxabs_avx2(const float *x, size_t n) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + 8 <= n; k += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + k), absmask));
    float t[8];
    _mm256_storeu_ps(t, m);
    float r = maxabs_scalar(x + k, n - k);
    for (int i = 0; i < 8; i++) r = fmaxf(r, t[i]);
    return r;
}
CI8_TARGET_AVX2 static void quant_avx2(const float *x, size_t n, float s, uint8_t *q) {
    if (s == 0.0f) { memset(q, 128, n); return; }
    const __m256 vs = _mm256_set1_ps(s), lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    const __m256i off = _mm256_set1_epi32(128);
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + k), vs);
        v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        __m256i iv = _mm256_add_epi32(_mm256_cvtps_epi32(v), off); // 0..254
        __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(iv), _mm256_extracti128_si256(iv, 1));
        w = _mm_packus_epi16(w, w);
        _mm_storel_epi64((__m128i *)(q + k), w);
    }
    quant_scalar(x + k, n - k, s, q + k);
}

// ---- AVX-512 ------------------------------------------------------------------------------------------------
CI8_TARGET_AVX512 static float maxabs_avx512(const float *x, size_t n) {
    __m512 m = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + 16 <= n; k += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + k)));
    if (k < n) {
        const __mmask16 msk = (__mmask16)((1u << (n - k)) - 1);
        m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(msk, x + k)));
    }
    return _mm512_reduce_max_ps(m);
}
CI8_TARGET_AVX512 static void quant_avx512(const float *x, size_t n, float s, uint8_t *q) {
    if (s == 0.0f) { memset(q, 128, n); return; }
    const __m512 vs = _mm512_set1_ps(s), lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
    const __m512i off = _mm512_set1_epi32(128);
    for (size_t k = 0; k < n; k += 16) {
        const __mmask16 msk = n - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - k)) - 1);
        __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(msk, x + k), vs);
        v = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
        const __m512i iv = _mm512_add_epi32(_mm512_cvtps_epi32(v), off);
        _mm_mask_storeu_epi8(q + k, msk, _mm512_cvtepi32_epi8(iv));
    }
}

// ---- row entry points ---------------------------------------------------------------------------------------
float ci8_quant_row_scalar(const float *x, size_t K, int dynamic, float sx, uint8_t *q) {
    const float s = dynamic ? maxabs_scalar(x, K) / 127.0f : sx;
    quant_scalar(x, K, s, q);
    return s;
}
float ci8_quant_row_avx2(const float *x, size_t K, int dynamic, float sx, uint8_t *q) {
    const float s = dynamic ? maxabs_avx2(x, K) / 127.0f : sx;
    quant_avx2(x, K, s, q);
    return s;
}
float ci8_quant_row_avx512(const float *x, size_t K, int dynamic, float sx, uint8_t *q) {
    const float s = dynamic ? maxabs_avx512(x, K) / 127.0f : sx;
    quant_avx512(x, K, s, q);
    return s;
}

static float maxabs_tier(const float *x, size_t n, int tier) {
    if (tier == CI8_TIER_AVX512) return maxabs_avx512(x, n);
    if (tier == CI8_TIER_AVX2) return maxabs_avx2(x, n);
    return maxabs_scalar(x, n);
}
static void quant_tier(const float *x, size_t n, float s, uint8_t *q, int tier) {
    if (tier == CI8_TIER_AVX512) quant_avx512(x, n, s, q);
    else if (tier == CI8_TIER_AVX2) quant_avx2(x, n, s, q);
    else quant_scalar(x, n, s, q);
}

// Rows [r0, r1) (r0 a multiple of CI8_MR) quantized straight into activation panels, in chunks of CHUNK k.
void ci8_quant_pack(const float *X, size_t ldx, size_t M, size_t K, size_t kp, size_t r0, size_t r1,
                    float *sx_rows, float sx_static, int tier, int fmt, uint8_t *Ap) {
    enum { CHUNK = 1024 };
    uint8_t tmp[CHUNK];
    const size_t kg = kp / 4, pb = ci8_apanel_bytes(kp, fmt), gs = ci8_agroup_bytes(fmt);
    for (size_t i = r0; i < r1; i++) {
        uint8_t *d = Ap + (i / CI8_MR) * pb + ((4 * (i % CI8_MR)) << fmt);
        if (i >= M) {
            for (size_t g = 0; g < kg; g++) ci8_put_group(d + g * gs, NULL, fmt);
            continue;
        }
        const float *x = X + i * ldx;
        float s = sx_static;
        if (sx_rows) s = sx_rows[i] = maxabs_tier(x, K, tier) / 127.0f;
        for (size_t k0 = 0; k0 < K; k0 += CHUNK) {
            const size_t n = K - k0 < CHUNK ? K - k0 : CHUNK;
            const size_t n4 = (n + 3) & ~(size_t)3;
            quant_tier(x + k0, n, s, tmp, tier);
            for (size_t k = n; k < n4; k++) tmp[k] = fmt == CI8_A_S16 ? 128 : 0; // padding: x = 0 in S16
            uint8_t *dd = d + (k0 / 4) * gs;
            for (size_t g = 0; g < n4 / 4; g++) ci8_put_group(dd + g * gs, tmp + 4 * g, fmt);
        }
    }
}

// ---- public -------------------------------------------------------------------------------------------------
static int best_tier(void) {
    return ci8_cpu_has_avx512() ? CI8_TIER_AVX512 : ci8_cpu_has_avx2() ? CI8_TIER_AVX2 : CI8_TIER_SCALAR;
}

static int quantize(const float *X, size_t M, size_t K, size_t ldx, uint8_t *Q, size_t ldq, float *sx, int dyn,
                    float s, int tier) {
    if (!X || !Q || M == 0 || K == 0 || ldx < K || ldq < K || (dyn && !sx)) return CI8_EINVAL;
    if (!dyn && !(s > 0.0f && isfinite(s))) return CI8_EINVAL;
    for (size_t i = 0; i < M; i++) {
        const float *x = X + i * ldx;
        const float si = dyn ? maxabs_tier(x, K, tier) / 127.0f : s;
        if (dyn) sx[i] = si;
        quant_tier(x, K, si, Q + i * ldq, tier);
    }
    return CI8_OK;
}

int ci8_quantize_dynamic(const float *X, size_t M, size_t K, size_t ldx, uint8_t *Q, size_t ldq, float *sx) {
    return quantize(X, M, K, ldx, Q, ldq, sx, 1, 0.0f, best_tier());
}
int ci8_quantize_dynamic_ref(const float *X, size_t M, size_t K, size_t ldx, uint8_t *Q, size_t ldq, float *sx) {
    return quantize(X, M, K, ldx, Q, ldq, sx, 1, 0.0f, CI8_TIER_SCALAR);
}
int ci8_quantize_static(const float *X, size_t M, size_t K, size_t ldx, float sx, uint8_t *Q, size_t ldq) {
    return quantize(X, M, K, ldx, Q, ldq, NULL, 0, sx, best_tier());
}
int ci8_quantize_static_ref(const float *X, size_t M, size_t K, size_t ldx, float sx, uint8_t *Q, size_t ldq) {
    return quantize(X, M, K, ldx, Q, ldq, NULL, 0, sx, CI8_TIER_SCALAR);
}
