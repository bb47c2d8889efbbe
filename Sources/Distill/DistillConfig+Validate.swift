// DistillConfig+Validate: every range and conflict of the distill config, checked once; each failure is a
// ConfigError naming the key (the CLI maps it to a flag, the Pipeline to a recipe path and line).
import CondenseCore

extension DistillConfig {
    /// The keys that belong to one method only, with the method (an option given to another method is an error).
    static let methodKeys: [(key: String, method: DistillMethodName)] = [
        ("alpha", .soft), ("temperature", .soft), ("divergence", .soft), ("jsd_beta", .soft), ("alpha_grid", .soft),
        ("temperature_grid", .soft), ("hidden_loss", .soft), ("hidden_weight", .soft), ("hidden_map", .soft),
        ("hard_mix", .hard), ("hard_mix_grid", .hard), ("hard_temperature", .hard),
        ("prompt_length", .sequence), ("continuation_length", .sequence), ("samples_per_prompt", .sequence),
        ("transfer_tokens", .sequence), ("generate_temperature", .sequence), ("generate_top_p", .sequence),
        ("transfer_set", .sequence), ("best_of", .sequence), ("best_of_script", .sequence),
        ("temperature", .onPolicy), ("temperature_grid", .onPolicy), ("prompt_length", .onPolicy),
        ("continuation_length", .onPolicy), ("lambda", .onPolicy), ("gkd_beta", .onPolicy), ("sample_temperature", .onPolicy),
        ("peers", .mutual), ("peer_configs", .mutual), ("mutual_alpha", .mutual), ("mutual_temperature", .mutual),
    ]

    static let bestOfScores = ["teacher", "student", "script"]

    /// Checks every value; errors name the option, what was expected and what was found.
    public func validate() throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw ConfigError("distill", key: key, expected: expected, found: "\(found)") }
        }
        if compare.isEmpty { try validateMethodKeys() } else { try validateCompareList() }
        if let a = alpha.value { try need(a >= 0 && a <= 1, "alpha", "\"auto\" or a number in [0, 1]", a) }
        if let t = temperature.value { try need(t > 0 && t.isFinite, "temperature", "\"auto\" or a number > 0", t) }
        try need(jsd_beta > 0 && jsd_beta < 1, "jsd_beta", "a number in (0, 1)", jsd_beta)
        try need(!alpha_grid.isEmpty && alpha_grid.allSatisfy { $0 >= 0 && $0 <= 1 }, "alpha_grid", "values in [0, 1]", alpha_grid)
        try need(!temperature_grid.isEmpty && temperature_grid.allSatisfy { $0 > 0 && $0.isFinite }, "temperature_grid",
                 "values > 0", temperature_grid)
        try need(search_share >= 0 && search_share < 1, "search_share", "a share in [0, 1)", search_share)
        try need(search_eta >= 2, "search_eta", "≥ 2", search_eta)
        try need(shift_pixels >= 0, "shift_pixels", "≥ 0", shift_pixels)
        try need(mixup_prob >= 0 && mixup_prob <= 1, "mixup_prob", "a probability in [0, 1]", mixup_prob)
        try need(Self.baselines.contains(baseline), "baseline", "none or scratch", "\"\(baseline)\"")
        try need(cache_top_k >= -1, "cache_top_k", "-1 (auto), 0 (full distributions) or k > 0", cache_top_k)
        try need(hidden_weight >= 0 && hidden_weight.isFinite, "hidden_weight", "a number ≥ 0", hidden_weight)
        try need(hidden_map.allSatisfy { $0 >= -1 }, "hidden_map", "teacher block indices (or -1 for none)", hidden_map)
        if let m = hard_mix.value { try need(m >= 0 && m <= 1, "hard_mix", "\"auto\" or a weight in [0, 1]", m) }
        try need(!hard_mix_grid.isEmpty && hard_mix_grid.allSatisfy { $0 >= 0 && $0 <= 1 }, "hard_mix_grid", "weights in [0, 1]", hard_mix_grid)
        try need(hard_temperature >= 0 && hard_temperature.isFinite, "hard_temperature", "a number ≥ 0 (0: the top-1 token)", hard_temperature)
        try need(prompt_length >= 1, "prompt_length", "≥ 1", prompt_length)
        try need(continuation_length >= 1, "continuation_length", "≥ 1", continuation_length)
        try need(samples_per_prompt >= 1, "samples_per_prompt", "N ≥ 1 samples per prompt", samples_per_prompt)
        try need(samples_per_prompt <= 64, "samples_per_prompt", "at most 64 samples per prompt", samples_per_prompt)
        try need(transfer_tokens >= 1 && transfer_tokens <= 100_000_000, "transfer_tokens", "a token budget in 1...100000000", transfer_tokens)
        try need(generate_temperature > 0 && generate_temperature.isFinite, "generate_temperature", "a number > 0", generate_temperature)
        try need(generate_top_p > 0 && generate_top_p <= 1, "generate_top_p", "a number in (0, 1]", generate_top_p)
        try need(Self.bestOfScores.contains(best_of), "best_of", Self.bestOfScores.joined(separator: ", "), "\"\(best_of)\"")
        try need((best_of == "script") == !best_of_script.isEmpty, "best_of_script",
                 best_of == "script" ? "the path of the scoring executable (best_of is script)" : "no script unless best_of is script",
                 best_of_script.isEmpty ? "none" : "\"\(best_of_script)\"")
        try need(!(method == .sequence && (augment || cache_teacher)), "method",
                 "soft or hard with --augment or --cache-teacher (the sequence method trains on the teacher's text, with no teacher outputs per batch)",
                 method.rawValue)
        try validateOnPolicy()
        try validateMutual()
        try need(generation_samples >= 0 && generation_samples <= GenerationMetricsOptions.maxSamples, "generation_samples",
                 "N in 0...\(GenerationMetricsOptions.maxSamples) student samples (0 disables the generation metrics)", generation_samples)
        try need(generation_tokens >= 1, "generation_tokens", "a continuation length ≥ 1", generation_tokens)
        if !teacher_weights.isEmpty { _ = try EnsembleTeacher.normalised(teacher_weights, count: teacher_weights.count) }
        try need(!(hidden_loss != .none && cache_teacher), "hidden_loss",
                 "none with --cache-teacher (the hidden-state loss needs the teacher's hidden states, which --cache-teacher does not keep; drop --cache-teacher or set hidden_loss: none)",
                 hidden_loss.rawValue)
        try need(!(augment && cache_teacher), "cache_teacher",
                 "no cache with --augment (--cache-teacher cannot be combined with --augment: the teacher must label each augmented input on the fly, so cached outputs do not apply)",
                 "both")
        try need(!(augment && method == .hard && hard_mix != .fixed(0)), "hard_mix",
                 "0 with --augment (mixup already blends two labels per example)", hard_mix)
        let t = train
        try t.checkLimits(prefix: "") { key, expected, found in ConfigError("distill", key: key, expected: expected, found: "\(found)") }
        try checkSearchBudget(self, trainExamples: nil)
        try need(t.batch_size >= 1, "batch_size", "≥ 1", t.batch_size)
        try need(t.steps >= 1 || t.epochs >= 1, "steps", "≥ 1 (or epochs ≥ 1)", t.steps)
        try need(t.grad_accum >= 1, "grad_accum", "≥ 1", t.grad_accum)
        try need(t.lr > 0 && t.lr.isFinite, "lr", "> 0", t.lr)
        try need(t.min_lr >= 0 && t.min_lr <= t.lr, "min_lr", "in [0, lr]", t.min_lr)
        for name in compare { try compareConfig(name).validate() }
    }

    /// Whether the run learns from a teacher: every method but mutual; a comparison unless it lists only methods that
    /// need none (mutual, finetune, scratch: without a teacher the last two train on the task loss alone).
    public var needsTeacher: Bool {
        compare.isEmpty ? method != .mutual : !compare.allSatisfy { $0 == DistillMethodName.mutual.rawValue || compareExtras.contains($0) }
    }

    /// mutual: at least one peer, α ≥ 0, T > 0; no teacher-only option (augment, the cache, the baseline).
    func validateMutual() throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw ConfigError("distill", key: key, expected: expected, found: "\(found)") }
        }
        try need(mutual_alpha >= 0 && mutual_alpha.isFinite, "mutual_alpha", "a number ≥ 0", mutual_alpha)
        try need(mutual_temperature > 0 && mutual_temperature.isFinite, "mutual_temperature", "a number > 0", mutual_temperature)
        guard method == .mutual else { return }
        try need(!peers.isEmpty || !peer_configs.isEmpty, "peers",
                 "at least one peer model with method mutual (mutual learning trains the student with one or more peers; a single network has no one to learn from)",
                 "none")
        try need(!augment && !cache_teacher, "method", "soft or hard with --augment or --cache-teacher (mutual learning has no teacher to label or cache)", method.rawValue)
        try need(baseline == "none", "baseline", "none with method mutual (every network of a mutual run already starts from random init)", "\"\(baseline)\"")
    }

    /// A key of another method that differs from its default is an error: it would be silently ignored. A key may
    /// belong to several methods (one row each).
    func validateMethodKeys() throws {
        guard case .object(let mine)? = try? JSONValue(encoding: self),
              case .object(let defaults)? = try? JSONValue(encoding: DistillConfig()) else { return }
        for (key, _) in Self.methodKeys where mine[key] != defaults[key] {
            let owners = Self.methodKeys.filter { $0.key == key }.map(\.method)
            if owners.contains(method) { continue }
            let named = owners.count == 1 ? "method \(owners[0].rawValue)" : "methods \(owners.map(\.rawValue).joined(separator: " and "))"
            throw ConfigError("distill", key: key, expected: "its default (\(defaults[key]?.description ?? "?")): it applies to \(named) only, and the method is \(method.rawValue)",
                              found: mine[key]?.description ?? "?")
        }
    }

    /// The on-policy method's own ranges (those that need no model; the block size is checked by the plan).
    func validateOnPolicy() throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw ConfigError("distill", key: key, expected: expected, found: "\(found)") }
        }
        try need(lambda >= 0 && lambda <= 1, "lambda", "a share of student-sampled batches in [0, 1]", lambda)
        try need(gkd_beta >= 0 && gkd_beta <= 1, "gkd_beta", "a number in [0, 1] (0: forward KL, 1: reverse KL)", gkd_beta)
        try need(lambda == 0 || (sample_temperature > 0 && sample_temperature <= 100), "sample_temperature",
                 "a number in (0, 100] when lambda > 0 (the student samples at it)", sample_temperature)
    }
}
