// DecodeEngine+Attention: writes each new row's keys and values into the cache, then attends over the cache.
import CondenseCore
import Dispatch

extension DecodeEngine {
    /// qkv (N, 3A) of layer l: k and v of row r go to the cache at (sequence, position) of r, per head.
    func storeKeysValues(_ l: Int, rows n: Int) {
        let s = scratch, h = config.n_head, dh = config.head_dim, a = config.attnWidth
        for r in 0..<n {
            let b = Int(s.rowSeq[r]), pos = Int(s.rowPos[r])
            let row = s.qkv.data + r * 3 * a
            for hi in 0..<h {
                (cache.keyBase(l, b, hi) + pos * dh).update(from: row + a + hi * dh, count: dh)
                (cache.valueBase(l, b, hi) + pos * dh).update(from: row + 2 * a + hi * dh, count: dh)
            }
        }
    }

    /// atty[r, head] (Dh) = Σ_j softmax_j(q·k_j/√Dh)·v_j over the cached positions j ≤ pos(r) of r's sequence,
    /// which is the causal attention of GPT.forward for that row. Rows × heads are split over the cores when
    /// the work is large (a long prefill or a big batch).
    func cachedAttention(_ l: Int, rows n: Int) {
        let s = scratch, h = config.n_head
        var work = 0
        for r in 0..<n { work += Int(s.rowPos[r]) + 1 }
        let tasks = n * h
        if work * h * config.head_dim >= 1 << 20 && Parallel.workers > 1 && tasks > 1 {   // ~1M multiply-adds: a long prefill or batch ≥ 32
            let chunks = min(tasks, Parallel.workers * 4)
            DispatchQueue.concurrentPerform(iterations: chunks) { ci in
                for t in stride(from: ci, to: tasks, by: chunks) { attendOne(l, row: t / h, head: t % h) }
            }
        } else {
            for t in 0..<tasks { attendOne(l, row: t / h, head: t % h) }
        }
    }

    /// One (row, head): scores (pos+1) = scale·q·Kᵀ, softmax, out (Dh) = P·V.
    @inline(__always) private func attendOne(_ l: Int, row r: Int, head hi: Int) {
        let s = scratch, h = config.n_head, dh = config.head_dim, a = config.attnWidth
        let b = Int(s.rowSeq[r]), len = Int(s.rowPos[r]) + 1
        let scale = 1 / Float(dh).squareRoot()
        let q = s.qkv.data + r * 3 * a + hi * dh
        let keys = cache.keyBase(l, b, hi), vals = cache.valueBase(l, b, hi)
        let p = s.scores.data + (r * h + hi) * config.block_size
        for j in 0..<len { p[j] = scale * Ops.dot(q, keys + j * dh, dh) }
        Ops.softmaxRows(p, p, rows: 1, cols: len)
        let o = s.atty.data + r * a + hi * dh
        o.update(repeating: 0, count: dh)
        for j in 0..<len { Ops.axpy(o, p[j], vals + j * dh, dh) }
    }
}
