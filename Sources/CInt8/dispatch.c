// Run-time CPU feature detection, path selection (CONDENSE_INT8_PATH / ci8_set_path) and kernel resolution.
#define _POSIX_C_SOURCE 200809L // clock_gettime, strcasecmp, sysconf under strict -std=c11
#include "internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static struct {
    pthread_once_t once;
    int avx2, avx512, avx512vnni, avxvnni;
    _Atomic int active;
    _Atomic int forcing_failed;
    char info[160];
    pthread_mutex_t info_lock;
} D = {.once = PTHREAD_ONCE_INIT, .info_lock = PTHREAD_MUTEX_INITIALIZER};

static void detect(void) {
    __builtin_cpu_init();
    D.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    D.avx512 = D.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    D.avx512vnni = D.avx512 && __builtin_cpu_supports("avx512vnni");
#if CI8_HAVE_AVXVNNI_COMPILER
    D.avxvnni = D.avx2 && __builtin_cpu_supports("avxvnni");
#else
    D.avxvnni = 0;
#endif
}

int ci8_cpu_has_avx2(void) { pthread_once(&D.once, detect); return D.avx2; }
int ci8_cpu_has_avx512(void) { pthread_once(&D.once, detect); return D.avx512; }
int ci8_cpu_has_avx512vnni(void) { pthread_once(&D.once, detect); return D.avx512vnni; }
int ci8_cpu_has_avxvnni(void) { pthread_once(&D.once, detect); return D.avxvnni; }

int ci8_path_supported(int path) {
    pthread_once(&D.once, detect);
    switch (path) {
    case CI8_PATH_SCALAR: return 1;
    case CI8_PATH_AVX2: return D.avx2;
    // The 256-bit VNNI kernel runs with the VEX encoding on AVX-VNNI CPUs, and with the EVEX encoding of the same
    // instruction on AVX512-VNNI+VL CPUs (identical semantics), so it can be tested on either.
    case CI8_PATH_AVXVNNI: return (CI8_HAVE_AVXVNNI_COMPILER && D.avxvnni) || D.avx512vnni;
    case CI8_PATH_AVX512VNNI: return D.avx512vnni;
    default: return 0;
    }
}

int ci8_best_path_id(void) {
    if (ci8_path_supported(CI8_PATH_AVX512VNNI)) return CI8_PATH_AVX512VNNI;
    if (ci8_cpu_has_avxvnni()) return CI8_PATH_AVXVNNI;
    if (ci8_path_supported(CI8_PATH_AVX2)) return CI8_PATH_AVX2;
    return CI8_PATH_SCALAR;
}

const char *ci8_best_path(void) { return ci8_path_name(ci8_best_path_id()); }

const char *ci8_path_name(int path) {
    switch (path) {
    case CI8_PATH_DEFAULT: return "default";
    case CI8_PATH_SCALAR: return "scalar";
    case CI8_PATH_AVX2: return "avx2";
    case CI8_PATH_AVXVNNI: return "avxvnni";
    case CI8_PATH_AVX512VNNI: return "avx512vnni";
    default: return "unknown";
    }
}

static int parse_path(const char *s) {
    static const int ids[] = {CI8_PATH_SCALAR, CI8_PATH_AVX2, CI8_PATH_AVXVNNI, CI8_PATH_AVX512VNNI};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (strcasecmp(s, ci8_path_name(ids[i])) == 0) return ids[i];
    return -2;
}

void ci8_threads_reload_env(void); // threads.c

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

static void read_env_locked(void) {
    pthread_once(&D.once, detect);
    int best = ci8_best_path_id(), failed = 0, active = best;
    const char *s = getenv("CONDENSE_INT8_PATH");
    if (s && *s && strcasecmp(s, "auto") != 0 && strcasecmp(s, "default") != 0) {
        int p = parse_path(s);
        if (p >= 0 && ci8_path_supported(p)) active = p;
        else {
            failed = 1;
            fprintf(stderr, "CInt8: CONDENSE_INT8_PATH=%s is %s; using %s\n", s,
                    p < 0 ? "not a known path (avx512vnni|avxvnni|avx2|scalar)" : "not supported on this CPU",
                    ci8_path_name(best));
        }
    }
    atomic_store(&D.active, active);
    atomic_store(&D.forcing_failed, failed);
    ci8_threads_reload_env();
}

static void init_env(void) {
    pthread_mutex_lock(&env_lock);
    read_env_locked();
    pthread_mutex_unlock(&env_lock);
}

int ci8_reload_env(void) {
    pthread_once(&env_once, init_env);
    pthread_mutex_lock(&env_lock);
    read_env_locked();
    pthread_mutex_unlock(&env_lock);
    return atomic_load(&D.active);
}

int ci8_active_path(void) {
    pthread_once(&env_once, init_env);
    return atomic_load(&D.active);
}

int ci8_path_forcing_failed(void) {
    pthread_once(&env_once, init_env);
    return atomic_load(&D.forcing_failed);
}

int ci8_set_path(int path) {
    pthread_once(&env_once, init_env);
    if (path == CI8_PATH_DEFAULT) path = ci8_best_path_id();
    if (!ci8_path_supported(path)) return CI8_EUNSUPPORTED;
    atomic_store(&D.active, path);
    return CI8_OK;
}

const char *ci8_path_info(void) {
    int p = ci8_active_path();
    pthread_mutex_lock(&D.info_lock);
    snprintf(D.info, sizeof D.info, "%s%s; cpu:%s%s%s%s; threads %d", ci8_path_name(p),
             (p == CI8_PATH_AVXVNNI && !D.avxvnni) ? " (EVEX encoding)" : "", D.avx2 ? " avx2" : "",
             D.avx512 ? " avx512" : "", D.avx512vnni ? " avx512vnni" : "", D.avxvnni ? " avxvnni" : "",
             ci8_get_threads());
    pthread_mutex_unlock(&D.info_lock);
    return D.info; // stable storage; contents are rewritten by later calls
}

// K per cache block for the AVX2 vpmaddwd kernel: one 64-column weight slice is 64 * 256 = 16 KiB, half of a 32 KiB
// L1d (Zen 2 to Zen 4, most Intel client cores), re-read from L1 by every row panel of the block.
enum { AVX2_KC = 256 };

// Narrow weights (all in [-64, 63]) on the AVX2 path: the vpmaddubsw kernel for calls with M rows. It replaces the
// vpmaddwd kernel for M > CI8_MR; for M <= CI8_MR it also beats the vpsignb row kernel in L1 (see
// docs/notes/int8-kernel.md, "Narrow weights"), so it is used for every M. M = 1 is a single 1 x 64 tile that streams
// whole panels; otherwise the column tiles re-read the KC slice from L1.
static ci8_kernel avx2_kernel(size_t M, const ci8_packed *W) {
    if (W && W->narrow)
        return (ci8_kernel){ci8_uk_avx2_narrow, CI8_YIELDS_UDOT, CI8_TIER_AVX2, CI8_A_U8, M > 1 ? AVX2_KC : 0,
                            "avx2-narrow"};
    // one row panel: weight bytes dominate, the row kernel streams them once; else vpmaddwd
    if (M <= CI8_MR)
        return (ci8_kernel){ci8_uk_avx2_rows, CI8_YIELDS_XDOT, CI8_TIER_AVX2, CI8_A_U8, M > 1 ? AVX2_KC : 0, "avx2-rows"};
    return (ci8_kernel){ci8_uk_avx2, CI8_YIELDS_XDOT, CI8_TIER_AVX2, CI8_A_S16, AVX2_KC, "avx2-vpmaddwd"};
}

int ci8_resolve_kernel(int path, size_t M, const ci8_packed *W, ci8_kernel *out) {
    if (path == CI8_PATH_DEFAULT) path = ci8_active_path();
    if (!ci8_path_supported(path)) return CI8_EUNSUPPORTED;
    switch (path) {
    case CI8_PATH_AVX512VNNI:
        *out = (ci8_kernel){ci8_uk_avx512vnni, CI8_YIELDS_UDOT, CI8_TIER_AVX512, CI8_A_U8, 0, "avx512vnni"};
        break;
    case CI8_PATH_AVXVNNI:
        *out = D.avxvnni ? (ci8_kernel){ci8_uk_avxvnni_vex, CI8_YIELDS_UDOT, CI8_TIER_AVX2, CI8_A_U8, 0, "avxvnni-vex"}
                         : (ci8_kernel){ci8_uk_avxvnni_evex, CI8_YIELDS_UDOT, CI8_TIER_AVX2, CI8_A_U8, 0, "avxvnni-evex"};
        break;
    case CI8_PATH_AVX2: *out = avx2_kernel(M, W); break;
    default: *out = (ci8_kernel){ci8_uk_scalar, CI8_YIELDS_UDOT, CI8_TIER_SCALAR, CI8_A_U8, 0, "scalar"}; break;
    }
    return CI8_OK;
}

const char *ci8_kernel_name(int path, size_t M, const ci8_packed *W) {
    ci8_kernel k;
    return ci8_resolve_kernel(path, M, W, &k) == CI8_OK ? k.name : "unsupported";
}
