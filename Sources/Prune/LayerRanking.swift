// LayerRanking: which GPT blocks to remove for a target depth: block influence, single-block loss increase, or contiguous run.
import CondenseCore

final class LayerRanker {
    let model: ModelFile
    let config: GPTConfig
    let criterion: LayerCriterion
    let calibration: CalibrationBatches
    let blockInfluence: [Double]
    private(set) var baseLoss: Double?
    private(set) var lossIncrease: [Double]?
    private(set) var windows: [WindowScore] = []
    private var cache: [Int: [Int]] = [:]

    init(model: ModelFile, config: GPTConfig, criterion: LayerCriterion, calibration: CalibrationBatches, blockInfluence: [Double]) {
        self.model = model; self.config = config; self.criterion = criterion
        self.calibration = calibration; self.blockInfluence = blockInfluence
    }

    /// Calibration loss of the teacher with the blocks in `removed` skipped (the residual passes through).
    func loss(without removed: Set<Int>) -> Double {
        let keep = (0..<config.n_layer).filter { !removed.contains($0) }
        let kept = GPTKept(layers: keep, heads: keep.map { _ in Array(0..<config.n_head) },
                           neurons: keep.map { _ in Array(0..<config.ffn_hidden) }, channels: Array(0..<config.n_embd))
        var c = config
        c.dropout = 0
        return calibration.loss(makeNetwork(sliceGPT(model, c, kept: kept)))
    }

    /// The blocks to remove so that `keep` remain, ascending.
    func dropped(keeping keep: Int) -> [Int] {
        if let d = cache[keep] { return d }
        let d = rank(keeping: keep)
        cache[keep] = d
        return d
    }

    private func rank(keeping keep: Int) -> [Int] {
        let k = config.n_layer - keep
        if k <= 0 { return [] }
        switch criterion {
        case .block_influence:
            return topK(blockInfluence.map { -$0 }, k)          // the k lowest influences
        case .loss:
            let inc = singleBlockIncrease()
            return topK(inc.map { -$0 }, k)
        case .contiguous:
            var best = (start: 0, loss: Double.infinity)
            for s in 0...(config.n_layer - k) {
                let l = loss(without: Set(s..<(s + k)))
                windows.append(WindowScore(start: s, count: k, loss: l))
                if l < best.loss { best = (s, l) }
            }
            return Array(best.start..<(best.start + k))
        }
    }

    /// Loss increase when each block alone is removed (Minitron's depth criterion); computed once.
    func singleBlockIncrease() -> [Double] {
        if let lossIncrease { return lossIncrease }
        let base = loss(without: [])
        let inc = (0..<config.n_layer).map { loss(without: [$0]) - base }
        baseLoss = base
        lossIncrease = inc
        return inc
    }
}
