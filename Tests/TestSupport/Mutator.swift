// Mutator: a seeded, deterministic byte mutator for the fuzz tests (flips, interesting values, truncation, splices).
import Foundation

/// Each call to `mutate` applies 1–4 random edits drawn from a SplitMix64 stream, so a failing iteration is
/// reproduced from (seed file, iteration) alone.
public struct Mutator {
    private var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { rng.next() }

    public mutating func below(_ n: Int) -> Int { rng.below(n) }

    /// Values that sit on boundaries parsers get wrong: zero, sign bits, all ones, and small and large counts.
    static let interesting: [[UInt8]] = [[0x00], [0xFF], [0x7F], [0x80], [0x01], [0xFF, 0xFF, 0xFF, 0xFF],
                                         [0x00, 0x00, 0x00, 0x80], [0xFF, 0xFF, 0xFF, 0x7F], [0x00, 0x00, 0x00, 0x00],
                                         [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x10, 0x00], [0x00, 0x10]]

    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + below(4)) where !b.isEmpty {
            let at = below(b.count)
            switch below(7) {
            case 0: b[at] ^= UInt8(1 << below(8))
            case 1: b[at] = UInt8(truncatingIfNeeded: next())
            case 2:
                let v = Self.interesting[below(Self.interesting.count)]
                for (i, x) in v.enumerated() where at + i < b.count { b[at + i] = x }
            case 3: b.removeSubrange(at..<b.count)
            case 4:
                let n = min(1 + below(64), b.count - at)
                b.insert(contentsOf: b[at..<(at + n)], at: below(b.count))
            case 5: b.removeSubrange(at..<min(b.count, at + 1 + below(32)))
            default: b[at] = b[at] &+ UInt8(truncatingIfNeeded: below(33)) &- 16
            }
        }
        return b
    }
}

extension TestSupport {
    /// Seconds each fuzz target runs: CONDENSE_FUZZ_SECONDS, else `defaultSeconds` (what `swift test` spends).
    public static func fuzzSeconds(default defaultSeconds: Double) -> Double {
        ProcessInfo.processInfo.environment["CONDENSE_FUZZ_SECONDS"].flatMap(Double.init) ?? defaultSeconds
    }

    /// The committed seed corpus, Tests/FuzzSeeds.
    public static var fuzzSeeds: URL { packageRoot.appendingPathComponent("Tests/FuzzSeeds") }

    /// Runs `body` on mutations of each seed, round robin, until `seconds` pass; returns the iteration count.
    /// `body` must throw or return for every input: a crash, trap or hang is the finding.
    @discardableResult
    public static func fuzz(seeds: [[UInt8]], seconds: Double, seed: UInt64 = 1, _ body: ([UInt8], Int) throws -> Void) rethrows -> Int {
        var m = Mutator(seed: seed)
        let end = Date().addingTimeInterval(seconds)
        var i = 0
        while Date() < end || i < seeds.count {
            let s = seeds[i % seeds.count]
            try body(i < seeds.count ? s : m.mutate(s), i)
            i += 1
        }
        return i
    }
}
