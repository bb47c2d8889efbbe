// PruneConfig: the prune stage's settings; every field has a default, so recipes hold overrides only.
import CondenseCore
import Foundation

/// Field names equal the CLI options with underscores (`--drop-layers` ↔ `drop_layers`).
/// Width and depth targets are strings: a count ("512") or a ratio of the teacher's size ("50%" or "0.5");
/// "" leaves that dimension as it is.
public struct PruneConfig: Codable, Equatable, Sendable {
    /// GPT: blocks to remove, zero-based as in `transformer/h/{i}`.
    public var drop_layers: [Int] = []
    /// GPT: blocks to keep, ranked by `layer_criterion`.
    public var layers: String = ""
    /// How blocks are ranked for `layers`: block_influence (ShortGPT), loss (Minitron), contiguous.
    public var layer_criterion: String = "block_influence"
    /// GPT: MLP neurons per block (ffn_hidden).
    public var ffn: String = ""
    /// GPT: attention heads per block; head_dim is kept.
    public var heads: String = ""
    /// GPT: embedding channels (n_embd), cut consistently in every tensor.
    public var embd: String = ""
    /// MLP family: hidden widths, one value for every layer ("300", "25%") or one per layer ("600,300").
    public var hidden: String = ""
    /// A parameter budget, a count or a ratio ("25%"): candidate architectures are searched.
    public var target_params: String = ""
    /// Width importance: activation (Minitron), magnitude (weight norms), taylor (first order, |a·∂L/∂a|).
    public var criterion: String = "activation"
    /// Calibration: batches from the training split; the default 64 × 16 is Minitron's 1024 samples
    /// (images, or block_size-token sequences).
    public var calibration_batches: Int = 64
    public var calibration_batch_size: Int = 16
    /// Validation batches for the metric before and after (0: the whole split).
    public var val_batches: Int = 0
    /// Validation batches that score each budget candidate.
    public var search_val_batches: Int = 8
    /// At most this many budget candidates are pruned and scored.
    public var max_candidates: Int = 24
    /// Measure latency at batch 1 and batch N, before and after, for the report.
    public var latency: Bool = true
    /// Seeds the calibration sampler.
    public var seed: UInt64 = 1337

    public init() {}
}

/// Width-importance criteria.
public enum PruneCriterion: String, CaseIterable, Sendable {
    case activation, magnitude, taylor
}

/// Block-ranking criteria for depth pruning.
public enum LayerCriterion: String, CaseIterable, Sendable {
    case block_influence, loss, contiguous
}

/// A size target: an absolute count or a fraction of the teacher's size.
enum SizeTarget: Equatable {
    case count(Int)
    case ratio(Double)

    /// Parses "512", "50%" or "0.5"; nil for "".
    static func parse(_ text: String, option: String) throws -> SizeTarget? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        if s.hasSuffix("%") {
            guard let p = Double(s.dropLast()), p.isFinite else {
                throw PruneError("--\(option): expected a count or a ratio such as 50%, found \"\(text)\"")
            }
            return .ratio(p / 100)
        }
        if let n = Int(s) { return .count(n) }
        if let r = Double(s), r.isFinite, r > 0, r < 1 { return .ratio(r) }
        throw PruneError("--\(option): expected a count or a ratio such as 50% or 0.5, found \"\(text)\"")
    }

    /// The count this target means for a dimension of size `full`; checks 1 ≤ count ≤ full.
    func resolve(full: Int, option: String, what: String) throws -> Int {
        let n: Int
        switch self {
        case .count(let c): n = c
        case .ratio(let r): n = Int((Double(full) * r).rounded())
        }
        if n > full {
            throw PruneError("--\(option): target \(n) is larger than the model's \(full) \(what)")
        }
        if n < 1 {
            throw PruneError("--\(option): expected ≥ 1 \(what), found \(n)")
        }
        return n
    }
}

extension String {
    /// Parses a criterion name, with a did-you-mean hint on error.
    func parseChoice<E: RawRepresentable & CaseIterable>(_: E.Type, option: String) throws -> E where E.RawValue == String {
        if let v = E(rawValue: self) { return v }
        let names = E.allCases.map(\.rawValue)
        let hint = closestMatch(self, in: names).map { "; did you mean \"\($0)\"?" } ?? ""
        throw PruneError("--\(option): unknown criterion \"\(self)\"; expected one of \(names.joined(separator: ", "))\(hint)")
    }
}
