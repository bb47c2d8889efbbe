// Fused epilogue on an int32 result block: -128*colsum correction, then int32 out, or float affine + ReLU/GELU.
// Scalar reference (libm erff) beside the AVX2 and AVX-512 versions (rational erf, <= 6 ulp from erf).
#include "internal.h"
#include <immintrin.h>
#include <math.h>

#define SQRT1_2F 0.70710678118654752f

// ---- scalar reference ---------------------------------------------------------------------------------------
static inline float act_scalar(float y, int act) {
    if (act == CI8_ACT_RELU) return y > 0.0f ? y : 0.0f;
    if (act == CI8_ACT_GELU) return 0.5f * y * (1.0f + erff(y * SQRT1_2F));
    return y;
}

void ci8_epilogue_scalar(const int32_t *C, size_t ldc, size_t m, size_t n, const ci8_epi_args *a) {
    for (size_t i = 0; i < m; i++) {
        const int32_t *c = C + i * ldc;
        if (!a->out_f32) {
            int32_t *y = a->Yi + i * a->ldy;
            for (size_t j = 0; j < n; j++) y[j] = a->colsum ? c[j] - 128 * a->colsum[j] : c[j];
            continue;
        }
        float *y = a->Yf + i * a->ldy;
        const float sxi = a->sx_rows ? a->sx_rows[i] : a->sx;
        for (size_t j = 0; j < n; j++) {
            const int32_t d = a->colsum ? c[j] - 128 * a->colsum[j] : c[j];
            const float v = fmaf((float)d, sxi * a->sw[j], a->bias ? a->bias[j] : 0.0f);
            y[j] = act_scalar(v, a->act);
        }
    }
}

void ci8_reference_epilogue(const int32_t *D, size_t M, size_t N, size_t ldd, const float *sx_rows, float sx,
                            const float *sw, const float *bias, int act, float *Y, size_t ldy) {
    ci8_epi_args a = {NULL, 1, NULL, Y, ldy, sx_rows, sx, sw, bias, act};
    ci8_epilogue_scalar(D, ldd, M, N, &a);
}

// Rational approximation of erf on [-4, 4] (outside, erf is +-1 in float): x*P(x^2)/Q(x^2), as in Eigen.
#define ERF_P13 -2.72614225801306e-10f
#define ERF_P11 2.77068142495902e-08f
#define ERF_P9 -2.10102402082508e-06f
#define ERF_P7 -5.69250639462346e-05f
#define ERF_P5 -7.34990630326855e-04f
#define ERF_P3 -2.95459980854025e-03f
#define ERF_P1 -1.60960333262415e-02f
#define ERF_Q8 -1.45660718464996e-05f
#define ERF_Q6 -2.13374055278905e-04f
#define ERF_Q4 -1.68282697438203e-03f
#define ERF_Q2 -7.37332916720468e-03f
#define ERF_Q0 -1.42647390514189e-02f

// ---- AVX2 ---------------------------------------------------------------------------------------------------
CI8_TARGET_AVX2 static inline __m256 erf_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
    const __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(ERF_P13);
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(ERF_P11));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(ERF_P9));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(ERF_P7));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(ERF_P5));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(ERF_P3));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(ERF_P1));
    p = _mm256_mul_ps(p, x);
    __m256 q = _mm256_set1_ps(ERF_Q8);
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(ERF_Q6));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(ERF_Q4));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(ERF_Q2));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(ERF_Q0));
    return _mm256_div_ps(p, q);
}

CI8_TARGET_AVX2 void ci8_epilogue_avx2(const int32_t *C, size_t ldc, size_t m, size_t n, const ci8_epi_args *a) {
    const size_t n8 = n & ~(size_t)7;
    for (size_t i = 0; i < m; i++) {
        const int32_t *c = C + i * ldc;
        if (!a->out_f32) {
            int32_t *y = a->Yi + i * a->ldy;
            size_t j = 0;
            for (; j < n8; j += 8) {
                __m256i v = _mm256_loadu_si256((const __m256i *)(c + j));
                if (a->colsum)
                    v = _mm256_sub_epi32(v, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(a->colsum + j)), 7));
                _mm256_storeu_si256((__m256i *)(y + j), v);
            }
            for (; j < n; j++) y[j] = a->colsum ? c[j] - 128 * a->colsum[j] : c[j];
            continue;
        }
        float *y = a->Yf + i * a->ldy;
        const float sxi = a->sx_rows ? a->sx_rows[i] : a->sx;
        const __m256 vsx = _mm256_set1_ps(sxi);
        size_t j = 0;
        for (; j < n8; j += 8) {
            __m256i d = _mm256_loadu_si256((const __m256i *)(c + j));
            if (a->colsum)
                d = _mm256_sub_epi32(d, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(a->colsum + j)), 7));
            const __m256 t = _mm256_mul_ps(vsx, _mm256_loadu_ps(a->sw + j));
            const __m256 b = a->bias ? _mm256_loadu_ps(a->bias + j) : _mm256_setzero_ps();
            __m256 v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), t, b);
            if (a->act == CI8_ACT_RELU) v = _mm256_max_ps(v, _mm256_setzero_ps());
            else if (a->act == CI8_ACT_GELU)
                v = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                                  _mm256_add_ps(_mm256_set1_ps(1.0f),
                                                erf_avx2(_mm256_mul_ps(v, _mm256_set1_ps(SQRT1_2F)))));
            _mm256_storeu_ps(y + j, v);
        }
        if (j < n) { // tail through a zero-padded vector, so it gets the same arithmetic
            int32_t tc[8] = {0}, ts[8] = {0};
            float tw[8] = {0}, tb[8] = {0}, ty[8];
            for (size_t t = 0; t < n - j; t++) {
                tc[t] = c[j + t];
                if (a->colsum) ts[t] = a->colsum[j + t];
                tw[t] = a->sw[j + t];
                if (a->bias) tb[t] = a->bias[j + t];
            }
            __m256i d = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)tc),
                                         _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)ts), 7));
            __m256 v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_mul_ps(vsx, _mm256_loadu_ps(tw)),
                                       _mm256_loadu_ps(tb));
            if (a->act == CI8_ACT_RELU) v = _mm256_max_ps(v, _mm256_setzero_ps());
            else if (a->act == CI8_ACT_GELU)
                v = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                                  _mm256_add_ps(_mm256_set1_ps(1.0f),
                                                erf_avx2(_mm256_mul_ps(v, _mm256_set1_ps(SQRT1_2F)))));
            _mm256_storeu_ps(ty, v);
            for (size_t t = 0; t < n - j; t++) y[j + t] = ty[t];
        }
    }
}

// ---- AVX-512 ------------------------------------------------------------------------------------------------
CI8_TARGET_AVX512 static inline __m512 erf_avx512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
    const __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(ERF_P13);
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(ERF_P11));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(ERF_P9));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(ERF_P7));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(ERF_P5));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(ERF_P3));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(ERF_P1));
    p = _mm512_mul_ps(p, x);
    __m512 q = _mm512_set1_ps(ERF_Q8);
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(ERF_Q6));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(ERF_Q4));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(ERF_Q2));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(ERF_Q0));
    return _mm512_div_ps(p, q);
}

CI8_TARGET_AVX512 void ci8_epilogue_avx512(const int32_t *C, size_t ldc, size_t m, size_t n,
                                           const ci8_epi_args *a) {
    const int32_t *cs = a->colsum;
    const int out_f32 = a->out_f32, act = a->act;
    const float *sw = a->sw, *bias = a->bias, *sxr = a->sx_rows;
    const size_t ldy = a->ldy;
    for (size_t i = 0; i < m; i++) {
        const int32_t *c = C + i * ldc;
        const float sxi = out_f32 ? (sxr ? sxr[i] : a->sx) : 0.0f;
        const __m512 vsx = _mm512_set1_ps(sxi);
        int32_t *yi = out_f32 ? NULL : a->Yi + i * ldy;
        float *yf = out_f32 ? a->Yf + i * ldy : NULL;
        for (size_t j = 0; j < n; j += 16) {
            const __mmask16 k = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1);
            __m512i d = _mm512_maskz_loadu_epi32(k, c + j);
            if (cs) d = _mm512_sub_epi32(d, _mm512_slli_epi32(_mm512_maskz_loadu_epi32(k, cs + j), 7));
            if (!out_f32) {
                _mm512_mask_storeu_epi32(yi + j, k, d);
                continue;
            }
            const __m512 t = _mm512_mul_ps(vsx, _mm512_maskz_loadu_ps(k, sw + j));
            const __m512 b = bias ? _mm512_maskz_loadu_ps(k, bias + j) : _mm512_setzero_ps();
            __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), t, b);
            if (act == CI8_ACT_RELU) v = _mm512_max_ps(v, _mm512_setzero_ps());
            else if (act == CI8_ACT_GELU)
                v = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
                                  _mm512_add_ps(_mm512_set1_ps(1.0f),
                                                erf_avx512(_mm512_mul_ps(v, _mm512_set1_ps(SQRT1_2F)))));
            _mm512_mask_storeu_ps(yf + j, k, v);
        }
    }
}
