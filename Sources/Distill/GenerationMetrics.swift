// GenerationMetrics: how a GPT student generates for its teacher: the teacher's NLL of the student's own samples on
// validation prompts (beside the student's), and the student as the teacher's speculative draft (greedy, K drafts).
import CondenseCore
import Foundation
import Generate

/// What `measureGeneration` measures, and on how much.
public struct GenerationMetricsOptions: Codable, Equatable, Sendable {
    /// N student samples, one per validation prompt; 0 disables the measurement.
    public var samples = 64
    /// P, the prompt's tokens, drawn (seeded) from the validation split.
    public var prompt_length = 16
    /// C, the continuation's tokens; P + C must fit both block sizes.
    public var tokens = 64
    /// The student's sampling temperature (1: its own distribution).
    public var temperature = 1.0
    /// Prompts of the speculative measurement (the first of the N), each continued by C tokens, greedy.
    public var draft_prompts = 4
    /// K, tokens the student drafts per teacher call.
    public var draft_tokens = 4
    public var seed: UInt64 = 1337

    public init(samples: Int = 64, prompt_length: Int = 16, tokens: Int = 64, temperature: Double = 1,
                draft_prompts: Int = 4, draft_tokens: Int = 4, seed: UInt64 = 1337) {
        self.samples = samples; self.prompt_length = prompt_length; self.tokens = tokens
        self.temperature = temperature; self.draft_prompts = draft_prompts; self.draft_tokens = draft_tokens; self.seed = seed
    }

    /// Every value against the block `block` (the smaller of the student's and the teacher's) and a validation split
    /// of `available` tokens; each failure is one `ConfigError` naming the distill key.
    public func validate(block: Int, available: Int) throws {
        func need(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw ConfigError("distill", key: key, expected: expected, found: "\(found)") }
        }
        try need(samples >= 0 && samples <= Self.maxSamples, "generation_samples",
                 "N in 0...\(Self.maxSamples) student samples (0 disables the generation metrics)", samples)
        guard samples > 0 else { return }
        try need(prompt_length >= 1 && prompt_length < block, "prompt_length", "a prompt of 1...\(block - 1) tokens (< the block size \(block))", prompt_length)
        try need(tokens >= 1 && prompt_length + tokens <= block, "generation_tokens",
                 "a continuation of 1...\(block - prompt_length) tokens (the prompt's \(prompt_length) + the continuation ≤ the block size \(block))", tokens)
        try need(temperature > 0 && temperature <= 100, "generation_temperature", "a number in (0, 100]", temperature)
        try need(draft_prompts >= 0, "generation_draft_prompts", "≥ 0", draft_prompts)
        try need(draft_tokens >= 1 && draft_tokens <= SpeculativeOptions.maxDraftTokens, "generation_draft_tokens",
                 "K in 1...\(SpeculativeOptions.maxDraftTokens)", draft_tokens)
        try need(available > prompt_length, "data", "a validation split longer than the prompt (\(prompt_length) tokens)", "\(available) tokens")
    }

    public static let maxSamples = 4096
}

/// The student's generation as its teacher judges it (`measureGeneration`). NLLs are in nats per continuation token.
public struct GenerationMetrics: Codable, Equatable, Sendable {
    public var samples: Int
    public var prompt_length: Int
    public var tokens: Int
    public var temperature: Double
    /// The teacher's mean −log p(x_t | x_<t) over the continuation tokens of the student's samples: what sequence-level
    /// and on-policy distillation optimize. Lower is better.
    public var teacher_nll: Double
    /// The student's own mean NLL of the same tokens (its entropy proxy at temperature 1).
    public var student_nll: Double
    /// Accepted / proposed drafts, and tokens emitted per teacher call (≤ K + 1), of greedy speculative decoding
    /// with the student as the teacher's draft; nil when the pair cannot run it (`draft_skipped` says why).
    public var acceptance_rate: Double?
    public var tokens_per_target_call: Double?
    public var draft_tokens: Int
    public var draft_prompts: Int
    public var draft_skipped: String?
    /// Wall time of the measurement (the one field seeded runs do not share).
    public var seconds: Double
}

/// Measures `student` against `teacher` (one GPT, or an ensemble at T = 1) on prompts of `validation`: N prompts of
/// P tokens at seeded positions, each continued by C tokens sampled from the student at `temperature` (batched on a
/// DecodeEngine); the teacher's and the student's full forward on prompt + continuation score the C continuation
/// tokens. Then the first `draft_prompts` prompts are continued greedily by speculative decoding with the student as
/// the teacher's draft, when the teacher is one GPT with the student's vocabulary and block size. nil when N = 0.
/// Deterministic for a seed; the teacher's usage counters are left as they were.
public func measureGeneration(student: GPT, teacher: Teacher, validation: TokenSequence,
                              options o: GenerationMetricsOptions) throws -> GenerationMetrics? {
    let target = singleGPT(teacher)
    let block = min(student.config.block_size, teacherBlock(teacher) ?? Int.max)
    try o.validate(block: block, available: validation.count)
    guard o.samples > 0 else { return nil }
    guard teacher.outputs == student.config.vocab_size else {
        throw ConfigError("distill", key: "teachers", expected: "a teacher over the student's vocabulary (\(student.config.vocab_size) tokens)",
                          found: "\(teacher.outputs) outputs")
    }
    let t0 = Date()
    let saved = (teacher.usage.seconds, teacher.usage.rowsServed)
    defer { (teacher.usage.seconds, teacher.usage.rowsServed) = saved }
    let prompts = generationPrompts(validation, count: o.samples, length: o.prompt_length, seed: o.seed)
    let sequences = try sampleContinuations(student, prompts: prompts, tokens: o.tokens, temperature: o.temperature, seed: o.seed)
    let teacherNLL = continuationNLL(sequences, promptLength: o.prompt_length, vocab: teacher.outputs) {
        teacher.logits(for: $0, temperature: 1)
    }
    let studentNLL = continuationNLL(sequences, promptLength: o.prompt_length, vocab: student.config.vocab_size) {
        UnsafePointer(student.predict($0))
    }
    var m = GenerationMetrics(samples: o.samples, prompt_length: o.prompt_length, tokens: o.tokens, temperature: o.temperature,
                              teacher_nll: teacherNLL, student_nll: studentNLL, draft_tokens: o.draft_tokens,
                              draft_prompts: 0, seconds: 0)
    switch draftTarget(teacher: teacher, target: target, student: student, prompts: o.draft_prompts) {
    case .failure(let why): m.draft_skipped = why.description
    case .success(let gpt):
        let d = try draftStatistics(student: student, teacher: gpt, prompts: Array(prompts.prefix(o.draft_prompts)),
                                    tokens: o.tokens, k: o.draft_tokens)
        m.acceptance_rate = d.acceptance; m.tokens_per_target_call = d.perCall; m.draft_prompts = min(o.draft_prompts, prompts.count)
    }
    m.seconds = Date().timeIntervalSince(t0)
    return m
}

/// The same with one GPT teacher.
public func measureGeneration(student: GPT, teacher: GPT, validation: TokenSequence,
                              options: GenerationMetricsOptions) throws -> GenerationMetrics? {
    try measureGeneration(student: student, teacher: OnlineTeacher(net: teacher), validation: validation, options: options)
}

/// `count` prompts of `length` tokens at positions of `split` drawn from RNG(seed ^ a constant of this use).
public func generationPrompts(_ split: TokenSequence, count: Int, length: Int, seed: UInt64) -> [[Int32]] {
    var r = RNG(seed: seed ^ 0x6E3E_7A11_D00D_5EED)
    return (0..<count).map { _ in split.slice(r.below(split.count - length), length) }
}

/// Each prompt followed by `tokens` tokens sampled from `student` at `temperature`: (N) sequences of P + C tokens.
/// Decoded in batches of up to 64 on one DecodeEngine; sample i draws from RNG(seed &+ i) (Generate's rule), so a
/// sample does not depend on the batch it was decoded in.
public func sampleContinuations(_ student: GPT, prompts: [[Int32]], tokens: Int, temperature: Double,
                                seed: UInt64) throws -> [[Int32]] {
    guard let p = prompts.first?.count else { return [] }
    let batch = min(prompts.count, 64)
    let engine = DecodeEngine(student, batch: batch, capacity: min(p + tokens, student.config.block_size))
    var out: [[Int32]] = []
    for start in stride(from: 0, to: prompts.count, by: batch) {
        var group = Array(prompts[start..<min(start + batch, prompts.count)])
        let real = group.count
        while group.count < batch { group.append(group[0]) }   // a short last group: padding rows, discarded
        let sampling = SamplingOptions(temperature: Float(temperature), seed: seed &+ UInt64(start))
        let r = try generate(engine, prompts: group, options: GenerationOptions(tokens: tokens, sampling: sampling))
        for b in 0..<real { out.append(group[b] + r.ids[b]) }
    }
    return out
}

/// The mean −log softmax(z)[x_t] over the continuation positions t ∈ [P, L) of every sequence (L tokens each), with z
/// the logits row t − 1 of `logits` run on the whole sequence; sequences go 16 at a time, log-softmax and sums in
/// float64.
func continuationNLL(_ sequences: [[Int32]], promptLength p: Int, vocab v: Int,
                     logits: (NetworkInput) -> UnsafePointer<Float>) -> Double {
    guard let l = sequences.first?.count, l > p else { return .nan }
    var total = 0.0
    for start in stride(from: 0, to: sequences.count, by: 16) {
        let group = Array(sequences[start..<min(start + 16, sequences.count)])
        let flat = group.flatMap { $0 }
        flat.withUnsafeBufferPointer { ids in
            // z (B·L, V): row b·L + t − 1 predicts token t of sequence b
            let z = logits(.tokens(ids.baseAddress!, batch: group.count, seq: l))
            for (b, s) in group.enumerated() {
                for t in p..<l { total -= logSoftmax(z + (b * l + t - 1) * v, vocab: v, at: Int(s[t])) }
            }
        }
    }
    return total / Double(sequences.count * (l - p))
}

/// log softmax(z)[j] in float64: z_j − m − log Σ exp(z_i − m), m = max z.
func logSoftmax(_ z: UnsafePointer<Float>, vocab v: Int, at j: Int) -> Double {
    var m = -Double.infinity
    for i in 0..<v { m = max(m, Double(z[i])) }
    var s = 0.0
    for i in 0..<v { s += Foundation.exp(Double(z[i]) - m) }
    return Double(z[j]) - m - Foundation.log(s)
}

/// The one GPT behind a teacher (an online GPT, or a one-member ensemble of one); nil for an ensemble or a cache.
func singleGPT(_ t: Teacher) -> GPT? {
    if let e = t as? EnsembleTeacher { return e.members.count == 1 ? singleGPT(e.members[0]) : nil }
    return (t as? OnlineTeacher)?.net as? GPT
}

/// The smallest block size among the GPTs behind a teacher (nil when none is known, such as a cache's).
func teacherBlock(_ t: Teacher) -> Int? {
    if let e = t as? EnsembleTeacher { return e.members.compactMap(teacherBlock).min() }
    return ((t as? OnlineTeacher)?.net as? GPT)?.config.block_size
}

/// The teacher GPT that the student can draft for, or why not.
private func draftTarget(teacher: Teacher, target: GPT?, student: GPT, prompts: Int) -> Result<GPT, DraftSkip> {
    if prompts == 0 { return .failure(DraftSkip("no draft prompts")) }
    guard let target else {
        return .failure(DraftSkip(teacher is EnsembleTeacher ? "the teacher is an ensemble (no single target to verify drafts)"
                                                              : "the teacher is not an online GPT"))
    }
    do { try checkDraft(target: target.config, draft: student.config) } catch { return .failure(DraftSkip("\(error)")) }
    return .success(target)
}

private struct DraftSkip: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Greedy speculative decoding of each prompt by `tokens` tokens, K drafts per round: Σ accepted / Σ proposed and
/// Σ tokens / Σ teacher calls over the prompts.
func draftStatistics(student: GPT, teacher: GPT, prompts: [[Int32]], tokens: Int, k: Int) throws -> (acceptance: Double, perCall: Double) {
    let target = DecodeEngine(teacher, batch: 1), draft = DecodeEngine(student, batch: 1)
    let options = SpeculativeOptions(generation: GenerationOptions(tokens: tokens, sampling: .greedy), draftTokens: k)
    var accepted = 0, proposed = 0, calls = 0, emitted = 0
    for p in prompts {
        let r = try speculativeGenerate(target: target, draft: draft, prompt: p, options: options)
        accepted += r.accepted; proposed += r.proposed; calls += r.target_calls; emitted += r.ids.count
    }
    return (proposed > 0 ? Double(accepted) / Double(proposed) : 0, Double(emitted) / Double(max(calls, 1)))
}
