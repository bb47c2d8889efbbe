// DataSamplerTests: determinism, exact resumption from saved state, epoch coverage and the evaluation iterators.
import Foundation
import Testing
@testable import CondenseCore

@Suite struct DataSamplerTests {
    /// n examples of 784 features where every feature of example i is Float(i), labeled i % 10.
    private func toyImages(_ n: Int) throws -> LabeledImages {
        let t = Tensor(uninitialized: [n, 784])
        for i in 0..<n { (t.data + i * 784).update(repeating: Float(i), count: 784) }
        return try LabeledImages(images: t, labels: (0..<n).map { Int32($0 % 10) }, classes: 10)
    }

    /// The example indices of the next `batches` batches (read back from the first feature of each row).
    private func draw(_ s: inout ClassificationSampler, batches: Int) throws -> [[Int]] {
        let x = Tensor(zeros: [s.batchSize, 784])
        var y = [Int32](repeating: 0, count: s.batchSize)
        return try (0..<batches).map { _ in
            let rows = try s.next(x: x, y: &y)
            return (0..<rows).map { Int(x[$0 * 784]) }
        }
    }

    @Test func sameSeedSameBatchesDifferentSeedDifferentBatches() throws {
        let data = try toyImages(103)
        var a = try ClassificationSampler(data: data, batchSize: 10, seed: 7)
        var b = try ClassificationSampler(data: data, batchSize: 10, seed: 7)
        var c = try ClassificationSampler(data: data, batchSize: 10, seed: 8)
        let fromA = try draw(&a, batches: 25), fromB = try draw(&b, batches: 25), fromC = try draw(&c, batches: 25)
        #expect(fromA == fromB)
        #expect(fromA != fromC)
    }

    @Test func labelsFollowTheirImages() throws {
        var s = try ClassificationSampler(data: toyImages(50), batchSize: 8, seed: 1)
        let x = Tensor(zeros: [8, 784])
        var y = [Int32](repeating: 0, count: 8)
        _ = try s.next(x: x, y: &y)
        for r in 0..<8 { #expect(y[r] == Int32(Int(x[r * 784]) % 10)) }
    }

    @Test func dropLastEpochsArePermutationsWithoutThePartialBatch() throws {
        var s = try ClassificationSampler(data: toyImages(103), batchSize: 10, dropLast: true, seed: 3)
        #expect(s.batchesPerEpoch == 10)
        let epoch0 = try draw(&s, batches: 10).flatMap { $0 }
        #expect(Set(epoch0).count == 100 && s.epoch == 0)
        let epoch1 = try draw(&s, batches: 10).flatMap { $0 }
        #expect(s.epoch == 1 && Set(epoch1).count == 100 && epoch0 != epoch1)
    }

    @Test func keepLastPadsThePartialBatch() throws {
        var s = try ClassificationSampler(data: toyImages(23), batchSize: 10, dropLast: false, seed: 3)
        #expect(s.batchesPerEpoch == 3)
        let x = Tensor(zeros: [10, 784])
        var y = [Int32](repeating: 0, count: 10)
        var rows: [Int] = []
        var seen: [Int] = []
        for _ in 0..<3 {
            let n = try s.next(x: x, y: &y)
            rows.append(n)
            seen += (0..<n).map { Int(x[$0 * 784]) }
        }
        #expect(rows == [10, 10, 3])
        #expect(seen.sorted() == Array(0..<23))
        #expect(y[3...] == [Int32](repeating: -1, count: 7)[...])
        #expect(x[3 * 784] == 0 && x[10 * 784 - 1] == 0)
        #expect(try s.next(x: x, y: &y) == 10 && s.epoch == 1)
    }

    @Test func restoredClassificationSamplerContinuesIdentically() throws {
        let data = try toyImages(97)
        for keep in [false, true] {
            var original = try ClassificationSampler(data: data, batchSize: 8, dropLast: !keep, seed: 42)
            _ = try draw(&original, batches: 17)  // into the second epoch
            let saved = try JSONDecoder().decode(ClassificationSamplerState.self,
                                                 from: JSONEncoder().encode(original.state))
            var resumed = try ClassificationSampler(data: data, state: saved)
            #expect(try draw(&resumed, batches: 30) == draw(&original, batches: 30))
            #expect(resumed.state == original.state)
        }
    }

    @Test func restoringOntoDifferentDataIsAnError() throws {
        let s = try ClassificationSampler(data: toyImages(20), batchSize: 4, seed: 1)
        let message = DataFixtures.dataError { _ = try ClassificationSampler(data: try toyImages(21), state: s.state) }
        #expect(message == "ClassificationSampler state: expected a data set of 20 examples (as checkpointed), found 21")
    }

    @Test func wrongBufferShapesAreErrors() throws {
        var s = try ClassificationSampler(data: toyImages(20), batchSize: 4, seed: 1)
        var y = [Int32](repeating: 0, count: 4)
        let message = DataFixtures.dataError { _ = try s.next(x: Tensor(zeros: [3, 784]), y: &y) }
        #expect(message == "ClassificationSampler: expected an input buffer of 4×784 = 3136 floats, found a tensor of shape [3, 784]")
        #expect(DataFixtures.dataError { _ = try ClassificationSampler(data: try toyImages(3), batchSize: 4, seed: 1) } != nil)
    }

    @Test func textSamplerShiftsTargetsByOneAndIsDeterministic() throws {
        let tokens = (0..<1000).map { Int32($0) }
        var a = try TextSampler(tokens: tokens, batchSize: 4, context: 16, seed: 5)
        var b = try TextSampler(tokens: tokens, batchSize: 4, context: 16, seed: 5)
        var xa = [Int32](repeating: 0, count: 64), ya = xa, xb = xa, yb = xa
        for _ in 0..<10 {
            try a.next(x: &xa, y: &ya)
            try b.next(x: &xb, y: &yb)
            #expect(xa == xb && ya == yb)
            for i in 0..<64 { #expect(ya[i] == xa[i] + 1) }
            for r in 0..<4 { #expect(xa[r * 16 + 15] == xa[r * 16] + 15) }  // contiguous windows
        }
    }

    @Test func textSamplerReachesBothEnds() throws {
        var s = try TextSampler(tokens: (0..<10).map { Int32($0) }, batchSize: 8, context: 4, seed: 9)
        var x = [Int32](repeating: 0, count: 32), y = x
        var starts = Set<Int32>()
        for _ in 0..<50 {
            try s.next(x: &x, y: &y)
            for r in 0..<8 { starts.insert(x[r * 4]) }
        }
        #expect(starts == Set(0...5))  // the last window's target is token 9
    }

    @Test func restoredTextSamplerContinuesIdentically() throws {
        let tokens = (0..<5000).map { Int32($0 % 77) }
        var original = try TextSampler(tokens: tokens, batchSize: 3, context: 8, seed: 11)
        var x = [Int32](repeating: 0, count: 24), y = x, x2 = x, y2 = x
        for _ in 0..<7 { try original.next(x: &x, y: &y) }
        let saved = try JSONDecoder().decode(TextSamplerState.self, from: JSONEncoder().encode(original.state))
        var resumed = try TextSampler(tokens: tokens, state: saved)
        for _ in 0..<20 {
            try original.next(x: &x, y: &y)
            try resumed.next(x: &x2, y: &y2)
            #expect(x == x2 && y == y2)
        }
        #expect(DataFixtures.dataError { _ = try TextSampler(tokens: Array(tokens.prefix(10)), state: saved) } ==
            "TextSampler state: expected 5000 tokens (as checkpointed), found 10")
    }

    @Test func classificationEvalWalksEveryExampleInOrder() throws {
        var it = try ClassificationEvalIterator(data: toyImages(23), batchSize: 10)
        #expect(it.batchCount == 3)
        let x = Tensor(zeros: [10, 784])
        var y = [Int32](repeating: 0, count: 10)
        var seen: [Int] = []
        var labels: [Int32] = []
        while let rows = try it.next(x: x, y: &y) {
            seen += (0..<rows).map { Int(x[$0 * 784]) }
            labels += y.prefix(rows)
        }
        #expect(seen == Array(0..<23))
        #expect(labels == (0..<23).map { Int32($0 % 10) })
        #expect(y[3] == -1)
        it.reset()
        #expect(try it.next(x: x, y: &y) == 10)
    }

    @Test func textEvalScoresEveryTargetExactlyOnce() throws {
        for (n, t, b) in [(101, 10, 3), (41, 10, 2), (11, 10, 4), (37, 5, 8)] {
            let tokens = (0..<n).map { Int32($0) }
            var it = try TextEvalIterator(tokens: tokens, batchSize: b, context: t)
            var x = [Int32](repeating: 0, count: b * t), y = x
            var scored: [Int32] = []
            var windows = 0
            while let rows = try it.next(x: &x, y: &y) {
                windows += rows
                for r in 0..<rows {
                    for i in 0..<t {
                        #expect(x[r * t + i] == x[r * t] + Int32(i))  // a real, contiguous window
                        if y[r * t + i] != -1 {
                            #expect(y[r * t + i] == x[r * t + i] + 1)
                            scored.append(y[r * t + i])
                        }
                    }
                }
                for i in (rows * t)..<(b * t) { #expect(y[i] == -1) }
            }
            #expect(windows == it.windowCount)
            #expect(scored == Array(1..<Int32(n)), "n \(n) T \(t)")
            #expect(it.scoredTokens == n - 1)
        }
    }

    @Test func textEvalNeedsOneWindow() {
        #expect(DataFixtures.dataError { _ = try TextEvalIterator(tokens: [1, 2, 3], batchSize: 1, context: 3) } ==
            "TextEvalIterator: expected at least 4 tokens for one window of 3, found 3")
    }
}
