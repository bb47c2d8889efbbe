// EnsembleTeacher: several teachers as one: the weighted mean of their probabilities at the loss's temperature.
import CondenseCore
import Foundation

/// Serves z = T·log Σ_i w_i·softmax(z_i/T), so that softmax(z/T) is the weighted mean of the members' distributions
/// at T (the weights are normalised to sum 1). One member of weight 1 is served unchanged: a one-teacher ensemble
/// is that teacher, bit for bit.
public final class EnsembleTeacher: Teacher {
    public let members: [Teacher]
    /// Normalised weights, one per member.
    public let weights: [Double]
    public let digest: String
    public let usage = TeacherUsage()
    private var copies: [[Float]] = []
    private var out: [Float] = []

    /// `weights` nil means equal weights. Members must agree on their outputs; weights must be finite, ≥ 0, one per
    /// member, with a positive sum.
    public init(_ members: [Teacher], weights: [Double]? = nil) throws {
        guard let first = members.first else {
            throw ConfigError("distill", key: "teachers", expected: "at least one teacher", found: "none")
        }
        for (i, m) in members.enumerated() where m.outputs != first.outputs {
            throw ConfigError("distill", key: "teachers", expected: "teachers with the same outputs (teacher 1 has \(first.outputs))",
                              found: "teacher \(i + 1) with \(m.outputs)")
        }
        let w = try Self.normalised(weights ?? [Double](repeating: 1, count: members.count), count: members.count)
        self.members = members
        self.weights = w
        digest = members.count == 1 ? first.digest : Self.digest(members.map(\.digest), weights: w)
    }

    /// Checks and normalises ensemble weights.
    public static func normalised(_ w: [Double], count: Int) throws -> [Double] {
        guard w.count == count else {
            throw ConfigError("distill", key: "teacher_weights", expected: "one weight per teacher (\(count))", found: "\(w.count): \(w)")
        }
        if let bad = w.first(where: { !$0.isFinite || $0 < 0 }) {
            throw ConfigError("distill", key: "teacher_weights", expected: "finite weights ≥ 0", found: "\(bad) in \(w)")
        }
        let sum = w.reduce(0, +)
        guard sum > 0 else { throw ConfigError("distill", key: "teacher_weights", expected: "a positive sum", found: "\(w)") }
        return w.map { $0 / sum }
    }

    /// FNV-1a over the members' digests and the weights' bits.
    static func digest(_ digests: [String], weights: [Double]) -> String {
        var h = Array("ensemble".utf8).withUnsafeBytes { fnv1a($0) }
        for (d, w) in zip(digests, weights) {
            h = Array(d.utf8).withUnsafeBytes { fnv1a($0, h) }
            var bits = w.bitPattern
            h = withUnsafeBytes(of: &bits) { fnv1a($0, h) }
        }
        return String(format: "%016llx", h)
    }

    public var outputs: Int { members[0].outputs }
    public var hiddenStates: GPT? { members.count == 1 ? members[0].hiddenStates : nil }

    public func logits(for input: NetworkInput, temperature: Double) -> UnsafePointer<Float> {
        if members.count == 1 { return members[0].logits(for: input, temperature: temperature) }
        return usage.timed(rows: input.rows) {
            let n = input.rows * outputs
            if copies.count != members.count || copies[0].count != n {
                copies = members.map { _ in [Float](repeating: 0, count: n) }
                out = [Float](repeating: 0, count: n)
            }
            for (i, m) in members.enumerated() {
                let z = m.logits(for: input, temperature: temperature)
                copies[i].withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: z, count: n) }
            }
            let ptrs = copies.map { $0.withUnsafeBufferPointer { $0.baseAddress! } }
            out.withUnsafeMutableBufferPointer {
                mixTempered(ptrs, weights: weights, rows: input.rows, cols: outputs, temperature: temperature, out: $0.baseAddress!)
            }
            return out.withUnsafeBufferPointer { $0.baseAddress! }
        }
    }
}

/// out (rows, cols) = T·log Σ_i w_i·softmax(z_i/T) per row, for member logits z_i (rows, cols) each; in float64 from
/// the members' float32 log-softmax at T (log-sum-exp over members, so no probability underflows).
func mixTempered(_ members: [UnsafePointer<Float>], weights: [Double], rows: Int, cols: Int, temperature: Double,
                 out: UnsafeMutablePointer<Float>) {
    let invT = Float(1 / temperature)
    var lp = [[Float]](repeating: [Float](repeating: 0, count: cols), count: members.count)
    let logW = weights.map { $0 > 0 ? Foundation.log($0) : -Double.infinity }
    for r in 0..<rows {
        for i in members.indices { Ops.logSoftmaxRows(&lp[i], members[i] + r * cols, rows: 1, cols: cols, invTemperature: invT) }
        for j in 0..<cols {
            var m = -Double.infinity
            for i in members.indices { m = Swift.max(m, logW[i] + Double(lp[i][j])) }
            var s = 0.0
            for i in members.indices where logW[i] > -Double.infinity { s += Foundation.exp(logW[i] + Double(lp[i][j]) - m) }
            out[r * cols + j] = Float(temperature * (m + Foundation.log(s)))
        }
    }
}
