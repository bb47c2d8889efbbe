// CZlibSystem: zlib's inflate API (gzip streams), as Swift sees it. (Not "CZlib": ZIPFoundation's own zlib module has that name.)
#include <zlib.h>
