// The small-M float linear tile, written once as a macro and instantiated per vector width (AVX2, AVX-512).
//
// FL_TILE(name, G, R) defines `static void name(x, ldx, w, ldw, K, bias, y, ldy)`: y[g][r] = x[g]·w[r] (+ bias[r])
// for g < G rows of x and r < R weight rows, each weight vector loaded once for all G rows. Per output element the
// arithmetic is fixed, whatever G and R are: lane l of one accumulator takes x[k]·w[k] for k ≡ l (mod FL_W) in
// increasing k by FMA (the last, partial vector masked to zeros), then FL_HSUM adds the lanes in one fixed tree,
// then the bias is added. So an output's bits do not depend on M, on the tile or on the thread that computed it.
// Once per 64-byte line of each weight row, the same line of the next tile's rows is prefetched into L2: a decode
// step reads every weight once from L3 or DRAM, in R short interleaved streams that the hardware prefetchers pick up
// late (a prefetch never faults, so the rows past the last tile need no guard; the arithmetic is unchanged).
// Needs FL_W, FL_V, FL_ZERO, FL_LOAD, FL_MASKLOAD(p, rem), FL_FMA, FL_HSUM and FL_TARGET defined by the includer.
#ifndef FL_NO_PREFETCH
#define FL_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T1)
#else
#define FL_PREFETCH(p) ((void)(p))
#endif
#define FL_TILE(name, G, R)                                                                                         \
    FL_TARGET static void name(const float *x, size_t ldx, const float *w, size_t ldw, size_t K, const float *bias,  \
                               float *y, size_t ldy) {                                                              \
        FL_V acc[G][R];                                                                                             \
        for (int g = 0; g < G; g++)                                                                                 \
            for (int r = 0; r < R; r++) acc[g][r] = FL_ZERO();                                                      \
        size_t k = 0;                                                                                               \
        for (; k + FL_W <= K; k += FL_W) {                                                                          \
            FL_V wv[R];                                                                                             \
            for (int r = 0; r < R; r++) wv[r] = FL_LOAD(w + (size_t)r * ldw + k);                                   \
            if ((k & 15) == 0)                                                                                      \
                for (int r = 0; r < R; r++) FL_PREFETCH(w + (size_t)(R + r) * ldw + k);                             \
            for (int g = 0; g < G; g++) {                                                                           \
                const FL_V xv = FL_LOAD(x + (size_t)g * ldx + k);                                                   \
                for (int r = 0; r < R; r++) acc[g][r] = FL_FMA(xv, wv[r], acc[g][r]);                               \
            }                                                                                                       \
        }                                                                                                           \
        if (k < K) {                                                                                                \
            const size_t rem = K - k;                                                                               \
            FL_V wv[R];                                                                                             \
            for (int r = 0; r < R; r++) wv[r] = FL_MASKLOAD(w + (size_t)r * ldw + k, rem);                          \
            for (int g = 0; g < G; g++) {                                                                           \
                const FL_V xv = FL_MASKLOAD(x + (size_t)g * ldx + k, rem);                                          \
                for (int r = 0; r < R; r++) acc[g][r] = FL_FMA(xv, wv[r], acc[g][r]);                               \
            }                                                                                                       \
        }                                                                                                           \
        for (int g = 0; g < G; g++)                                                                                 \
            for (int r = 0; r < R; r++) {                                                                           \
                const float s = FL_HSUM(acc[g][r]);                                                                 \
                y[(size_t)g * ldy + r] = bias ? s + bias[r] : s;                                                    \
            }                                                                                                       \
    }

// The tiles for M = 1…8 rows (G = M; R weight rows so that G·R accumulators fit the register file), over weight rows
// [n0, n1): full R-row tiles, then one-row tiles for the rest (same per-element arithmetic).
#define FL_TILES_AND_DRIVER(prefix, R1, R2, R3, R4, R5, R6, R7, R8)                                                 \
    FL_TILE(prefix##_w1, 1, R1) FL_TILE(prefix##_o1, 1, 1)                                                          \
    FL_TILE(prefix##_w2, 2, R2) FL_TILE(prefix##_o2, 2, 1)                                                          \
    FL_TILE(prefix##_w3, 3, R3) FL_TILE(prefix##_o3, 3, 1)                                                          \
    FL_TILE(prefix##_w4, 4, R4) FL_TILE(prefix##_o4, 4, 1)                                                          \
    FL_TILE(prefix##_w5, 5, R5) FL_TILE(prefix##_o5, 5, 1)                                                          \
    FL_TILE(prefix##_w6, 6, R6) FL_TILE(prefix##_o6, 6, 1)                                                          \
    FL_TILE(prefix##_w7, 7, R7) FL_TILE(prefix##_o7, 7, 1)                                                          \
    FL_TILE(prefix##_w8, 8, R8) FL_TILE(prefix##_o8, 8, 1)                                                          \
    typedef void (*prefix##_tile)(const float *, size_t, const float *, size_t, size_t, const float *, float *,       \
                                  size_t);                                                                          \
    static const prefix##_tile prefix##_wide[8] = {prefix##_w1, prefix##_w2, prefix##_w3, prefix##_w4,             \
                                                   prefix##_w5, prefix##_w6, prefix##_w7, prefix##_w8};            \
    static const prefix##_tile prefix##_one[8] = {prefix##_o1, prefix##_o2, prefix##_o3, prefix##_o4,              \
                                                  prefix##_o5, prefix##_o6, prefix##_o7, prefix##_o8};             \
    static const int prefix##_r[8] = {R1, R2, R3, R4, R5, R6, R7, R8};                                             \
    void prefix##_rows(const ci8_flinear_args *a, size_t n0, size_t n1) {                                           \
        const int m = (int)a->M - 1, R = prefix##_r[m];                                                             \
        size_t n = n0;                                                                                              \
        for (; n + (size_t)R <= n1; n += (size_t)R)                                                                 \
            prefix##_wide[m](a->X, a->ldx, a->W + n * a->ldw, a->ldw, a->K, a->bias ? a->bias + n : NULL, a->Y + n, \
                             a->ldy);                                                                               \
        for (; n < n1; n++)                                                                                         \
            prefix##_one[m](a->X, a->ldx, a->W + n * a->ldw, a->ldw, a->K, a->bias ? a->bias + n : NULL, a->Y + n,  \
                            a->ldy);                                                                                \
    }
