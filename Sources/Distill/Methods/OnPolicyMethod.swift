// OnPolicyMethod: generalized knowledge distillation (GKD): a share λ of the batches are the student's own
// continuations of training prompts, and every counted position is scored by T²·JSD(β)(teacher ‖ student at T).
import CondenseCore
import Foundation

/// Pure distillation (α = 1) at the distillation temperature T: L = mean over counted positions of T²·D, D the
/// divergence `gkd_beta` names (β = 0 forward KL, β = 1 reverse KL, else JSD(β)). T is `temperature`; "auto" searches
/// `temperature_grid` by the same successive halving as the soft method's α/T, with α fixed at 1.
struct OnPolicyMethod: DistillMethod {
    /// Sampling counters of every run this method makes (search and final run), for the report.
    let stats = OnPolicyStats()

    func candidates(_ config: DistillConfig) -> [Candidate] {
        (config.temperature.value.map { [$0] } ?? config.temperature_grid).map { Candidate(alpha: 1, temperature: $0) }
    }
    func searches(_ config: DistillConfig) -> Bool { config.temperature == .auto }

    func makeRun(_ s: MethodSetup, candidate: Candidate) throws -> MethodRun {
        let objective = DistillObjective(loss: Self.loss(temperature: candidate.temperature, beta: s.config.gkd_beta),
                                         teacher: s.teacher)
        return MethodRun(objective: objective, batches: try OnPolicyBatches(s, stats: stats), extra: nil)
    }

    /// The GKD loss at T for β: DistillLoss at α = 1 with the divergence β names. JSD(β) → 0 as β → 0 or 1 (its
    /// limits, rescaled, are the two KLs), so the end points are the KLs themselves, as in the GKD paper's β = 0 and 1.
    static func loss(temperature: Double, beta: Double) -> DistillLoss {
        switch beta {
        case 0: return DistillLoss(alpha: 1, temperature: temperature, divergence: .forward_kl)
        case 1: return DistillLoss(alpha: 1, temperature: temperature, divergence: .reverse_kl)
        default: return DistillLoss(alpha: 1, temperature: temperature, divergence: .jsd, beta: beta)
        }
    }
}

/// What the on-policy batches cost in this process, per run (the search's candidates, then the final run): batches
/// and tokens sampled from the student, and the seconds the sampling took (apart from the training step's own time).
final class OnPolicyStats {
    struct Counters { var batches = 0, tokens = 0, seconds = 0.0 }
    private(set) var runs: [Counters] = []

    /// A new run's counters; returns its index.
    func startRun() -> Int { runs.append(Counters()); return runs.count - 1 }
    func add(run: Int, tokens: Int, seconds: Double) {
        runs[run].batches += 1; runs[run].tokens += tokens; runs[run].seconds += seconds
    }
    /// The last run made (the final run, once it has been made) and the sampling seconds of the runs before it.
    var last: Counters { runs.last ?? Counters() }
    var earlierSeconds: Double { runs.dropLast().reduce(0) { $0 + $1.seconds } }
}

/// The on-policy method needs a GPT student on text, and room for prompt + continuation in the student's block.
func checkOnPolicy(_ c: DistillConfig, student: ModelFile, data: TaskData) throws {
    guard c.method == .onPolicy else { return }
    guard case .gpt(let s) = student.architecture, case .text(let corpus) = data else {
        throw ConfigError("distill", key: "method",
                          expected: "soft or hard for a classifier (the on-policy method samples text from a GPT student)",
                          found: "on-policy")
    }
    if c.prompt_length + c.continuation_length > s.block_size {
        throw ConfigError("distill", key: "continuation_length",
                          expected: "prompt_length + continuation_length ≤ the student's block size (\(s.block_size))",
                          found: "\(c.prompt_length) + \(c.continuation_length) = \(c.prompt_length + c.continuation_length)")
    }
    if corpus.train.count <= c.prompt_length {
        throw ConfigError("distill", key: "prompt_length", expected: "a prompt shorter than the training split (\(corpus.train.count) tokens)",
                          found: "\(c.prompt_length)")
    }
}

extension DistillDetails {
    /// The on-policy method's settings and what its sampling cost.
    public struct OnPolicySummary: Codable, Sendable {
        public var lambda: Double
        public var gkd_beta: Double
        /// The divergence β stands for: forward_kl (β = 0), reverse_kl (β = 1) or jsd.
        public var divergence: Divergence
        public var sample_temperature: Double
        public var prompt_length: Int
        public var continuation_length: Int
        /// The final run's batches (steps × grad_accum) and those sampled from the student, from the seeded draws (a
        /// resumed run counts its whole run).
        public var batches: Int
        public var on_policy_batches: Int
        /// The final run in this process: batches and tokens sampled, and the seconds the sampling took (part of
        /// the final run's seconds).
        public var sampled_batches: Int
        public var sampled_tokens: Int
        public var sampling_seconds: Double
        /// The search's candidates' sampling seconds in this process.
        public var search_sampling_seconds: Double
    }
}

extension DistillPlan {
    /// The report's on-policy summary after the final run `final` (nil for the other methods).
    func onPolicySummary(_ final: Trainer.Result) -> DistillDetails.OnPolicySummary? {
        guard let m = method as? OnPolicyMethod else { return nil }
        let c = config, accum = c.train.grad_accum
        var drawn = 0
        for step in 0..<final.steps {
            for micro in 0..<accum where OnPolicyBatches.isOnPolicy(seed: c.seed, step: step, micro: micro, lambda: c.lambda) { drawn += 1 }
        }
        return .init(lambda: c.lambda, gkd_beta: c.gkd_beta, divergence: OnPolicyMethod.loss(temperature: 1, beta: c.gkd_beta).divergence,
                     sample_temperature: c.sample_temperature, prompt_length: c.prompt_length,
                     continuation_length: c.continuation_length, batches: final.steps * accum, on_policy_batches: drawn,
                     sampled_batches: m.stats.last.batches, sampled_tokens: m.stats.last.tokens,
                     sampling_seconds: m.stats.last.seconds, search_sampling_seconds: m.stats.earlierSeconds)
    }

    /// The progress log's line on the sampling, after the final run.
    func logOnPolicy(_ final: Trainer.Result) {
        guard let s = onPolicySummary(final) else { return }
        log(String(format: "on-policy: %d of %d batches of the final run sampled from the student; sampling took %.1f s of the run's %.1f s (%d batches sampled in this process)",
                   s.on_policy_batches, s.batches, s.sampling_seconds, final.seconds, s.sampled_batches))
    }
}
