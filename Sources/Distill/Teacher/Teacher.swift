// Teacher: what a distillation method asks of its teacher: outputs, a digest, logits for a batch, optionally hidden
// states. One network run online, a precomputed cache, or an ensemble of teachers.
import CondenseCore
import Foundation

public protocol Teacher: AnyObject {
    /// Classes or vocabulary size.
    var outputs: Int { get }
    /// Identifies what the teacher computes (weights, and an ensemble's members and weights): 16 hex digits.
    var digest: String { get }
    /// (rows, outputs) logits z for `input`, valid until the next call, such that softmax(z/T) is the teacher's
    /// distribution at temperature T. A single network's logits do not depend on T; an ensemble's do.
    func logits(for input: NetworkInput, temperature: Double) -> UnsafePointer<Float>
    /// The GPT whose block outputs (`blocks[i].res3`) hold the hidden states of the last `logits` call, when the
    /// teacher has them (an online GPT); nil otherwise.
    var hiddenStates: GPT? { get }
    /// Seconds spent producing logits and rows served, for the report.
    var usage: TeacherUsage { get }
}

/// The teacher's cost as the report states it.
public final class TeacherUsage {
    public var seconds = 0.0
    public var rowsServed = 0
    public init() {}

    /// Times one call that serves `rows` rows.
    func timed<R>(rows: Int, _ body: () -> R) -> R {
        let t0 = Date()
        defer { seconds += Date().timeIntervalSince(t0); rowsServed += rows }
        return body()
    }
}

/// One network run online (inference forward) on the same, possibly augmented, input.
public final class OnlineTeacher: Teacher {
    public let net: Network
    public let digest: String
    public let usage = TeacherUsage()

    public init(_ model: ModelFile) {
        net = makeNetwork(model)
        digest = modelDigest(model)
    }

    /// A network without a file (tests); its digest is computed from its weights.
    init(net: Network) {
        self.net = net
        digest = modelDigest(net.modelFile())
    }

    public var outputs: Int { net.outputs }
    public var hiddenStates: GPT? { net as? GPT }

    public func logits(for input: NetworkInput, temperature: Double) -> UnsafePointer<Float> {
        usage.timed(rows: input.rows) { UnsafePointer(net.predict(input)) }
    }
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
