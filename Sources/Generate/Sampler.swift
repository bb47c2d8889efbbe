// Sampler: turns logits into the distribution a token is drawn from (temperature, top-k, top-p) and draws it.
import CondenseCore
import Foundation

/// How the next token is chosen. temperature 0 is greedy: the distribution is one-hot at the first argmax.
public struct SamplingOptions: Codable, Equatable, Sendable {
    /// ≥ 0; 0 is greedy.
    public var temperature: Float = 1
    /// Keep only the k most likely tokens (0: all).
    public var topK: Int = 0
    /// Keep the smallest set of most likely tokens whose mass reaches p (1: all). In (0, 1].
    public var topP: Float = 1
    /// Seed of sequence 0; sequence b of a batch draws from RNG(seed: seed &+ b).
    public var seed: UInt64 = 1337

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, seed: UInt64 = 1337) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.seed = seed
    }

    public static let greedy = SamplingOptions(temperature: 0)

    /// The first option out of range, as one line naming the option, the range and the value.
    public func validate() throws {
        guard temperature.isFinite, temperature >= 0, temperature <= 100 else {
            throw GenerateError("--temperature must lie in [0, 100], found \(temperature)")
        }
        guard topK >= 0 else { throw GenerateError("--top-k must be ≥ 0 (0 keeps every token), found \(topK)") }
        guard topP.isFinite, topP > 0, topP <= 1 else { throw GenerateError("--top-p must lie in (0, 1], found \(topP)") }
    }
}

public enum Sampler {
    /// probs (V) = the distribution to draw from: softmax(logits/T), restricted to the top k and then to the
    /// nucleus of mass p (ties at a cut-off are kept by index order), renormalised. T = 0 gives one-hot argmax.
    public static func distribution(_ logits: UnsafePointer<Float>, vocab v: Int, options o: SamplingOptions,
                                    into probs: UnsafeMutablePointer<Float>) {
        if o.temperature == 0 {
            var best = 0
            for j in 1..<max(v, 1) where logits[j] > logits[best] { best = j }
            probs.update(repeating: 0, count: v)
            probs[best] = 1
            return
        }
        Ops.softmaxRows(probs, logits, rows: 1, cols: v, invTemperature: 1 / o.temperature)
        let k = o.topK > 0 ? min(o.topK, v) : v
        if k == v && o.topP >= 1 { return }
        // indices by probability, descending (stable: ties keep index order)
        let order = (0..<v).sorted { probs[$0] > probs[$1] || (probs[$0] == probs[$1] && $0 < $1) }
        var keep = k, mass: Float = 0
        if o.topP < 1 {
            for (i, j) in order.prefix(k).enumerated() {
                mass += probs[j]
                if mass >= o.topP { keep = i + 1; break }
            }
        }
        var total: Float = 0
        for j in order.prefix(keep) { total += probs[j] }
        for j in order.dropFirst(keep) { probs[j] = 0 }
        for j in order.prefix(keep) { probs[j] /= total }
    }

    /// The token whose cumulative-probability interval holds u ∈ [0, 1); zero-probability tokens are never chosen.
    public static func draw(_ probs: UnsafePointer<Float>, vocab v: Int, u: Float) -> Int32 {
        var acc: Float = 0, last = 0
        for j in 0..<v where probs[j] > 0 {
            acc += probs[j]
            last = j
            if u < acc { return Int32(j) }
        }
        return Int32(last)  // u beyond the rounded total: the last token with mass
    }
}

/// A bad option or input of generation: one line naming what was expected and what was found.
public struct GenerateError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
