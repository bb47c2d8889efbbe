// Search: α/T tuning by successive halving on the validation split, within a share of the step budget.
import CondenseCore
import Foundation

/// One trained candidate at one rung of the search.
public struct SweepRow: Codable, Equatable, Sendable {
    public var rung: Int
    public var alpha: Double
    public var temperature: Double
    /// hard: the label mix tried (nil for the soft method's (α, T)).
    public var hard_mix: Double?
    public var steps: Int
    public var val_metric: Double
    public var val_loss: Double
    public var seconds: Double
    /// Whether it went on to the next rung (or, at the last rung, won).
    public var kept: Bool

    public var candidate: Candidate { Candidate(alpha: alpha, temperature: temperature, hard_mix: hard_mix) }
}

public struct SearchResult: Codable, Equatable, Sendable {
    public var winner: Candidate
    public var rows: [SweepRow]
    /// Optimizer steps the search used, and the first rung's per-candidate steps.
    public var steps: Int
    public var rung0_steps: Int
    public var seconds: Double
}

/// Candidates per rung: n₀ = N, then ⌈n/η⌉, down to the final rung of 2…η (whose best wins). A lone candidate
/// needs no training.
func rungSizes(_ n: Int, eta: Int) -> [Int] {
    guard n > 1 else { return [] }
    var sizes = [n], k = n
    while k > eta { k = (k + eta - 1) / eta; sizes.append(k) }
    return sizes
}

/// Steps of the first rung so that Σ_r n_r·b₀·η^r fits in `budget`; 0 when it does not fit even with b₀ = 1.
func rung0Steps(_ sizes: [Int], eta: Int, budget: Int) -> Int {
    var cost = 0, mult = 1
    for n in sizes { cost += n * mult; mult *= eta }
    return cost > 0 ? budget / cost : 0
}

/// Trains candidates from the student's initial weights for each rung's budget, scores them on the validation
/// split, keeps the best 1/η (the soft method's α = 0 always kept, so the winner is never worse on validation than the task loss
/// alone), and returns the winner. `train` runs one candidate for a number of steps and returns its val result.
/// Results already in `done` (from an interrupted run) are reused; `record` is called after each candidate.
func successiveHalving(_ candidates: [Candidate], eta: Int, budget: Int, metric: MetricKind,
                       done: [SweepRow], record: ([SweepRow]) throws -> Void,
                       train: (Candidate, Int, Int) throws -> (EvalResult, Double)) throws -> SearchResult {
    let sizes = rungSizes(candidates.count, eta: eta)
    guard !sizes.isEmpty else {
        return SearchResult(winner: candidates[0], rows: [], steps: 0, rung0_steps: 0, seconds: 0)
    }
    let b0 = rung0Steps(sizes, eta: eta, budget: budget)
    guard b0 >= 1 else {
        let need = sizes.enumerated().reduce(0) { $0 + $1.element * Int(pow(Double(eta), Double($1.offset))) }
        throw searchBudgetError(budget: budget, candidates: candidates.count, rungs: sizes.count, need: need)
    }
    var rows: [SweepRow] = []
    var alive = candidates
    var steps = 0, seconds = 0.0, b = b0
    for (rung, _) in sizes.enumerated() {
        var scored: [(Candidate, SweepRow)] = []
        for c in alive {
            if let prior = done.first(where: { $0.rung == rung && $0.candidate == c }) {
                scored.append((c, prior)); rows.append(prior)
            } else {
                let (e, secs) = try train(c, b, rung)
                let row = SweepRow(rung: rung, alpha: c.alpha, temperature: c.temperature, hard_mix: c.hard_mix, steps: b, val_metric: e.metric,
                                   val_loss: e.loss, seconds: secs, kept: false)
                scored.append((c, row)); rows.append(row)
                try record(rows)
            }
            steps += b; seconds += scored.last!.1.seconds
        }
        // Best first: the metric, then the validation loss, then the grid order (stable).
        let order = scored.indices.sorted { i, j in
            let a = scored[i].1, c = scored[j].1
            if a.val_metric != c.val_metric { return metric.isBetter(a.val_metric, than: c.val_metric) }
            if a.val_loss != c.val_loss { return a.val_loss < c.val_loss }
            return i < j
        }
        let last = rung == sizes.count - 1
        var keep = Array(order.prefix(last ? 1 : sizes[rung + 1]))
        if !last, let zero = scored.firstIndex(where: { $0.0.alpha == 0 && $0.0.hard_mix == nil }), !keep.contains(zero) { keep[keep.count - 1] = zero }
        for i in keep {
            let k = rows.lastIndex { $0.rung == rung && $0.candidate == scored[i].0 }!
            rows[k].kept = true
        }
        alive = keep.sorted().map { scored[$0].0 }
        b *= eta
    }
    try record(rows)
    return SearchResult(winner: alive[0], rows: rows, steps: steps, rung0_steps: b0, seconds: seconds)
}
