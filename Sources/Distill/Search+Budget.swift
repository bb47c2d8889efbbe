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
    let fail = { (key: String, expected: String, found: String) in ConfigError("distill", key: key, expected: expected, found: found) }
    guard config.alpha_grid.count <= SearchLimits.maxGrid else { throw fail("alpha_grid", "at most \(SearchLimits.maxGrid) values", "\(config.alpha_grid.count)") }
    guard config.temperature_grid.count <= SearchLimits.maxGrid else {
        throw fail("temperature_grid", "at most \(SearchLimits.maxGrid) values", "\(config.temperature_grid.count)")
    }
    guard config.search_eta <= SearchLimits.maxEta else { throw fail("search_eta", "at most \(SearchLimits.maxEta)", "\(config.search_eta)") }
    if !config.compare.isEmpty {  // each compared method searches (or not) within its own budget
        for name in config.compare { try checkSearchBudget(try config.compareConfig(name), trainExamples: trainExamples) }
        return
    }
    guard config.method == .soft || config.method == .onPolicy else { return }  // the other methods search nothing
    let o = config.train
    let total: Int
    if o.epochs > 0 {
        guard let n = trainExamples else { return }
        total = max(1, o.epochs * (n / o.batch_size) / o.grad_accum)
    } else {
        total = o.steps
    }
    // on-policy searches T alone (α = 1)
    let count = config.method == .onPolicy ? OnPolicyMethod().candidates(config).count : config.candidates.count
    let sizes = rungSizes(count, eta: config.search_eta)
    guard !sizes.isEmpty else { return }
    let budget = Int(Double(total) * config.search_share)
    if rung0Steps(sizes, eta: config.search_eta, budget: budget) < 1 {
        var need = 0, mult = 1
        for n in sizes { need += n * mult; mult *= config.search_eta }
        throw searchBudgetError(budget: budget, candidates: count, rungs: sizes.count, need: need)
    }
}

/// The α/T search does not fit its share of the budget.
func searchBudgetError(budget: Int, candidates: Int, rungs: Int, need: Int) -> ConfigError {
    ConfigError("distill", key: "search_share",
                expected: "a search budget of at least \(need) steps for \(candidates) candidates over \(rungs) rungs (raise steps/epochs or search_share, shrink the grids, or fix --alpha and --temperature)",
                found: "\(budget) steps (the α/T search budget is too small)")
}
