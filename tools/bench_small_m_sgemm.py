#!/usr/bin/env python3
"""Debian's OpenBLAS at the row counts speculative verification feeds (M = 1, 2, 5 rows: K + 1 positions):
one sgemm against M sgemv calls, on the Shakespeare teacher's linear shapes (K x N). Microseconds per call.

   python3 tools/bench_small_m_sgemm.py
"""
import ctypes, numpy as np, time
lib = ctypes.CDLL("/usr/lib/x86_64-linux-gnu/libopenblas.so.0")
f=ctypes.c_float; P=ctypes.c_void_p; I=ctypes.c_int
lib.cblas_sgemm.argtypes=[I,I,I,I,I,I,f,P,I,P,I,f,P,I]
lib.cblas_sgemv.argtypes=[I,I,I,I,f,P,I,P,I,f,P,I]
for (K,N) in [(256,768),(256,1024),(1024,256)]:
    W=np.random.rand(N,K).astype(np.float32)
    for M in [1,2,5]:
        X=np.random.rand(M,K).astype(np.float32); Y=np.zeros((M,N),np.float32)
        def gemm():
            lib.cblas_sgemm(101,111,112,M,N,K,1.0,X.ctypes.data,K,W.ctypes.data,K,0.0,Y.ctypes.data,N)
        def gemv():
            for r in range(M): lib.cblas_sgemv(101,111,N,K,1.0,W.ctypes.data,K,X[r:].ctypes.data,1,0.0,Y[r:].ctypes.data,1)
        for name,fn in [("sgemm",gemm),("sgemv xM",gemv)]:
            for _ in range(50): fn()
            t=time.perf_counter(); n=2000
            for _ in range(n): fn()
            print(f"K={K} N={N} M={M} {name}: {(time.perf_counter()-t)/n*1e6:.1f} us")
