// KVCache: per-layer key and value storage for a batch of sequences, each with its own length, with rollback.
import CondenseCore

/// Keys and values of every layer for B sequences of up to `capacity` positions each.
/// Layout per layer: (B, H, capacity, Dh), so that one head's keys of one sequence are contiguous.
/// Sequence b holds positions 0..<lengths[b]; `truncate` rolls a sequence back (speculative decoding).
public final class KVCache {
    public let batch: Int, capacity: Int, layers: Int, heads: Int, headDim: Int
    public private(set) var lengths: [Int]
    let keys: [Tensor], values: [Tensor]

    public init(batch: Int, capacity: Int, layers: Int, heads: Int, headDim: Int) {
        precondition(batch >= 1 && capacity >= 1)
        self.batch = batch; self.capacity = capacity; self.layers = layers; self.heads = heads; self.headDim = headDim
        lengths = Array(repeating: 0, count: batch)
        keys = (0..<layers).map { _ in Tensor(zeros: [batch, heads, capacity, headDim]) }
        values = (0..<layers).map { _ in Tensor(zeros: [batch, heads, capacity, headDim]) }
    }

    /// Bytes held by the cache (float32 keys and values).
    public var bytes: Int { 2 * layers * batch * heads * capacity * headDim * 4 }

    /// Start of (layer l's key or value, sequence b, head h, position 0).
    @inline(__always) func keyBase(_ l: Int, _ b: Int, _ h: Int) -> UnsafeMutablePointer<Float> {
        keys[l].data + ((b * heads + h) * capacity) * headDim
    }
    @inline(__always) func valueBase(_ l: Int, _ b: Int, _ h: Int) -> UnsafeMutablePointer<Float> {
        values[l].data + ((b * heads + h) * capacity) * headDim
    }

    /// Forgets sequence b's positions from `length` on (length ≤ the current length).
    public func truncate(_ b: Int, to length: Int) {
        precondition(length >= 0 && length <= lengths[b], "cannot truncate sequence \(b) from \(lengths[b]) to \(length)")
        lengths[b] = length
    }

    /// Empties every sequence.
    public func reset() { for b in 0..<batch { lengths[b] = 0 } }

    func advance(_ b: Int, by n: Int) { lengths[b] += n }
}
