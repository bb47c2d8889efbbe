// MutualMethod: deep mutual learning: the student and its peers, each from random init, trained on the same batches,
// each on its own cross-entropy plus α·T² times the mean KL from the others' (detached) distributions at T.
import CondenseCore
import Foundation

/// Network i of a mutual run, initialised from the config's seed: 0 is the student, k ≥ 1 peer k (seed + k).
public func mutualInit(_ architecture: Architecture, seed: UInt64, index: Int) -> Network {
    makeNetwork(architecture, seed: seed &+ UInt64(index))
}

/// The pieces of one mutual run over `student` (network 0, trained by the Trainer) and `peers` (networks 1…, the
/// Trainer's extra parameters, prefixed "peerK/", each clipped as its own group).
struct MutualRun {
    let objective: MutualObjective
    let batches: MutualBatches
    let extra: ParameterStore
    let clipGroups: [Range<Int>]

    init(student: Network, peers: [Network], data: TaskData, options: TrainingOptions, config: DistillConfig) throws {
        let base = try TrainBatches(data, batchSize: options.batch_size, context: student.context, seed: config.seed)
        batches = MutualBatches(base, peers: peers.count, seed: config.seed)
        objective = MutualObjective(peers: peers, batches: batches, alpha: config.mutual_alpha,
                                    temperature: config.mutual_temperature, gradAccum: options.grad_accum)
        extra = ParameterStore(joining: peers.enumerated().map { ("peer\($0.offset + 1)/", $0.element.params) })
        var groups: [Range<Int>] = [], at = 0
        for p in peers { groups.append(at..<(at + p.params.names.count)); at += p.params.names.count }
        clipGroups = groups
    }
}

/// The sampler's batches, plus one dropout stream per peer (each starting where the Trainer's own starts, so that
/// with α = 0 a peer trains exactly as it would alone). The streams are part of the checkpointed state.
final class MutualBatches: WrappingBatchSource {
    let base: BatchSource
    var rngs: [RNG]

    init(_ base: BatchSource, peers: Int, seed: UInt64) {
        self.base = base
        rngs = Array(repeating: RNG(seed: seed ^ 0x5EED_D20F), count: peers)
    }

    func next(step: Int, micro: Int) throws { try base.next(step: step, micro: micro) }
    var wrapped: BatchSource { base }

    /// The base's state and the peers' RNG words (as decimal strings: a JSON number would round a UInt64).
    var state: JSONValue {
        .object(["base": base.state, "peer_dropout": .array(rngs.map { .array($0.state.map { .string(String($0)) }) })])
    }

    func restore(_ state: JSONValue) throws {
        guard case .array(let words)? = state["peer_dropout"], words.count == rngs.count else {
            throw FormatError(file: "checkpoint", path: "train_state.sampler", "expected the dropout state of \(rngs.count) peers")
        }
        try base.restore(state["base"] ?? .null)
        rngs = try words.map { w in
            guard case .array(let a) = w else { throw FormatError(file: "checkpoint", path: "train_state.sampler", "malformed peer state") }
            let s = a.compactMap { $0.string.flatMap { UInt64($0) } }
            guard s.count == 4 else { throw FormatError(file: "checkpoint", path: "train_state.sampler", "malformed peer state") }
            return RNG(state: s)
        }
    }
}

/// The student's objective, which also runs the peers: their forwards on the same input, every network's loss
/// and logit gradient, and the peers' backwards (their gradients land in the Trainer's extra parameters).
final class MutualObjective: Objective {
    let peers: [Network]
    let batches: MutualBatches
    let alpha: Double
    let temperature: Double
    let gradAccum: Int
    /// The peers' dlogits, (rows, cols) each.
    private var peerGrads: [Tensor] = []
    /// The last micro-batch's loss of every network (student first).
    private(set) var lastLosses: [Double] = []

    init(peers: [Network], batches: MutualBatches, alpha: Double, temperature: Double, gradAccum: Int) {
        self.peers = peers; self.batches = batches; self.alpha = alpha; self.temperature = temperature; self.gradAccum = gradAccum
    }

    func lossAndGradient(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>,
                         targets: UnsafePointer<Int32>, input: NetworkInput, rows: Int, cols: Int) -> Double {
        if peerGrads.first?.count != rows * cols { peerGrads = peers.map { _ in Tensor(zeros: [rows, cols]) } }
        var all: [UnsafePointer<Float>] = [logits]
        for k in peers.indices { all.append(UnsafePointer(peers[k].forward(input, training: true, rng: &batches.rngs[k]))) }
        lastLosses = Self.loss(logits: all, targets: targets, rows: rows, cols: cols, alpha: alpha, temperature: temperature,
                               dlogits: [dlogits] + peerGrads.map(\.data))
        // As the Trainer does for the student: dlogits scaled by 1/grad_accum, then the backward.
        for k in peers.indices {
            if gradAccum > 1 { peerGrads[k].scale(1 / Float(gradAccum)) }
            peers[k].backward(dlogits: peerGrads[k].data)
        }
        return lastLosses[0]
    }

    /// Every network's mean loss over the rows with a target ≥ 0, and its logit gradient in dlogits[i] (rows, cols,
    /// overwritten). α = 0: each is the plain cross-entropy, through the same code as `CrossEntropyObjective`.
    static func loss(logits: [UnsafePointer<Float>], targets: UnsafePointer<Int32>, rows: Int, cols: Int, alpha: Double,
                     temperature: Double, dlogits: [UnsafeMutablePointer<Float>]) -> [Double] {
        guard alpha != 0 else {
            return zip(logits, dlogits).map { z, d in
                let l = crossEntropyForward(probs: d, losses: nil, logits: z, targets: targets, n: rows, v: cols)
                crossEntropyBackward(dlogits: d, probs: d, targets: targets, n: rows, v: cols)
                return Double(l)
            }
        }
        return mutualTerms(logits: logits, targets: targets, rows: rows, cols: cols, alpha: alpha, temperature: temperature,
                           dlogits: dlogits)
    }

    /// α > 0, per counted row in float64, with s_i = softmax(z_i) and p_i = softmax(z_i/T), N networks:
    ///   L_i = −log s_i[y] + α·T²/(N−1)·Σ_{j≠i} KL(p_j ‖ p_i),
    ///   dL_i/dz_i = s_i − e_y + α·T·(p_i − mean_{j≠i} p_j)   (p_j detached: d KL(p_j‖p_i)/dz_i = (p_i − p_j)/T),
    /// both divided by the count of rows with a target ≥ 0; a padding row's gradient is 0.
    static func mutualTerms(logits: [UnsafePointer<Float>], targets: UnsafePointer<Int32>, rows: Int, cols: Int,
                            alpha: Double, temperature: Double, dlogits: [UnsafeMutablePointer<Float>]) -> [Double] {
        let n = logits.count, t = temperature
        let count = crossEntropyCount(targets: targets, n: rows)
        var losses = [Double](repeating: 0, count: n)
        var lp = [[Double]](repeating: [Double](repeating: 0, count: cols), count: n)   // log p_i (at T), (N, cols)
        var ls = lp                                                                      // log s_i (at 1), (N, cols)
        var others = [Double](repeating: 0, count: cols)
        for r in 0..<rows {
            let y = Int(targets[r])
            guard y >= 0 else { for d in dlogits { (d + r * cols).update(repeating: 0, count: cols) }; continue }
            for i in 0..<n {
                logSoftmax(logits[i] + r * cols, cols: cols, scale: 1 / t, into: &lp[i])
                logSoftmax(logits[i] + r * cols, cols: cols, scale: 1, into: &ls[i])
            }
            for i in 0..<n {
                var kl = 0.0
                for c in 0..<cols { others[c] = 0 }
                for j in 0..<n where j != i {
                    for c in 0..<cols {
                        let pj = Foundation.exp(lp[j][c])
                        if pj > 0 { kl += pj * (lp[j][c] - lp[i][c]) }
                        others[c] += pj
                    }
                }
                losses[i] += -ls[i][y] + alpha * t * t * kl / Double(n - 1)
                let d = dlogits[i] + r * cols
                for c in 0..<cols {
                    let g = Foundation.exp(ls[i][c]) - (c == y ? 1 : 0) + alpha * t * (Foundation.exp(lp[i][c]) - others[c] / Double(n - 1))
                    d[c] = Float(g / Double(count))
                }
            }
        }
        return losses.map { count > 0 ? $0 / Double(count) : 0 }
    }

    /// out = log softmax(scale·z) of one row, in float64.
    static func logSoftmax(_ z: UnsafePointer<Float>, cols: Int, scale: Double, into out: inout [Double]) {
        var m = -Double.infinity
        for c in 0..<cols { m = max(m, Double(z[c]) * scale) }
        var sum = 0.0
        for c in 0..<cols { sum += Foundation.exp(Double(z[c]) * scale - m) }
        let lse = m + Foundation.log(sum)
        for c in 0..<cols { out[c] = Double(z[c]) * scale - lse }
    }
}
