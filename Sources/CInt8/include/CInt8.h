// CInt8: u8 x s8 -> s32 GEMM kernels with run-time CPU dispatch (placeholder header; see issue 6).
#pragma once
#include <stdint.h>
/// Returns the name of the fastest int8 path this CPU supports.
const char *ci8_best_path(void);
