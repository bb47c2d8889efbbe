// SpeculativeRun: one speculative decode's state: tokens, both caches' windows, the RNG and the counters.
import CondenseCore
import Foundation

struct SpeculativeRun {
    let target: DecodeEngine, draft: DecodeEngine
    let options: SpeculativeOptions
    let rule: AcceptanceRule
    let promptLength: Int
    var ids: [Int32]
    var targetWindow = CacheWindow(), draftWindow = CacheWindow()
    var rng: RNG
    var proposed = 0, accepted = 0, targetCalls = 0, draftCalls = 0
    /// Where a round's time goes (ns): the draft's steps, the target's verifications, and the calls of either
    /// that re-prefill a moved window (past block_size), counted apart from the first two.
    var draftNs: UInt64 = 0, verifyNs: UInt64 = 0, restartNs: UInt64 = 0
    var draftRestarts = 0, verifyRestarts = 0
    private var sampling: SamplingOptions { options.generation.sampling }
    private var policy: ContextPolicy { options.generation.policy }
    private var block: Int { target.capacity }
    private var v: Int { target.vocabSize }

    init(target: DecodeEngine, draft: DecodeEngine, prompt: [Int32], options: SpeculativeOptions, rule: AcceptanceRule) {
        self.target = target; self.draft = draft; self.options = options; self.rule = rule
        promptLength = prompt.count
        ids = prompt
        rng = RNG(seed: options.generation.sampling.seed)
    }

    /// Both caches take the prompt but its last token, which the first round feeds.
    mutating func prefill() {
        target.reset(); draft.reset()
        guard ids.count >= 2 else { return }
        let w = policy.windowStart(predicting: ids.count - 1, block: block)
        targetWindow.start = w; draftWindow.start = w
        let head = Array(ids[w..<(ids.count - 1)])
        _ = target.extend([head]); _ = draft.extend([head])
    }

    /// One round: K' ≤ K drafts (fewer at the end, or where the policy's window would move inside the round),
    /// one target forward over the pending token and the drafts, acceptance, one more token, rollback.
    mutating func round() {
        let n = ids.count, remaining = options.generation.tokens - (n - promptLength)
        let w = policy.windowStart(predicting: n, block: block)
        var k = min(options.draftTokens, remaining - 1)
        while k > 0 && policy.windowStart(predicting: n + k, block: block) != w { k -= 1 }
        let (drafts, q) = propose(k)
        let p = verify(drafts)
        var m = 0
        var next: Int32? = nil
        for i in 0..<k {
            proposed += 1
            let d = Int(drafts[i]), pd = p[i * v + d], qd = q[i * v + d]
            if rng.uniform() < pd / qd { accepted += 1; m += 1; continue }   // qd > 0: d was drawn from q
            next = rejectionToken(p: Array(p[(i * v)..<((i + 1) * v)]), q: Array(q[(i * v)..<((i + 1) * v)]))
            break
        }
        ids += drafts.prefix(m)
        ids.append(next ?? drawFrom(Array(p[(k * v)..<((k + 1) * v)])))   // the bonus token after K acceptances
        // roll both caches back to ids[w ..< n + m]: the accepted drafts stay, rejected ones go
        target.cache.truncate(0, to: min(target.cache.lengths[0], n + m - w))
        if draftWindow.start == w { draft.cache.truncate(0, to: min(draft.cache.lengths[0], n + m - w)) }
    }

    /// The draft's K tokens and their distributions q (K, V), drawn one at a time on the draft's cache.
    private mutating func propose(_ k: Int) -> ([Int32], [Float]) {
        guard k > 0 else { return ([], []) }
        var drafts = [Int32](), q = [Float](repeating: 0, count: k * v)
        var (feed, restarted) = draftWindow.chunk(for: ids, cache: draft.cache, sequence: 0, policy: policy, block: block)
        for i in 0..<k {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let logits = draft.extend([feed])
            charge(since: t0, restart: restarted, to: \.draftNs)
            draftCalls += 1
            if restarted { draftRestarts += 1 }
            restarted = false
            let (vv, o) = (v, sampling)
            let u = o.temperature == 0 ? 0 : rng.uniform()
            let d = q.withUnsafeMutableBufferPointer { qb -> Int32 in
                Sampler.distribution(logits.last(0), vocab: vv, options: o, into: qb.baseAddress! + i * vv)
                return Sampler.draw(qb.baseAddress! + i * vv, vocab: vv, u: u)
            }
            drafts.append(d)
            feed = [d]
        }
        return (drafts, q)
    }

    /// The target's distributions p (K + 1, V) at the pending position and after each draft, in one forward.
    private mutating func verify(_ drafts: [Int32]) -> [Float] {
        let (pending, restarted) = targetWindow.chunk(for: ids, cache: target.cache, sequence: 0, policy: policy, block: block)
        let chunk = pending + drafts
        let t0 = DispatchTime.now().uptimeNanoseconds
        let logits = target.extend([chunk])
        charge(since: t0, restart: restarted, to: \.verifyNs)
        targetCalls += 1
        if restarted { verifyRestarts += 1 }
        let k = drafts.count, first = chunk.count - (k + 1)
        var p = [Float](repeating: 0, count: (k + 1) * v)
        let (vv, o) = (v, sampling)
        p.withUnsafeMutableBufferPointer { pb in
            for i in 0...k { Sampler.distribution(logits.row(0, first + i), vocab: vv, options: o, into: pb.baseAddress! + i * vv) }
        }
        return p
    }

    /// Adds the time since t0 to `restartNs` for a call that re-prefilled a moved window, else to `field`.
    private mutating func charge(since t0: UInt64, restart: Bool, to field: WritableKeyPath<SpeculativeRun, UInt64>) {
        let dt = DispatchTime.now().uptimeNanoseconds - t0
        if restart { restartNs += dt } else { self[keyPath: field] += dt }
    }

    /// After a rejection: a draw from norm(max(0, p − q)) (from p if that is empty by rounding).
    private mutating func rejectionToken(p: [Float], q: [Float]) -> Int32 {
        if rule == .resampleFromTarget { return drawFrom(p) }
        var r = zip(p, q).map { max(0, $0 - $1) }
        let total = r.reduce(0, +)
        guard total > 0 else { return drawFrom(p) }
        for j in 0..<r.count { r[j] /= total }
        return drawFrom(r)
    }

    private mutating func drawFrom(_ probs: [Float]) -> Int32 {
        let u = sampling.temperature == 0 ? 0 : rng.uniform()
        return probs.withUnsafeBufferPointer { Sampler.draw($0.baseAddress!, vocab: v, u: u) }
    }
}
