// Search+Budget: the α/T search's budget check, made from the config alone so that --dry-run can run it.
import CondenseCore

/// Bounds on the search: grids and η beyond these make no sense on any budget, and keep Σ n·η^r in range.
public enum SearchLimits {
    public static let maxGrid = 64
    public static let maxEta = 64
}

/// Throws the error `distill` would throw after its earlier stages, when the search cannot fit its budget.
/// `trainExamples` is the training split's size (needed only when `epochs` sets the budget; nil skips that case).
public func checkSearchBudget(_ config: DistillConfig, trainExamples: Int?) throws {
    let fail = { (key: String, msg: String) in FormatError(file: "distill", path: key, msg) }
    guard config.alpha_grid.count <= SearchLimits.maxGrid else { throw fail("alpha_grid", "expected at most \(SearchLimits.maxGrid) values, found \(config.alpha_grid.count)") }
    guard config.temperature_grid.count <= SearchLimits.maxGrid else {
        throw fail("temperature_grid", "expected at most \(SearchLimits.maxGrid) values, found \(config.temperature_grid.count)")
    }
    guard config.search_eta <= SearchLimits.maxEta else { throw fail("search_eta", "expected at most \(SearchLimits.maxEta), found \(config.search_eta)") }
    let o = config.train
    let total: Int
    if o.epochs > 0 {
        guard let n = trainExamples else { return }
        total = max(1, o.epochs * (n / o.batch_size) / o.grad_accum)
    } else {
        total = o.steps
    }
    let sizes = rungSizes(config.candidates.count, eta: config.search_eta)
    guard !sizes.isEmpty else { return }
    let budget = Int(Double(total) * config.search_share)
    if rung0Steps(sizes, eta: config.search_eta, budget: budget) < 1 {
        var need = 0, mult = 1
        for n in sizes { need += n * mult; mult *= config.search_eta }
        throw fail("search_share",
                   "the α/T search budget (\(budget) steps) is too small for \(config.candidates.count) candidates over \(sizes.count) rungs (it needs at least \(need) steps); raise steps/epochs or search_share, shrink the grids, or fix --alpha and --temperature")
    }
}
