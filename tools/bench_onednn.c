// oneDNN dnnl_gemm_u8s8s32 timing (Debian libdnnl-dev): a second int8 GEMM peer for Condense's CInt8 kernels.
//
// Build: apt-get install libdnnl-dev && cc -O2 -fopenmp tools/bench_onednn.c -ldnnl -o /tmp/bench_onednn
// Run:   /tmp/bench_onednn [--m M --k K --n N] [--threads T] [--samples S] [--min-ms MS] [--json]
// C(M×N, s32) = A(M×K, u8, row-major) · B^T where B is (N×K, s8) like an nn.Linear weight (transb='T'),
// zero offsets, alpha 1, beta 0. The plain GEMM API packs B inside every call (no pre-packing).
// GOPS = 2*M*K*N / median time of one call.
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double bench(long m, long k, long n, int samples, double min_ms) {
  uint8_t *A = malloc(m * k);
  int8_t *B = malloc(n * k);
  int32_t *C = malloc(sizeof(int32_t) * m * n);
  int32_t co = 0;
  srand(1);
  for (long i = 0; i < m * k; i++) A[i] = (uint8_t)(rand() & 0xff);
  for (long i = 0; i < n * k; i++) B[i] = (int8_t)((rand() & 0xff) - 128);
#define CALL() dnnl_gemm_u8s8s32('N', 'T', 'F', m, n, k, 1.0f, A, k, 0, B, k, 0, 0.0f, C, n, &co)
  if (CALL() != dnnl_success) { fprintf(stderr, "dnnl_gemm_u8s8s32 failed\n"); exit(1); }
  double t0 = now();
  CALL();
  double once = now() - t0;
  long calls = (long)(min_ms / 1e3 / (once > 1e-9 ? once : 1e-9));
  if (calls < 1) calls = 1;
  double *t = malloc(sizeof(double) * samples);
  for (int s = 0; s < samples; s++) {
    t0 = now();
    for (long c = 0; c < calls; c++) CALL();
    t[s] = (now() - t0) / calls;
  }
  qsort(t, samples, sizeof(double), cmp);
  double med = samples % 2 ? t[samples / 2] : 0.5 * (t[samples / 2 - 1] + t[samples / 2]);
  free(A); free(B); free(C); free(t);
  return med;
}

int main(int argc, char **argv) {
  long m = 0, k = 0, n = 0;
  int threads = 2, samples = 9, json = 0;
  double min_ms = 50;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
    if (!strcmp(a, "--m")) m = atol(v), i++;
    else if (!strcmp(a, "--k")) k = atol(v), i++;
    else if (!strcmp(a, "--n")) n = atol(v), i++;
    else if (!strcmp(a, "--threads")) threads = atoi(v), i++;
    else if (!strcmp(a, "--samples")) samples = atoi(v), i++;
    else if (!strcmp(a, "--min-ms")) min_ms = atof(v), i++;
    else if (!strcmp(a, "--json")) json = 1;
    else {
      printf("usage: %s [--m M --k K --n N] [--threads 2] [--samples 9] [--min-ms 50] [--json]\n"
             "oneDNN dnnl_gemm_u8s8s32 GOPS; without --m/--k/--n, M in {1,16,64,256,2048} x (K,N) in "
             "{768,2048,4096}^2 diagonal\n", argv[0]);
      return strcmp(a, "--help") && strcmp(a, "-h") ? 2 : 0;
    }
  }
  if (samples < 1) samples = 1;
  omp_set_num_threads(threads);
  const dnnl_version_t *ver = dnnl_version();
  long ms[] = {1, 16, 64, 256, 2048}, kn[] = {768, 2048, 4096};
  if (!json) printf("oneDNN %d.%d.%d, isa 0x%x, threads %d\n%6s %6s %6s %10s %10s\n", ver->major, ver->minor,
                    ver->patch, (int)dnnl_get_effective_cpu_isa(), threads, "M", "K", "N", "ms", "GOPS");
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 5; i++) {
      long mm = m ? m : ms[i], kk = m ? k : kn[j], nn = m ? n : kn[j];
      double t = bench(mm, kk, nn, samples, min_ms), gops = 2.0 * mm * kk * nn / t / 1e9;
      if (json)
        printf("{\"m\": %ld, \"k\": %ld, \"n\": %ld, \"onednn_u8s8s32_gops\": %.3f, \"onednn_ms\": %.6f, "
               "\"threads\": %d, \"onednn\": \"%d.%d.%d\"}\n", mm, kk, nn, gops, t * 1e3, threads,
               ver->major, ver->minor, ver->patch);
      else printf("%6ld %6ld %6ld %10.4f %10.1f\n", mm, kk, nn, t * 1e3, gops);
      fflush(stdout);
      if (m) return 0;
    }
  return 0;
}
