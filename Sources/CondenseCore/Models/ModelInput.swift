// ModelInput: user input for `predict` (features or token ids) read from HDF5, validated against the model.
import Foundation
import HDF5

public enum ModelInput {
    /// (B, inputs) features.
    case features(Tensor)
    /// (B, T) token ids.
    case tokens([Int32], batch: Int, seq: Int)

    /// Reads dataset `input` from `path` and checks it fits `arch`: feature width, token range, sequence length.
    public static func read(_ path: String, for arch: Architecture) throws -> ModelInput {
        let file = try HDF5.File(openReadOnly: path)
        let ds = try file.root.dataset("input")
        let fail = { (msg: String) in FormatError(file: path, path: "input", msg) }
        // The stored bytes must cover the shape before anything is allocated for it.
        do { try ds.validateStorage() } catch let e as HDF5Error { throw fail(e.message) }
        switch arch {
        case .mlp(let c):
            guard ds.dtype == .float32 || ds.dtype == .float64 else {
                throw fail("expected float32 features of shape (B, \(c.inputs)), found dtype \(ds.dtype)")
            }
            guard ds.shape.count == 2, ds.shape[1] == c.inputs, ds.shape[0] >= 1 else {
                throw fail("expected shape (B, \(c.inputs)) for this model's \(c.inputs) input features, found \(ds.shape)")
            }
            let t = Tensor(uninitialized: ds.shape)
            if ds.dtype == .float32 { try ds.read(into: t.buffer) } else {
                let d: [Double] = try ds.read()
                for i in 0..<t.count { t[i] = Float(d[i]) }
            }
            if let bad = t.firstNonFinite() { throw fail("element \(bad) is \(t[bad]); inputs must be finite") }
            return .features(t)
        case .gpt(let c):
            guard ds.dtype.isInteger else {
                throw fail("expected integer token ids of shape (B, T), found dtype \(ds.dtype)")
            }
            guard ds.shape.count == 2, ds.shape[0] >= 1, ds.shape[1] >= 1 else {
                throw fail("expected shape (B, T), found \(ds.shape)")
            }
            guard ds.shape[1] <= c.block_size else {
                throw fail("sequence length T = \(ds.shape[1]) exceeds the model's block_size \(c.block_size)")
            }
            let ids: [Int64] = try ds.readConverting()
            if let i = ids.firstIndex(where: { $0 < 0 || $0 >= Int64(c.vocab_size) }) {
                throw fail("token id \(ids[i]) at (\(i / ds.shape[1]), \(i % ds.shape[1])) is outside the vocabulary [0, \(c.vocab_size))")
            }
            return .tokens(ids.map { Int32($0) }, batch: ds.shape[0], seq: ds.shape[1])
        }
    }

    /// Runs the network in chunks of rows and returns all logits: (B, classes) or (B, T, V).
    public func logits(_ net: Network, chunk: Int = 256) -> Tensor {
        switch self {
        case .features(let x):
            let b = x.shape[0], f = x.shape[1], v = net.outputs
            let out = Tensor(uninitialized: [b, v])
            for s in stride(from: 0, to: b, by: chunk) {
                let n = min(chunk, b - s)
                let l = net.predict(.features(x.data + s * f, batch: n))
                (out.data + s * v).update(from: l, count: n * v)
            }
            return out
        case .tokens(let ids, let b, let t):
            let v = net.outputs, per = max(1, chunk / max(t / 16, 1))
            let out = Tensor(uninitialized: [b, t, v])
            ids.withUnsafeBufferPointer { p in
                for s in stride(from: 0, to: b, by: per) {
                    let n = min(per, b - s)
                    let l = net.predict(.tokens(p.baseAddress! + s * t, batch: n, seq: t))
                    (out.data + s * t * v).update(from: l, count: n * t * v)
                }
            }
            return out
        }
    }
}

/// Writes `logits` as a float32 dataset to `path`, atomically.
public func writeLogits(_ logits: Tensor, to path: String) throws {
    try writeAtomically(to: path) { tmp in
        let f = try HDF5.File(create: tmp)
        try f.root.createDataset("logits", shape: logits.shape, data: UnsafeBufferPointer(logits.buffer))
        try f.flush()
    }
}
