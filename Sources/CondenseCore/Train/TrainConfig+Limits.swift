// TrainConfig+Limits: every count of a training config against its documented limit, before anything is built.
import Foundation

extension TrainConfig {
    /// The `model` fields that are counts, by family.
    static let countFields: [String: [String: Int]] = [
        "mlp": ["inputs": Architecture.Limits.maxWidth, "classes": Architecture.Limits.maxWidth],
        "gpt": ["n_layer": Architecture.Limits.maxLayers, "n_head": Architecture.Limits.maxHeads,
                "head_dim": Architecture.Limits.maxHeadDim, "n_embd": Architecture.Limits.maxEmbd,
                "ffn_hidden": Architecture.Limits.maxFFN, "block_size": Architecture.Limits.maxBlockSize,
                "vocab_size": Architecture.Limits.maxVocab],
    ]

    /// Optimizer counts, then each model count as an exact integer in range (checked on the Double, before any
    /// conversion to Int can trap or wrap).
    func checkLimits(_ doc: ConfigDocument) throws {
        let fail = { (key: String, expected: String, found: Any) -> Error in
            FormatError(file: doc.file, path: key, "expected \(expected), found \(found)\(doc.line(key))")
        }
        try train.checkLimits(prefix: "train.", fail)
        let family = model["family"]?.string ?? ""
        for (key, limit) in (Self.countFields[family] ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let v = model[key] else { continue }
            try Self.checkCount(v, "model.\(key)", 0...limit, fail)
        }
        if family == "mlp", case .array(let hidden)? = model["hidden"] {
            try SizeLimits.check(hidden.count, 0...Architecture.Limits.maxHiddenLayers, "model.hidden (layers)", fail)
            for (i, h) in hidden.enumerated() { try Self.checkCount(h, "model.hidden[\(i)]", 1...Architecture.Limits.maxWidth, fail) }
        }
    }

    static func checkCount(_ v: JSONValue, _ key: String, _ range: ClosedRange<Int>, _ fail: (String, String, Any) -> Error) throws {
        guard case .number(let d) = v, d.rounded() == d, d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw fail(key, "an integer in [\(range.lowerBound), \(range.upperBound)]", v)
        }
    }
}
