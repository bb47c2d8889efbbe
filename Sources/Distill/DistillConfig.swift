// DistillConfig: every knob of the distill stage, Codable with defaults; field names are the CLI options with underscores.
import CondenseCore
import Foundation

/// A loss weight or temperature: searched ("auto") or fixed. Encodes as the string "auto" or a number.
public enum Tuned: Codable, Equatable, Sendable, CustomStringConvertible {
    case auto
    case fixed(Double)

    /// Parses "auto" or a number (the CLI form).
    public init?(_ text: String) {
        if text == "auto" { self = .auto } else if let v = Double(text) { self = .fixed(v) } else { return nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Double.self) { self = .fixed(v); return }
        let s = try c.decode(String.self)
        guard let t = Tuned(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected \"auto\" or a number, found \"\(s)\"")
        }
        self = t
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .auto: try c.encode("auto")
        case .fixed(let v): try c.encode(v)
        }
    }

    public var value: Double? { if case .fixed(let v) = self { return v }; return nil }
    public var description: String { value.map { "\($0)" } ?? "auto" }
}

/// The distillation method (Sources/Distill/Methods): what the student learns from the teacher.
public enum DistillMethodName: String, Codable, CaseIterable, Sendable {
    /// Logit distillation at temperature T mixed with the task loss by α (α and T searched).
    case soft
    /// The teacher's answers replace the labels: its top-1 class, or for text a token sampled at hard_temperature.
    case hard
    /// Text: the teacher writes a transfer set from prompts of the training split (best of N samples per prompt by
    /// its length-normalised log-likelihood), and the student is fine-tuned on it with cross-entropy.
    case sequence
    /// Text: generalized knowledge distillation (GKD). A share `lambda` of the batches are prompts of the training
    /// split continued by the student itself; every counted position is scored by T²·JSD(gkd_beta) against the teacher.
    case onPolicy = "on-policy"
    /// Deep mutual learning: the student's architecture and one or more peers, each from random init, trained together
    /// on the same batches, each on CE + α·T²·(mean KL from the others); no teacher.
    case mutual
}

public struct DistillConfig: Codable, Equatable, Sendable {
    public var method: DistillMethodName = .soft
    /// Weight of the distillation term: "auto" (searched) or a number in [0, 1].
    public var alpha: Tuned = .auto
    /// Softmax temperature of the distillation term: "auto" or a number > 0.
    public var temperature: Tuned = .auto
    public var divergence: Divergence = .forward_kl
    /// β of JSD(β), in (0, 1); used only with divergence jsd.
    public var jsd_beta = 0.5
    public var alpha_grid: [Double] = [0, 0.25, 0.5, 0.75, 0.9, 1]
    public var temperature_grid: [Double] = [1, 2, 4, 8]
    /// Share of the total step budget the α/T search may use, in [0, 1).
    public var search_share = 0.25
    /// Candidates kept per rung of successive halving: the best 1/search_eta (≥ 2).
    public var search_eta = 2
    /// Images: random ±shift_pixels shifts and mixup, labelled by the teacher on the fly. Text: no-op (windows are crops).
    public var augment = false
    public var shift_pixels = 2
    /// Probability that a batch is mixed up (λ ~ Uniform(0, 1), partner = a permutation of the batch).
    public var mixup_prob = 0.5
    /// Precompute the teacher's outputs once into an HDF5 cache (not with augment).
    public var cache_teacher = false
    /// The cache file; "" means RUN_DIR/teacher-cache.h5.
    public var cache_path = ""
    /// What the cache keeps per row (example or token): −1 = auto (the full distribution when the teacher has at
    /// most `cacheFullLimit` outputs, else the top 64), 0 = the full distribution (logits), k > 0 = the top-k
    /// log-probabilities and their indices. The missing mass is spread uniformly over the other classes
    /// (docs/ARCHITECTURE.md, "Teacher cache").
    public var cache_top_k = -1
    /// Intermediate hidden-state loss, added to the distillation term: none (logits only, the default), cosine or
    /// mse (relative: ‖P·h_s − h_t‖² / ‖h_t‖²). GPT students only; the teacher runs online.
    public var hidden_loss: HiddenLossKind = .none
    /// Its weight w: L = α·(T²·D + w·H) + (1−α)·CE.
    public var hidden_weight = 1.0
    /// Teacher block matched to each student block (the residual stream after the block), −1 for none;
    /// [] = evenly spaced: student block i ↔ teacher block round((i+1)·L_t/L_s) − 1.
    public var hidden_map: [Int] = []
    /// hard: the weight of the ground-truth label in the target, in [0, 1]: λ·onehot(y) + (1−λ)·onehot(teacher's);
    /// "auto" searches `hard_mix_grid` on the validation split.
    public var hard_mix: Tuned = .fixed(0)
    /// hard, hard_mix auto: the weights searched.
    public var hard_mix_grid: [Double] = [0, 0.25, 0.5, 0.75]
    /// hard, text: the temperature at which the teacher's token is sampled (seeded); 0 takes its top-1. Images
    /// always take the top-1 class.
    public var hard_temperature = 1.0
    /// sequence and on-policy: tokens of each prompt, drawn from the training split (< the block size).
    public var prompt_length = 16
    /// sequence: tokens the teacher writes after each prompt (prompt + continuation ≤ the block sizes); on-policy:
    /// tokens the student samples after each prompt (prompt + continuation ≤ the student's block size).
    public var continuation_length = 48
    /// sequence: samples per prompt, N ≥ 1; the best by `best_of`'s score is kept.
    public var samples_per_prompt = 4
    /// sequence: the score that picks the best of N: "teacher" (its mean log-likelihood per continuation token),
    /// "student" (the student's, before training: the sample it already finds most likely) or "script"
    /// (`best_of_script` prints one score per candidate; higher is better).
    public var best_of = "teacher"
    /// sequence, best_of script: an executable run as `SCRIPT CANDIDATES.jsonl`, each line {"prompt": …, "continuation": …};
    /// it prints one finite number per candidate, in order, on stdout.
    public var best_of_script = ""
    /// sequence: the token budget of the kept continuations (prompts = ⌈budget / continuation_length⌉).
    public var transfer_tokens = 32_768
    /// sequence: the teacher's sampling temperature (> 0) and top-p (in (0, 1]).
    public var generate_temperature = 1.0
    public var generate_top_p = 1.0
    /// sequence: a transfer set written elsewhere (a text file, e.g. from an API teacher) instead of generating one;
    /// "" generates it into RUN_DIR/transfer-set.h5, reused while its key (teacher, data, options, seed) is unchanged.
    public var transfer_set = ""
    /// on-policy: the share of batches, in [0, 1], made of the student's own continuations (the rest are windows of
    /// the training split, as the soft method draws them); drawn per batch from (seed, step, micro-batch).
    public var lambda = 0.5
    /// on-policy: β in [0, 1] of the divergence JSD(β)(teacher ‖ student) at T: 0 is forward KL(teacher ‖ student),
    /// 1 is reverse KL(student ‖ teacher), in between the GKD paper's generalized Jensen–Shannon divergence.
    public var gkd_beta = 0.5
    /// on-policy: the temperature at which the student samples its continuations (> 0 when lambda > 0).
    public var sample_temperature = 1.0
    /// mutual: the peers' model files (their architectures, re-initialised from seed + k for peer k); at least one.
    public var peers: [String] = []
    /// mutual: peers given as `condense train` configs: the model section (sized to the data) is the architecture;
    /// the rest of the file is not read. They follow `peers` in the numbering.
    public var peer_configs: [String] = []
    /// mutual: the weight α of the mean KL from the other networks (fixed, ≥ 0; 0 trains each network alone).
    public var mutual_alpha = 1.0
    /// mutual: the temperature T of that KL (fixed, > 0).
    public var mutual_temperature = 1.0
    /// The methods compared at equal budget (each in RUN/compare/NAME, resumable), the winner by validation metric
    /// being the output: method names, plus "finetune" (soft at α = 0: the task loss from the student) and "scratch"
    /// (the student's architecture from random init, task loss). [] runs `method` alone.
    public var compare: [String] = []
    /// Ensembles: one weight per teacher (normalised to sum 1); [] = equal weights.
    public var teacher_weights: [Double] = []
    /// Text: N student samples of validation prompts that the teacher scores after distilling (the teacher's NLL of the
    /// student's samples, and the student as its speculative draft; docs/ARCHITECTURE.md, "Generation metrics");
    /// 0 disables them.
    public var generation_samples = 64
    /// Text: the continuation length C of those samples; the default is clipped to the block (prompt + C ≤ the
    /// smaller block size), a value set explicitly must fit.
    public var generation_tokens = 64
    /// "none" or "scratch": also train the student architecture from random init with task loss on the same budget.
    public var baseline = "none"
    /// Optimizer, schedule and budget, as in `train` (the total budget covers the search and the final run).
    public var train = TrainingOptions()
    public var seed: UInt64 = 1337

    public init() {
        train.batch_size = 128
        train.epochs = 10
        train.lr = 1e-3
        train.min_lr = 2e-5
        train.warmup_steps = 100
        train.weight_decay = 0.05
        train.eval_every = 500
        train.checkpoint_every = 500
        train.log_every = 50
    }

    public static let baselines = ["none", "scratch"]
    /// With cache_top_k = −1 (auto): full distributions up to this many classes or tokens, top-64 beyond.
    public static let cacheFullLimit = 1024
    public static let cacheAutoTopK = 64

    /// The cache's top-k for a teacher with `outputs` classes: nil means the full distribution.
    public func cacheTopK(outputs: Int) -> Int? {
        switch cache_top_k {
        case 0: return nil
        case ..<0: return outputs <= Self.cacheFullLimit ? nil : Self.cacheAutoTopK
        default: return min(cache_top_k, outputs)
        }
    }

    /// The searched candidates: the grid (or the fixed value), α = 0 always included when α is searched.
    /// α = 0 ignores T, so it appears once (with the first temperature).
    public var candidates: [Candidate] {
        var alphas = alpha.value.map { [$0] } ?? alpha_grid
        if alpha == .auto && !alphas.contains(0) { alphas.insert(0, at: 0) }
        let temps = temperature.value.map { [$0] } ?? temperature_grid
        var out: [Candidate] = []
        for a in alphas {
            for (i, t) in temps.enumerated() where a > 0 || i == 0 { out.append(Candidate(alpha: a, temperature: t)) }
        }
        return out
    }
}

/// The intermediate hidden-state loss.
public enum HiddenLossKind: String, Codable, CaseIterable, Sendable {
    case none
    /// 1 − cos(P·h_s, h_t) per token.
    case cosine
    /// ‖P·h_s − h_t‖² / ‖h_t‖² per token (scale-free, like cosine).
    case mse
}

/// One setting of the search: (α, T) for the soft method, the label mix for the hard one.
public struct Candidate: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var alpha: Double
    public var temperature: Double
    /// hard: the ground-truth weight λ searched (nil: the config's hard_mix).
    public var hard_mix: Double?
    public init(alpha: Double, temperature: Double, hard_mix: Double? = nil) {
        self.alpha = alpha; self.temperature = temperature; self.hard_mix = hard_mix
    }
    public var description: String { hard_mix.map { "λ=\($0)" } ?? "α=\(alpha) T=\(temperature)" }
    /// A folder-name form of the setting.
    var slug: String { hard_mix.map { "m\($0)" } ?? "a\(alpha)-t\(temperature)" }
}
