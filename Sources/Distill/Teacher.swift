// Teacher: where the teacher's logits for a training batch come from: the network run online, or a precomputed cache.
import CondenseCore
import Foundation

/// Teacher logits for a batch, timed so the report can state the teacher's cost.
class TeacherSource {
    let net: Network
    /// Seconds spent producing teacher logits, and calls made.
    var seconds = 0.0
    var rowsServed = 0

    init(net: Network) { self.net = net }

    /// (rows, outputs) teacher logits for `input`, valid until the next call.
    func logits(for input: NetworkInput) -> UnsafePointer<Float> {
        let t0 = Date()
        defer { seconds += Date().timeIntervalSince(t0); rowsServed += input.rows }
        return produce(input)
    }

    /// Online: the teacher network's inference forward on the same (possibly augmented) input.
    func produce(_ input: NetworkInput) -> UnsafePointer<Float> { UnsafePointer(net.predict(input)) }
}

/// FNV-1a (64-bit) over bytes, continuing from `h`. Used to key caches, not for security.
func fnv1a(_ bytes: UnsafeRawBufferPointer, _ h: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
    var h = h
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    return h
}

/// The digest of a model: FNV-1a 64 over its architecture JSON and its parameters (sorted by name), as 16 hex digits.
/// Two files with the same weights share a digest, whatever their history.
public func modelDigest(_ model: ModelFile) -> String {
    var h = Array(model.architecture.json().utf8).withUnsafeBytes { fnv1a($0) }
    for name in model.parameters.keys.sorted() {
        h = Array(name.utf8).withUnsafeBytes { fnv1a($0, h) }
        let t = model.parameters[name]!
        h = fnv1a(UnsafeRawBufferPointer(start: t.data, count: t.count * 4), h)
    }
    return String(format: "%016llx", h)
}
