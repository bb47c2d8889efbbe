// Weight packing (once per layer: 64-column panels, k in groups of 4, column sums) and activation panel packing.
#include "internal.h"
#include <stdlib.h>

static void *alloc64(size_t bytes) {
    size_t n = (bytes + 63) & ~(size_t)63;
    return aligned_alloc(64, n ? n : 64);
}

ci8_packed *ci8_pack_weights(const int8_t *W, size_t N, size_t K, size_t ldw, int *err) {
    int e = CI8_OK;
    ci8_packed *p = NULL;
    if (!W || N == 0 || K == 0 || ldw < K) { e = CI8_EINVAL; goto fail; }
    if (K > CI8_MAX_K) { e = CI8_ERANGE; goto fail; }
    for (size_t j = 0; j < N; j++)
        for (size_t k = 0; k < K; k++)
            if (W[j * ldw + k] == -128) { e = CI8_ERANGE; goto fail; }
    p = calloc(1, sizeof *p);
    if (!p) { e = CI8_ENOMEM; goto fail; }
    p->n = N;
    p->k = K;
    p->np = (N + CI8_NR - 1) / CI8_NR * CI8_NR;
    p->kp = (K + 3) / 4 * 4;
    p->data = alloc64(p->np * p->kp);
    p->colsum = alloc64(p->np * sizeof(int32_t));
    if (!p->data || !p->colsum) { e = CI8_ENOMEM; goto fail; }
    memset(p->data, 0, p->np * p->kp);
    const size_t kg = p->kp / 4;
    p->narrow = 1;
    for (size_t j = 0; j < p->np; j++) {
        int32_t s = 0;
        if (j < N) {
            int8_t *panel = p->data + (j / CI8_NR) * kg * (4 * CI8_NR) + (j % CI8_NR) * 4;
            for (size_t k = 0; k < K; k++) {
                const int8_t w = W[j * ldw + k];
                panel[(k / 4) * (4 * CI8_NR) + (k % 4)] = w;
                s += w;
                if (w < -64 || w > 63) p->narrow = 0;
            }
        }
        p->colsum[j] = s;
    }
    if (err) *err = CI8_OK;
    return p;
fail:
    ci8_packed_free(p);
    if (err) *err = e;
    return NULL;
}

void ci8_packed_free(ci8_packed *p) {
    if (!p) return;
    free(p->data);
    free(p->colsum);
    free(p);
}

size_t ci8_packed_n(const ci8_packed *p) { return p ? p->n : 0; }
size_t ci8_packed_k(const ci8_packed *p) { return p ? p->k : 0; }
const int8_t *ci8_packed_data(const ci8_packed *p) { return p ? p->data : NULL; }
size_t ci8_packed_bytes(const ci8_packed *p) { return p ? p->np * p->kp : 0; }
const int32_t *ci8_packed_colsums(const ci8_packed *p) { return p ? p->colsum : NULL; }
int ci8_packed_narrow(const ci8_packed *p) { return p ? p->narrow : 0; }

// Rows [r0, r1) of u8 X into CI8_MR-row panels (r0 a multiple of CI8_MR; rows >= M and k >= K are zero).
void ci8_pack_a_u8(const uint8_t *X, size_t ldx, size_t M, size_t K, size_t kp, size_t r0, size_t r1, int fmt,
                   uint8_t *Ap) {
    const size_t kg = kp / 4, pb = ci8_apanel_bytes(kp, fmt), gs = ci8_agroup_bytes(fmt);
    for (size_t q0 = r0; q0 < r1; q0 += CI8_MR) {
        uint8_t *panel = Ap + (q0 / CI8_MR) * pb;
        for (size_t r = 0; r < CI8_MR; r++) {
            const size_t i = q0 + r;
            uint8_t *d = panel + ((4 * r) << fmt);
            if (i >= M) {
                for (size_t g = 0; g < kg; g++) ci8_put_group(d + g * gs, NULL, fmt);
                continue;
            }
            const uint8_t *x = X + i * ldx;
            const size_t full = K / 4;
            for (size_t g = 0; g < full; g++) ci8_put_group(d + g * gs, x + 4 * g, fmt);
            if (full < kg) { // the K tail: padding is u = 128 (x = 0) in S16; padded weights are 0 either way
                uint8_t t[4] = {0, 0, 0, 0};
                if (fmt == CI8_A_S16) memset(t, 128, 4);
                for (size_t k = 4 * full; k < K; k++) t[k - 4 * full] = x[k];
                ci8_put_group(d + full * gs, t, fmt);
            }
        }
    }
}
