// DistillMethod: one distillation method: the settings it searches, and for one training run the objective, the
// batch source and any extra trainable parameters. distill() runs every method through the same machinery.
import CondenseCore

protocol DistillMethod {
    /// The settings tried by the search (one means no search); `chosen` in the report is nil when the method has
    /// nothing to choose.
    func candidates(_ config: DistillConfig) -> [Candidate]
    /// Whether the method has a choice to make under this config (the report's `chosen`).
    func searches(_ config: DistillConfig) -> Bool
    /// The pieces of one training run of `student` (a fresh copy) with `candidate`.
    func makeRun(_ setup: MethodSetup, candidate: Candidate) throws -> MethodRun
}

/// What a method builds a run from.
struct MethodSetup {
    var config: DistillConfig
    var data: TaskData
    var teacher: Teacher
    var student: Network
    /// The run's training options (the search's rungs shorten them).
    var options: TrainingOptions
}

/// What the Trainer is given: its objective, its batches (nil: the plain sampler) and extra trainable parameters.
struct MethodRun {
    var objective: Objective
    var batches: BatchSource?
    var extra: ParameterStore?
    /// Groups of `extra` each clipped by its own gradient norm (whole networks, as mutual learning's peers).
    var clipGroups: [Range<Int>] = []
}

/// The method a config names (the sequence method is built by the plan, with its transfer set).
func distillMethod(_ name: DistillMethodName) -> DistillMethod {
    switch name {
    case .soft, .sequence: return SoftMethod()
    case .hard: return HardMethod()
    case .onPolicy: return OnPolicyMethod()
    case .mutual: preconditionFailure("mutual learning runs through distillMutual: it has no teacher")
    }
}

/// The sampler over the training split, at the student's context, seeded from the config.
func samplerBatches(_ s: MethodSetup) throws -> TrainBatches {
    try TrainBatches(s.data, batchSize: s.options.batch_size, context: s.student.context, seed: s.config.seed)
}

/// The sampler, wrapped by the image augmentation when the config asks for it (text windows are crops already).
func augmentedBatches(_ s: MethodSetup) throws -> (BatchSource?, AugmentedBatches?) {
    guard s.config.augment, case .classification = s.data else { return (nil, nil) }
    let aug = AugmentedBatches(try samplerBatches(s), seed: s.config.seed, shift: s.config.shift_pixels,
                               mixupProb: s.config.mixup_prob)
    return (aug, aug)
}
