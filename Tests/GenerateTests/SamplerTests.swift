// SamplerTests: greedy, temperature, top-k and top-p distributions against hand-computed ones; draws and options.
import CondenseCore
import Foundation
import Testing
@testable import Generate

@Suite struct SamplerTests {
    func dist(_ logits: [Float], _ o: SamplingOptions) -> [Float] {
        var p = [Float](repeating: 0, count: logits.count)
        p.withUnsafeMutableBufferPointer { Sampler.distribution(logits, vocab: logits.count, options: o, into: $0.baseAddress!) }
        return p
    }

    func close(_ a: [Float], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs(Double($0) - $1) <= 1e-6 } }

    @Test func transforms() {
        let logits: [Float] = [0, log(2), log(4), log(1), log(8)] // ∝ 1, 2, 4, 1, 8 (total 16)
        #expect(dist(logits, .greedy) == [0, 0, 0, 0, 1])
        #expect(dist([3, 1, 3], .greedy) == [1, 0, 0])             // ties: the first index
        #expect(close(dist(logits, SamplingOptions(temperature: 1)), [1, 2, 4, 1, 8].map { $0 / 16.0 }))
        // T = 0.5 squares the weights: 1, 4, 16, 1, 64 (total 86)
        #expect(close(dist(logits, SamplingOptions(temperature: 0.5)), [1, 4, 16, 1, 64].map { $0 / 86.0 }))
        // top-2: 4 and 8
        #expect(close(dist(logits, SamplingOptions(topK: 2)), [0, 0, 4 / 12.0, 0, 8 / 12.0]))
        // top-p 0.7: 8/16 = 0.5 < 0.7, + 4/16 = 0.75 ≥ 0.7 → {8, 4}
        #expect(close(dist(logits, SamplingOptions(topP: 0.7)), [0, 0, 4 / 12.0, 0, 8 / 12.0]))
        #expect(close(dist(logits, SamplingOptions(topP: 0.5)), [0, 0, 0, 0, 1]))
        // top-k 3 then top-p 0.9 of the renormalised... applied to the original mass: 0.5 + 0.25 + 0.125 = 0.875 < 0.9 → all 3
        #expect(close(dist(logits, SamplingOptions(topK: 3, topP: 0.9)), [0, 2 / 14.0, 4 / 14.0, 0, 8 / 14.0]))
    }

    @Test func drawsFollowCumulativeIntervals() {
        let p: [Float] = [0, 0.25, 0, 0.75]
        #expect(Sampler.draw(p, vocab: 4, u: 0) == 1)
        #expect(Sampler.draw(p, vocab: 4, u: 0.2499) == 1)
        #expect(Sampler.draw(p, vocab: 4, u: 0.25) == 3)
        #expect(Sampler.draw(p, vocab: 4, u: 0.99999994) == 3)
    }

    @Test func outOfRangeOptionsAreOneLineErrors() {
        func message(_ o: SamplingOptions) -> String { do { try o.validate(); return "" } catch { return "\(error)" } }
        #expect(message(SamplingOptions(temperature: -1)).contains("--temperature must lie in [0, 100], found -1"))
        #expect(message(SamplingOptions(temperature: .nan)).contains("--temperature"))
        #expect(message(SamplingOptions(topP: 0)).contains("--top-p must lie in (0, 1], found 0"))
        #expect(message(SamplingOptions(topP: 1.5)).contains("--top-p"))
        #expect(message(SamplingOptions(topK: -2)).contains("--top-k must be ≥ 0"))
        #expect(message(SamplingOptions()).isEmpty)
        let bad = GenerationOptions(tokens: 0)
        #expect(throws: GenerateError.self) { try bad.validate() }
    }
}
