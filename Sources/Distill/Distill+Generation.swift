// Distill+Generation: the generation metrics of the distilled student (and of the scratch baseline) against the
// teachers on validation prompts: their options from the config and the block sizes, the measurement and its log line.
import CondenseCore
import Foundation

extension DistillPlan {
    /// The metrics' options for this run; nil for images, with generation_samples 0, or with a block (or a validation
    /// split) of one token. The prompt is P = min(16, block / 4) tokens (at least 1, and shorter than the validation
    /// split), block the smallest of the student's and the teachers' block sizes. C = generation_tokens: its default
    /// is clipped to block − P, a value set otherwise must fit (one ConfigError, before any training).
    static func generationOptions(_ config: DistillConfig, student: ModelFile, teachers: [ModelFile],
                                  data: TaskData) throws -> GenerationMetricsOptions? {
        guard config.generation_samples > 0, case .gpt(let s) = student.architecture, case .text(let corpus) = data else { return nil }
        let block = teachers.reduce(s.block_size) { b, t in
            if case .gpt(let c) = t.architecture { return min(b, c.block_size) }
            return b
        }
        guard block >= 2, corpus.val.count >= 2 else { return nil }
        let p = max(1, min(16, block / 4, corpus.val.count - 1))
        let isDefault = config.generation_tokens == DistillConfig().generation_tokens
        let o = GenerationMetricsOptions(samples: config.generation_samples, prompt_length: p,
                                         tokens: isDefault ? min(config.generation_tokens, block - p) : config.generation_tokens,
                                         seed: config.seed)
        try o.validate(block: block, available: corpus.val.count)
        return o
    }

    /// `model` (the final student, or the baseline) measured against the online teachers at T = 1; logged as `name`.
    func generationMetrics(of model: ModelFile, name: String) throws -> GenerationMetrics? {
        guard let o = try Self.generationOptions(config, student: student, teachers: teachers, data: data),
              case .text(let corpus) = data, let gpt = makeNetwork(model) as? GPT else { return nil }
        let online = try EnsembleTeacher(teachers.map { OnlineTeacher($0) },
                                         weights: config.teacher_weights.isEmpty ? nil : config.teacher_weights)
        guard let m = try measureGeneration(student: gpt, teacher: online, validation: corpus.val, options: o) else { return nil }
        log("generation (\(name)): " + m.summary)
        return m
    }
}

extension GenerationMetrics {
    /// One line: the teacher's and the student's NLL of the samples, and the draft figures (or why there are none).
    public var summary: String {
        var s = String(format: "teacher NLL %.4f nats/token of %d samples × %d tokens (student's own %.4f)",
                       teacher_nll, samples, tokens, student_nll)
        if let a = acceptance_rate, let c = tokens_per_target_call {
            s += String(format: "; as the teacher's draft (K = %d, greedy): acceptance %.1f %%, %.2f tokens per teacher call",
                        draft_tokens, a * 100, c)
        } else if let why = draft_skipped {
            s += "; no draft figures (\(why))"
        }
        return s
    }
}
