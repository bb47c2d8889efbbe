// Attention: causal multi-head self-attention over nanoGPT's fused qkv, forward and backward, per (b,h) sgemm.
import Dispatch

/// Rows per causal block: each block of query rows multiplies only the keys it can see, skipping most of
/// the masked upper triangle (about half of the T² work).
private let causalBlock = 64

/// Whether attention splits its B·H heads over the cores itself (with single-threaded BLAS inside)
/// rather than running them in turn with multithreaded BLAS. Measured in Tests (AttentionSpeed).
nonisolated(unsafe) public var attentionParallelOverHeads = true

/// Runs body for each of count heads, each of `work` multiply-adds; small problems stay on the calling thread.
@inline(__always) private func forEachHead(_ count: Int, work: Int, _ body: (Int) -> Void) {
    if attentionParallelOverHeads && count >= 2 && Parallel.workers > 1 && count * work >= 1 << 16 {
        BLAS.withThreads(1) { DispatchQueue.concurrentPerform(iterations: count, execute: body) }
    } else {
        for i in 0..<count { body(i) }
    }
}

/// qkv (B,T,3·H·Dh): columns [0,HD) are q, [HD,2HD) k, [2HD,3HD) v, head h at h·Dh..<(h+1)·Dh of each (HD = H·Dh).
/// out (B,T,HD) overwritten, head h at columns h·Dh..<(h+1)·Dh.
/// att (B,H,T,T) receives the probabilities softmax(q·kᵀ/√Dh) under the causal mask (zeros above the diagonal),
/// saved for the backward.
public func attentionForward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
                             qkv: UnsafePointer<Float>, b: Int, t: Int, h: Int, dh: Int) {
    let hd = h * dh, c3 = 3 * hd
    let scale = 1 / Float(dh).squareRoot()
    forEachHead(b * h, work: t * t * dh) { bh in
        let bi = bh / h, hi = bh % h
        let q = qkv + bi * t * c3 + hi * dh, k = q + hd, v = q + 2 * hd
        let p = att + bh * t * t
        let o = out + bi * t * hd + hi * dh
        // scores (T,T) = scale·q·kᵀ, lower triangle by row blocks
        for i0 in stride(from: 0, to: t, by: causalBlock) {
            let i1 = min(i0 + causalBlock, t)
            BLAS.sgemm(transA: false, transB: true, m: i1 - i0, n: i1, k: dh, alpha: scale,
                       a: q + i0 * c3, lda: c3, b: k, ldb: c3, beta: 0, c: p + i0 * t, ldc: t)
        }
        // causal softmax per row; masked entries become exact zeros
        for i in 0..<t {
            let row = p + i * t
            Ops.softmaxRow(row, row, i + 1, 1)
            (row + i + 1).update(repeating: 0, count: t - i - 1)
        }
        // out (T,Dh) = P·v
        for i0 in stride(from: 0, to: t, by: causalBlock) {
            let i1 = min(i0 + causalBlock, t)
            BLAS.sgemm(transA: false, transB: false, m: i1 - i0, n: dh, k: i1,
                       a: p + i0 * t, lda: t, b: v, ldb: c3, beta: 0, c: o + i0 * hd, ldc: hd)
        }
    }
}

/// dout (B,T,HD), qkv (B,T,3HD) and att (B,H,T,T) from the forward; scratch (B,H,T,T) is workspace.
/// dqkv (B,T,3HD) receives dq, dk, dv in qkv's layout: overwritten, or added when accumulateInput.
public func attentionBackward(dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                              dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
                              b: Int, t: Int, h: Int, dh: Int, accumulateInput: Bool = false) {
    let hd = h * dh, c3 = 3 * hd
    let scale = 1 / Float(dh).squareRoot()
    let beta: Float = accumulateInput ? 1 : 0
    forEachHead(b * h, work: t * t * dh) { bh in
        let bi = bh / h, hi = bh % h
        let q = qkv + bi * t * c3 + hi * dh, k = q + hd, v = q + 2 * hd
        let dq = dqkv + bi * t * c3 + hi * dh, dk = dq + hd, dv = dq + 2 * hd
        let p = att + bh * t * t, ds = scratch + bh * t * t
        let dO = dout + bi * t * hd + hi * dh
        // dP (T,T) = dO·vᵀ, lower triangle by row blocks
        for i0 in stride(from: 0, to: t, by: causalBlock) {
            let i1 = min(i0 + causalBlock, t)
            BLAS.sgemm(transA: false, transB: true, m: i1 - i0, n: i1, k: dh,
                       a: dO + i0 * hd, lda: hd, b: v, ldb: c3, beta: 0, c: ds + i0 * t, ldc: t)
        }
        // softmax backward in place: dS = P ⊙ (dP − Σ_j P·dP), zero above the diagonal
        for i in 0..<t {
            let pr = p + i * t, dr = ds + i * t, n = i + 1
            let d = F16(repeating: Ops.dot(pr, dr, n))
            var j = 0
            while j + 16 <= n { store16(load16(pr + j) * (load16(dr + j) - d), dr + j); j += 16 }
            while j < n { dr[j] = pr[j] * (dr[j] - d[0]); j += 1 }
            (dr + n).update(repeating: 0, count: t - n)
        }
        // dq (T,Dh) = scale·dS·k; row block [i0,i1) sees keys [0,i1)
        for i0 in stride(from: 0, to: t, by: causalBlock) {
            let i1 = min(i0 + causalBlock, t)
            BLAS.sgemm(transA: false, transB: false, m: i1 - i0, n: dh, k: i1, alpha: scale,
                       a: ds + i0 * t, lda: t, b: k, ldb: c3, beta: beta, c: dq + i0 * c3, ldc: c3)
        }
        // dk = scale·dSᵀ·q and dv = Pᵀ·dO; key block [j0,j1) is seen by queries [j0,T)
        for j0 in stride(from: 0, to: t, by: causalBlock) {
            let j1 = min(j0 + causalBlock, t)
            BLAS.sgemm(transA: true, transB: false, m: j1 - j0, n: dh, k: t - j0, alpha: scale,
                       a: ds + j0 * t + j0, lda: t, b: q + j0 * c3, ldb: c3, beta: beta, c: dk + j0 * c3, ldc: c3)
            BLAS.sgemm(transA: true, transB: false, m: j1 - j0, n: dh, k: t - j0,
                       a: p + j0 * t + j0, lda: t, b: dO + j0 * hd, ldb: hd, beta: beta, c: dv + j0 * c3, ldc: c3)
        }
    }
}
