// One query's attention over cached keys and values (decoding): the plain reference and the run-time path choice.
#include "internal.h"
#include <math.h>

// The plain reference: s_j = scale·(Σ_d q[d]·k_j[d], d increasing); e_j = expf(s_j − max s); out = (Σ_j e_j·v_j,
// j increasing) · (1 / Σ_j e_j).
void ci8_attend_ref(const float *q, const float *keys, const float *vals, size_t len, size_t dh, float scale,
                    float *scores, float *out) {
    float m = -INFINITY;
    for (size_t j = 0; j < len; j++) {
        float s = 0.0f;
        for (size_t d = 0; d < dh; d++) s += q[d] * keys[j * dh + d];
        scores[j] = scale * s;
        if (scores[j] > m) m = scores[j];
    }
    float sum = 0.0f;
    for (size_t j = 0; j < len; j++) {
        scores[j] = expf(scores[j] - m);
        sum += scores[j];
    }
    for (size_t d = 0; d < dh; d++) out[d] = 0.0f;
    for (size_t j = 0; j < len; j++)
        for (size_t d = 0; d < dh; d++) out[d] += scores[j] * vals[j * dh + d];
    const float inv = 1.0f / sum;
    for (size_t d = 0; d < dh; d++) out[d] *= inv;
}

int ci8_attend(const float *q, const float *keys, const float *vals, size_t len, size_t dh, float scale,
               float *scores, float *out, const ci8_config *cfg) {
    if (!q || !keys || !vals || !scores || !out || len < 1 || dh < 1) return CI8_EINVAL;
    int path = cfg ? cfg->path : CI8_PATH_DEFAULT;
    if (path == CI8_PATH_DEFAULT) path = ci8_active_path();
    if (!ci8_path_supported(path)) return CI8_EUNSUPPORTED;
    if (path == CI8_PATH_SCALAR) ci8_attend_ref(q, keys, vals, len, dh, scale, scores, out);
    else ci8_attend_avx2(q, keys, vals, len, dh, scale, scores, out);
    return CI8_OK;
}
