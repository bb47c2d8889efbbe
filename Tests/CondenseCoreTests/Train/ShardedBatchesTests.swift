// ShardedBatchesTests: each rank's rows of a global batch, and the weights that make their mean the global mean.
import CondenseCore
import Testing

/// A batch source of B rows of F floats (row i holds i everywhere) and labels, some of them padding (−1).
private final class FixedRows: BatchSource {
    let x: Tensor
    var targets: [Int32]
    init(rows: Int, features: Int, targets: [Int32]) {
        x = Tensor(zeros: [rows, features])
        for i in 0..<rows { for j in 0..<features { x.data[i * features + j] = Float(i) } }
        self.targets = targets
    }
    func next(step: Int, micro: Int) throws {}
    func withInput<R>(_ body: (NetworkInput) throws -> R) rethrows -> R { try body(.features(x.data, batch: x.shape[0])) }
    var unitsPerBatch: Int { x.shape[0] }
    var batchesPerEpoch: Int? { nil }
    var state: JSONValue { .null }
    func restore(_ state: JSONValue) throws {}
}

@Suite struct ShardedBatchesTests {
    @Test func shardsCoverTheBatchOnceAndWeightsAreTheirShareOfScoredTargets() throws {
        let labels: [Int32] = [3, -1, 0, 1, 2, -1, 4]
        for size in 1...7 {
            var seen: [Int] = [], weight = 0.0
            for rank in 0..<size {
                let s = try ShardedBatches(FixedRows(rows: 7, features: 2, targets: labels), features: 2, rank: rank, size: size)
                try s.next(step: 0, micro: 0)
                let rows = s.withInput { input -> [Int] in
                    guard case .features(let p, let b) = input else { return [] }
                    return (0..<b).map { Int(p[$0 * 2 + 1]) }
                }
                #expect(rows == Array(s.rows), "rank \(rank) of \(size) sees its own rows")
                #expect(s.targets == Array(labels[s.rows]))
                #expect(s.weight == Double(s.targets.filter { $0 != -1 }.count) / 5)
                #expect(abs(s.rows.count - 7 / size) <= 1, "shards differ by at most one row")
                seen += rows
                weight += s.weight
            }
            #expect(seen == Array(0..<7), "the shards of \(size) ranks partition the batch")
            // The weights k_r/5 (Σk_r = 5) are each one rounding from exact and ≤ 7 of them are summed in float64:
            // within γ_14 (float64) of 1, below 14·ulp.
            #expect(abs(weight - 1) <= 14 * Double.ulpOfOne)
        }
    }

    @Test func moreRanksThanRowsIsAConfigErrorNamingTheBatchSize() {
        let e = #expect(throws: ConfigError.self) {
            try ShardedBatches(FixedRows(rows: 3, features: 1, targets: [0, 1, 2]), features: 1, rank: 0, size: 4)
        }
        let text = e.map { "\($0)" } ?? ""
        #expect(text.contains("batch_size") && text.contains("≥ 4") && text.contains("found 3"), "\(text)")
    }
}
