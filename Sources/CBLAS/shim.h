// CBLAS: OpenBLAS's C interface, as Swift sees it.
#include <cblas.h>
