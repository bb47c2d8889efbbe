// One query's attention over cached keys and values with 8-lane AVX2 FMAs and a vector exp (every non-scalar path).
#include "internal.h"
#include <immintrin.h>
#include <math.h>

// Lanes [0, rem) set, rem in 0…8.
CI8_TARGET_AVX2 static inline __m256i at_mask(size_t rem) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)): one fixed tree.
CI8_TARGET_AVX2 static inline float at_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// e^x for x ≤ 0 (softmax after the max is subtracted), within a few ulp: x = n·ln2 + r with n = round(x/ln2) and
// |r| ≤ ln2/2 (ln2 split in two parts so that n·ln2 is exact to float precision), e^r by its degree-7 Taylor
// polynomial in Horner form (truncation error below |r|^8/8! ≤ 5.3e-9, under float's half ulp of 6e-8, so the
// rounding of the 8 FMAs dominates), then times 2^n built in the exponent field. x is clamped to −87 so that 2^n stays normal (e^−87 ≈ 1.6e-38 > FLT_MIN);
// a softmax weight that small is 0 to float precision beside the maximum's 1.
CI8_TARGET_AVX2 static inline __m256 at_exp(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// q·k over dh: lane l sums q[d]·k[d] for d ≡ l (mod 8), d increasing (the last partial vector masked to zeros).
CI8_TARGET_AVX2 static inline __m256 at_dot(const float *q, const float *k, size_t full, size_t rem, __m256i mask) {
    __m256 acc = _mm256_setzero_ps();
    for (size_t d = 0; d < full; d += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(k + d), acc);
    if (rem) acc = _mm256_fmadd_ps(_mm256_maskload_ps(q + full, mask), _mm256_maskload_ps(k + full, mask), acc);
    return acc;
}

// s_j = scale·(at_dot then the fixed tree), four keys at a time so that their FMA chains overlap. Returns max s_j.
CI8_TARGET_AVX2 static float at_scores(const float *q, const float *keys, size_t len, size_t dh, float scale,
                                       float *scores) {
    const size_t full = dh & ~(size_t)7, rem = dh - full;
    const __m256i mask = at_mask(rem);
    float m = -INFINITY;
    size_t j = 0;
    for (; j + 4 <= len; j += 4) {
        const float *k = keys + j * dh;
        const __m256 a0 = at_dot(q, k, full, rem, mask), a1 = at_dot(q, k + dh, full, rem, mask);
        const __m256 a2 = at_dot(q, k + 2 * dh, full, rem, mask), a3 = at_dot(q, k + 3 * dh, full, rem, mask);
        scores[j] = scale * at_hsum(a0); scores[j + 1] = scale * at_hsum(a1);
        scores[j + 2] = scale * at_hsum(a2); scores[j + 3] = scale * at_hsum(a3);
    }
    for (; j < len; j++) scores[j] = scale * at_hsum(at_dot(q, keys + j * dh, full, rem, mask));
    for (j = 0; j < len; j++) m = scores[j] > m ? scores[j] : m;
    return m;
}

// e_j = exp(s_j − m) in place, 8 at a time (the last partial vector masked); returns Σ e_j in a fixed order (lane
// sums over j ≡ l (mod 8), then the tree).
CI8_TARGET_AVX2 static float at_exps(float *scores, size_t len, float m) {
    const __m256 mv = _mm256_set1_ps(m);
    __m256 sum = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= len; j += 8) {
        const __m256 e = at_exp(_mm256_sub_ps(_mm256_loadu_ps(scores + j), mv));
        _mm256_storeu_ps(scores + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    if (j < len) {
        const __m256i mask = at_mask(len - j);
        const __m256 e = _mm256_and_ps(at_exp(_mm256_sub_ps(_mm256_maskload_ps(scores + j, mask), mv)),
                                       _mm256_castsi256_ps(mask));
        _mm256_maskstore_ps(scores + j, mask, e);
        sum = _mm256_add_ps(sum, e);
    }
    return at_hsum(sum);
}

// acc (up to 4 vectors: values d0…d0+31) += e·v_j for the even and for the odd j in two sets of chains, then
// out = (even + odd)·inv: a fixed order for each (len, dh), with eight independent FMA chains at dh = 32.
CI8_TARGET_AVX2 static void at_weighted(const float *e, const float *vals, size_t len, size_t dh, size_t d0,
                                        __m256 inv, float *out) {
    __m256i mask[4];
    __m256 even[4], odd[4];
    const int nv = (int)((dh - d0 >= 32 ? 32 : dh - d0) + 7) / 8;
    for (int v = 0; v < nv; v++) {
        const size_t d = d0 + 8 * (size_t)v;
        mask[v] = at_mask(dh - d < 8 ? dh - d : 8);
        even[v] = _mm256_setzero_ps(); odd[v] = _mm256_setzero_ps();
    }
    size_t j = 0;
    if (nv == 4 && dh - d0 >= 32) // whole vectors (dh a multiple of 32 here): plain loads, same arithmetic
        for (; j + 2 <= len; j += 2) {
            const __m256 e0 = _mm256_set1_ps(e[j]), e1 = _mm256_set1_ps(e[j + 1]);
            const float *v0 = vals + j * dh + d0, *v1 = v0 + dh;
            for (int v = 0; v < 4; v++) {
                even[v] = _mm256_fmadd_ps(e0, _mm256_loadu_ps(v0 + 8 * v), even[v]);
                odd[v] = _mm256_fmadd_ps(e1, _mm256_loadu_ps(v1 + 8 * v), odd[v]);
            }
        }
    for (; j + 2 <= len; j += 2) {
        const __m256 e0 = _mm256_set1_ps(e[j]), e1 = _mm256_set1_ps(e[j + 1]);
        const float *v0 = vals + j * dh + d0, *v1 = v0 + dh;
        for (int v = 0; v < nv; v++) {
            even[v] = _mm256_fmadd_ps(e0, _mm256_maskload_ps(v0 + 8 * v, mask[v]), even[v]);
            odd[v] = _mm256_fmadd_ps(e1, _mm256_maskload_ps(v1 + 8 * v, mask[v]), odd[v]);
        }
    }
    if (j < len) {
        const __m256 e0 = _mm256_set1_ps(e[j]);
        for (int v = 0; v < nv; v++)
            even[v] = _mm256_fmadd_ps(e0, _mm256_maskload_ps(vals + j * dh + d0 + 8 * v, mask[v]), even[v]);
    }
    for (int v = 0; v < nv; v++)
        _mm256_maskstore_ps(out + d0 + 8 * v, mask[v], _mm256_mul_ps(_mm256_add_ps(even[v], odd[v]), inv));
}

CI8_TARGET_AVX2 void ci8_attend_avx2(const float *q, const float *keys, const float *vals, size_t len, size_t dh,
                                     float scale, float *scores, float *out) {
    const float m = at_scores(q, keys, len, dh, scale, scores);
    const __m256 inv = _mm256_set1_ps(1.0f / at_exps(scores, len, m));
    for (size_t d0 = 0; d0 < dh; d0 += 32) at_weighted(scores, vals, len, dh, d0, inv, out);
}
