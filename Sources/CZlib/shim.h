// CZlib: zlib's inflate API (gzip streams), as Swift sees it.
#include <zlib.h>
