// Run-time CPU feature detection for the int8 kernels.
#include "CInt8.h"
const char *ci8_best_path(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni")) return "avx512vnni";
    if (__builtin_cpu_supports("avx2")) return "avx2";
    return "scalar";
}
