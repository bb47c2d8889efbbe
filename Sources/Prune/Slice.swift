// Slice: cutting rows and columns out of tensors, so that a pruned model is physically smaller.
import CondenseCore

/// t (R, C) → (idx.count, C) with rows idx; a vector (R) → (idx.count).
func takeRows(_ t: Tensor, _ idx: [Int]) -> Tensor {
    let c = t.rank == 2 ? t.shape[1] : 1
    let out = Tensor(uninitialized: t.rank == 2 ? [idx.count, c] : [idx.count])
    for (i, r) in idx.enumerated() { (out.data + i * c).update(from: t.data + r * c, count: c) }
    return out
}

/// t (R, C) → (R, idx.count) with columns idx.
func takeColumns(_ t: Tensor, _ idx: [Int]) -> Tensor {
    let r = t.shape[0], c = t.shape[1]
    let out = Tensor(uninitialized: [r, idx.count])
    for i in 0..<r {
        let src = t.data + i * c, dst = out.data + i * idx.count
        for (j, k) in idx.enumerated() { dst[j] = src[k] }
    }
    return out
}

/// What survives a GPT prune, as indices into the teacher: blocks, and per kept block its heads and neurons;
/// embedding channels are shared by every tensor.
public struct GPTKept: Codable, Equatable, Sendable {
    public var layers: [Int]
    public var heads: [[Int]]
    public var neurons: [[Int]]
    public var channels: [Int]
}

/// What survives an MLP prune: per hidden layer, the kept units.
public struct MLPKept: Codable, Equatable, Sendable {
    public var hidden: [[Int]]
}
