// DecodeEngine+Attention: writes each new row's keys and values into the cache, then attends over the cache.
import CondenseCore
import CInt8

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
    /// which is the causal attention of GPT.forward for that row. Rows × heads are split over the kernels' thread
    /// pool (whose workers are awake between the step's linears) once the work pays for the hand-off; each
    /// (row, head) is computed the same way whichever thread takes it, so a row's output does not depend on the
    /// other rows of the call.
    func cachedAttention(_ l: Int, rows n: Int) {
        let s = scratch, h = config.n_head
        var work = 0
        for r in 0..<n { work += Int(s.rowPos[r]) + 1 }
        let tasks = n * h
        if work * h * config.head_dim >= parallelAttentionWork && tasks > 1 {
            let job = AttentionJob(engine: self, layer: l)
            withExtendedLifetime(job) {
                ci8_parallel_for(tasks, 0, { ctx, t in
                    let job = Unmanaged<AttentionJob>.fromOpaque(ctx!).takeUnretainedValue()
                    let h = job.engine.config.n_head
                    job.engine.attendOne(job.layer, row: t / h, head: t % h)
                }, Unmanaged.passUnretained(job).toOpaque())
            }
        } else {
            for t in 0..<tasks { attendOne(l, row: t / h, head: t % h) }
        }
    }

    /// One (row, head): scores (pos+1) = scale·q·Kᵀ, softmax, out (Dh) = P·V (ci8_attend: a function of the row's
    /// query and its sequence's cache only).
    @inline(__always) fileprivate func attendOne(_ l: Int, row r: Int, head hi: Int) {
        let s = scratch, h = config.n_head, dh = config.head_dim, a = config.attnWidth
        let b = Int(s.rowSeq[r]), len = Int(s.rowPos[r]) + 1
        let q = s.qkv.data + r * 3 * a + hi * dh
        let p = s.scores.data + (r * h + hi) * config.block_size
        let rc = ci8_attend(q, cache.keyBase(l, b, hi), cache.valueBase(l, b, hi), len, dh, 1 / Float(dh).squareRoot(),
                            p, s.atty.data + r * a + hi * dh, nil)
        precondition(rc == CI8_OK, "ci8_attend failed (\(rc))")
    }
}

/// What a pool thread needs to run one (row, head) of a layer's attention.
private final class AttentionJob {
    let engine: DecodeEngine, layer: Int
    init(engine: DecodeEngine, layer: Int) { self.engine = engine; self.layer = layer }
}
