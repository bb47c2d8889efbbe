// GEMM driver: activation packing/quantization phase, then (row block x column block) tasks over the thread pool,
// each looping 64-column panels -> K blocks -> 6-row panels through the micro-kernel, then the fused epilogue.
#include "internal.h"
#include <math.h>

// Blocking (see docs/notes/int8-kernel.md). KC: k per block, so one panel's B slice (KC*64 bytes) stays in L1 while
// it meets every 6-row panel of the row block (the kernel may prefer its own KC). MC: rows per task (A block MC*KC in L2). NC: 64-column panels per task.
static _Atomic int tune_kc, tune_mc, tune_nc;
void ci8_set_blocking(int kc, int mc, int nc) {
    atomic_store(&tune_kc, kc > 0 ? (kc + 3) / 4 * 4 : 0);
    atomic_store(&tune_mc, mc > 0 ? (mc + CI8_MR - 1) / CI8_MR * CI8_MR : 0);
    atomic_store(&tune_nc, nc > 0 ? nc : 0);
}
enum { DEF_KC = 4096, DEF_MC = 96, DEF_NC = 4 };

enum { A_U8 = 0, A_DYNAMIC = 1, A_STATIC = 2 };

typedef struct {
    const ci8_packed *W;
    size_t M;
    int a_kind;
    const uint8_t *Xu;
    const float *Xf;
    size_t ldx;
    float sx_static;
    uint8_t *Ap;
    float *sx_rows; // dynamic: written in phase 1
    ci8_kernel kern;
    ci8_epi_args epi; // base pointers for the whole output
    size_t kg, pb;    // k groups, bytes per activation panel
    size_t mc, ncb, kcg, n_ic, n_jc, ntasks;
    size_t pack_rows; // rows per phase-1 chunk (multiple of CI8_MR)
    _Atomic size_t next_pack;
    ci8_tasks tasks; // phase 2: column blocks, each thread's own contiguous range first
    _Atomic int failed;
} job_t;

static void phase_pack(void *vp, int tid) {
    (void)tid;
    job_t *J = vp;
    const size_t mp = (J->M + CI8_MR - 1) / CI8_MR * CI8_MR;
    const size_t kp = J->kg * 4;
    for (;;) {
        const size_t r0 = atomic_fetch_add(&J->next_pack, J->pack_rows);
        if (r0 >= mp) break;
        const size_t r1 = r0 + J->pack_rows < mp ? r0 + J->pack_rows : mp;
        if (J->a_kind == A_U8) ci8_pack_a_u8(J->Xu, J->ldx, J->M, J->W->k, kp, r0, r1, J->kern.afmt, J->Ap);
        else
            ci8_quant_pack(J->Xf, J->ldx, J->M, J->W->k, kp, r0, r1, J->a_kind == A_DYNAMIC ? J->sx_rows : NULL,
                           J->sx_static, J->kern.tier, J->kern.afmt, J->Ap);
    }
}

static void run_task(job_t *J, size_t t, int32_t *Cb) {
    const size_t jc = t / J->n_ic, ic = t % J->n_ic;
    const size_t r0 = ic * J->mc, r1 = r0 + J->mc < J->M ? r0 + J->mc : J->M;
    const size_t npan = J->W->np / CI8_NR;
    const size_t p0 = jc * J->ncb, p1 = p0 + J->ncb < npan ? p0 + J->ncb : npan;
    const size_t ldc = J->ncb * CI8_NR;
    const size_t bpanel = J->kg * (4 * CI8_NR);
    const ci8_ukernel_fn uk = J->kern.uk;
    // Panel-major: one panel's K blocks follow each other in memory, so B streams contiguously (the hardware
    // prefetcher keeps up) while each KC slice of it stays in L1 for all the row panels of the task.
    for (size_t p = p0; p < p1; p++) {
        int32_t *Cp = Cb + (p - p0) * CI8_NR;
        for (size_t pc = 0; pc < J->kg; pc += J->kcg) {
            const size_t kk = J->kg - pc < J->kcg ? J->kg - pc : J->kcg;
            const int8_t *B = J->W->data + p * bpanel + pc * (4 * CI8_NR);
            for (size_t i = r0; i < r1; i += CI8_MR) {
                const size_t m = r1 - i < CI8_MR ? r1 - i : CI8_MR;
                const uint8_t *A = J->Ap + (i / CI8_MR) * J->pb + pc * ci8_agroup_bytes(J->kern.afmt);
                uk(m, kk, A, B, Cp + (i - r0) * ldc, ldc, pc > 0);
            }
        }
    }
    // Epilogue on the finished block.
    const size_t c0 = p0 * CI8_NR, c1 = p1 * CI8_NR < J->W->n ? p1 * CI8_NR : J->W->n;
    ci8_epi_args e = J->epi;
    if (e.colsum) e.colsum += c0;
    if (e.out_f32) {
        e.Yf += r0 * e.ldy + c0;
        if (e.sx_rows) e.sx_rows += r0;
        e.sw += c0;
        if (e.bias) e.bias += c0;
    } else {
        e.Yi += r0 * e.ldy + c0;
    }
    if (J->kern.tier == CI8_TIER_AVX512) ci8_epilogue_avx512(Cb, ldc, r1 - r0, c1 - c0, &e);
    else if (J->kern.tier == CI8_TIER_AVX2) ci8_epilogue_avx2(Cb, ldc, r1 - r0, c1 - c0, &e);
    else ci8_epilogue_scalar(Cb, ldc, r1 - r0, c1 - c0, &e);
}

static void phase_gemm(void *vp, int tid) {
    job_t *J = vp;
    int32_t *Cb = ci8_scratch(1, J->mc * J->ncb * CI8_NR * sizeof(int32_t));
    if (!Cb) { atomic_store(&J->failed, 1); return; }
    for (;;) {
        const size_t t = ci8_tasks_next(&J->tasks, tid);
        if (t == SIZE_MAX) break;
        run_task(J, t, Cb);
    }
}

static int run(job_t *J, const ci8_config *cfg) {
    const ci8_packed *W = J->W;
    int rc = ci8_resolve_kernel(cfg ? cfg->path : CI8_PATH_DEFAULT, J->M, W, &J->kern);
    if (rc != CI8_OK) return rc;
    const size_t M = J->M, npan = W->np / CI8_NR;
    J->kg = W->kp / 4;
    J->pb = ci8_apanel_bytes(W->kp, J->kern.afmt);
    if (J->kern.yields == CI8_YIELDS_XDOT) J->epi.colsum = NULL;
    else J->epi.colsum = W->colsum;

    int T = ci8_threads_for(cfg);
    const double ops = 2.0 * (double)M * (double)W->n * (double)W->k;
    if (ops < 4e6) T = 1; // a few microseconds of work: not worth waking threads

    // Blocking.
    const int tkc = atomic_load(&tune_kc), tmc = atomic_load(&tune_mc), tnc = atomic_load(&tune_nc);
    const size_t mr_up = (M + CI8_MR - 1) / CI8_MR * CI8_MR;
    size_t mc = tmc ? (size_t)tmc : DEF_MC, ncb = tnc ? (size_t)tnc : DEF_NC;
    if (mc > mr_up) mc = mr_up;
    if (ncb > npan) ncb = npan;
    size_t kcg = (tkc ? (size_t)tkc : J->kern.kc ? (size_t)J->kern.kc : DEF_KC) / 4;
    // One row panel: nothing to reuse from L1, stream whole panels (unless the kernel re-reads B per column tile).
    if (M <= CI8_MR && !tkc && !J->kern.kc) kcg = J->kg;
    if (kcg > J->kg) kcg = J->kg;
    for (;;) { // enough tasks for dynamic balance across T threads
        const size_t nt = ((M + mc - 1) / mc) * ((npan + ncb - 1) / ncb);
        if (nt >= 4 * (size_t)T || T == 1) break;
        if (ncb > 1) ncb = (ncb + 1) / 2;
        else if (mc > CI8_MR) mc = ((mc / 2) + CI8_MR - 1) / CI8_MR * CI8_MR;
        else break;
    }
    J->mc = mc;
    J->ncb = ncb;
    J->kcg = kcg;
    J->n_ic = (M + mc - 1) / mc;
    J->n_jc = (npan + ncb - 1) / ncb;
    J->ntasks = J->n_ic * J->n_jc;

    // Phase 1: packed activations (and dynamic scales) in the caller's scratch.
    const size_t npanels_a = mr_up / CI8_MR;
    const size_t abytes = npanels_a * J->pb;
    const int need_sx = J->a_kind == A_DYNAMIC && !J->sx_rows;
    uint8_t *buf = ci8_scratch(0, abytes + (need_sx ? M * sizeof(float) + 64 : 0));
    if (!buf) return CI8_ENOMEM;
    J->Ap = buf;
    if (need_sx) J->sx_rows = (float *)(buf + (abytes + 63) / 64 * 64);
    if (J->a_kind == A_DYNAMIC) J->epi.sx_rows = J->sx_rows;
    size_t rows_per_chunk = (size_t)((1 << 16) / (W->kp + 1)) / CI8_MR * CI8_MR;
    J->pack_rows = rows_per_chunk < CI8_MR ? CI8_MR : rows_per_chunk;
    atomic_store(&J->next_pack, 0);
    ci8_tasks_init(&J->tasks, J->ntasks, T);
    atomic_store(&J->failed, 0);
    ci8_pool_run(mr_up > J->pack_rows ? T : 1, phase_pack, J);
    // Phase 2: tasks.
    ci8_pool_run(T, phase_gemm, J);
    if (atomic_load(&J->failed)) { // a thread could not get scratch: finish the remaining tasks here
        atomic_store(&J->failed, 0);
        phase_gemm(J, 0);
        if (atomic_load(&J->failed)) return CI8_ENOMEM;
    }
    return CI8_OK;
}

static int check_common(size_t M, const ci8_packed *W, size_t ldx, const void *Y, size_t ldy) {
    if (!W || !Y || M == 0 || ldx < W->k || ldy < W->n) return CI8_EINVAL;
    return CI8_OK;
}

int ci8_gemm_s32(const uint8_t *X, size_t M, size_t ldx, const ci8_packed *W, int32_t *Y, size_t ldy,
                 const ci8_config *cfg) {
    int rc = check_common(M, W, ldx, Y, ldy);
    if (rc || !X) return rc ? rc : CI8_EINVAL;
    job_t J = {.W = W, .M = M, .a_kind = A_U8, .Xu = X, .ldx = ldx};
    J.epi = (ci8_epi_args){.out_f32 = 0, .Yi = Y, .ldy = ldy};
    return run(&J, cfg);
}

int ci8_gemm_f32(const uint8_t *X, size_t M, size_t ldx, const ci8_packed *W, const float *sx_rows, float sx,
                 const float *sw, const float *bias, int act, float *Y, size_t ldy, const ci8_config *cfg) {
    int rc = check_common(M, W, ldx, Y, ldy);
    if (rc || !X || !sw || act < 0 || act > CI8_ACT_GELU) return rc ? rc : CI8_EINVAL;
    job_t J = {.W = W, .M = M, .a_kind = A_U8, .Xu = X, .ldx = ldx};
    J.epi = (ci8_epi_args){.out_f32 = 1, .Yf = Y, .ldy = ldy, .sx_rows = sx_rows, .sx = sx, .sw = sw,
                           .bias = bias, .act = act};
    return run(&J, cfg);
}

int ci8_linear_dynamic(const float *X, size_t M, size_t ldx, const ci8_packed *W, const float *sw,
                       const float *bias, int act, float *Y, size_t ldy, float *sx_out, const ci8_config *cfg) {
    int rc = check_common(M, W, ldx, Y, ldy);
    if (rc || !X || !sw || act < 0 || act > CI8_ACT_GELU) return rc ? rc : CI8_EINVAL;
    job_t J = {.W = W, .M = M, .a_kind = A_DYNAMIC, .Xf = X, .ldx = ldx, .sx_rows = sx_out};
    J.epi = (ci8_epi_args){.out_f32 = 1, .Yf = Y, .ldy = ldy, .sw = sw, .bias = bias, .act = act};
    return run(&J, cfg);
}

int ci8_linear_static(const float *X, size_t M, size_t ldx, const ci8_packed *W, float sx, const float *sw,
                      const float *bias, int act, float *Y, size_t ldy, const ci8_config *cfg) {
    int rc = check_common(M, W, ldx, Y, ldy);
    if (rc || !X || !sw || act < 0 || act > CI8_ACT_GELU || !(sx > 0.0f && isfinite(sx))) return rc ? rc : CI8_EINVAL;
    job_t J = {.W = W, .M = M, .a_kind = A_STATIC, .Xf = X, .ldx = ldx, .sx_static = sx};
    J.epi = (ci8_epi_args){.out_f32 = 1, .Yf = Y, .ldy = ldy, .sx = sx, .sw = sw, .bias = bias, .act = act};
    return run(&J, cfg);
}
