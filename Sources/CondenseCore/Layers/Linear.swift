// Linear: out = inp·Wᵀ + b with W (OC, C) as PyTorch stores it, forward and backward via sgemm.

/// inp (N,C), weight (OC,C), bias (OC) or nil, out (N,OC). out is overwritten.
public func linearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, n: Int, c: Int, oc: Int) {
    if let bias {
        for r in 0..<n { (out + r * oc).update(from: bias, count: oc) }
    }
    if n == 1 {  // one row (batch-1 latency): a matrix-vector product
        BLAS.sgemv(m: oc, n: c, a: weight, lda: c, x: inp, beta: bias == nil ? 0 : 1, y: out)
        return
    }
    BLAS.sgemm(transA: false, transB: true, m: n, n: oc, k: c,
               a: inp, lda: c, b: weight, ldb: c, beta: bias == nil ? 0 : 1, c: out, ldc: oc)
}

/// dout (N,OC), inp (N,C), weight (OC,C).
/// dweight (OC,C) += doutᵀ·inp; dbias (OC) += Σ_rows dout (skipped when nil).
/// dinp (N,C) = dout·W, overwritten, or added when accumulateInput; pass nil to skip it (e.g. the first layer).
public func linearBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           n: Int, c: Int, oc: Int, accumulateInput: Bool = false) {
    if let dinp {
        BLAS.sgemm(transA: false, transB: false, m: n, n: c, k: oc,
                   a: dout, lda: oc, b: weight, ldb: c, beta: accumulateInput ? 1 : 0, c: dinp, ldc: c)
    }
    BLAS.sgemm(transA: true, transB: false, m: oc, n: c, k: n,
               a: dout, lda: oc, b: inp, ldb: c, beta: 1, c: dweight, ldc: c)
    if let dbias { Ops.accumulateColumnSums(dbias, dout, rows: n, cols: oc) }
}
