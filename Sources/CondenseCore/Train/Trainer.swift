// Trainer: the training loop: batches from a BatchSource, objective, backward, clipping, AdamW, evaluation,
// checkpoints and resume. `run` is `start`, then `step` until `isFinished`, then `result`.
import Foundation

public final class Trainer {
    public let net: Network
    public let data: TaskData
    public let options: TrainingOptions
    public let seed: UInt64
    /// Folder for checkpoint.h5, best.h5 and log.jsonl.
    public let runDir: String
    /// The resolved config; a resumed run must have been started with the same one.
    public let config: JSONValue
    public var objective: Objective = CrossEntropyObjective()
    /// Where batches come from; nil means the seeded sampler over the training split (`TrainBatches`).
    public var batchSource: BatchSource?
    /// Trainable parameters beside the model's (a method's projections): their gradients are the objective's to
    /// fill, and the Trainer zeroes, checks, steps (their own AdamW moments, the run's schedule, outside the
    /// gradient-norm clip) and checkpoints them with the model. They are never written to best.h5.
    public var extraParameters: ParameterStore?
    /// Groups of `extraParameters` (tensor index ranges) each clipped by its own gradient norm at `grad_clip`, as
    /// the model is (a method whose extra parameters are whole networks, such as mutual learning's peers); the
    /// tensors outside every group are not clipped.
    public var extraClipGroups: [Range<Int>] = []
    public var vocabulary: [String]?
    public var quiet = false
    /// How the ranks of a data-parallel run combine their gradients, losses and metrics; one process by default.
    /// With more than one rank, each trains on its shard of every global batch (`ShardedBatches`), and rank 0 alone
    /// writes the run folder and prints progress.
    public var reducer: GradientReducer = SingleProcess.shared

    public var checkpointPath: String { runDir + "/checkpoint.h5" }
    public var bestPath: String { runDir + "/best.h5" }
    public var logPath: String { runDir + "/log.jsonl" }

    /// The loop's state between `start` and the last `step`.
    var session: Session?

    public init(net: Network, data: TaskData, options: TrainingOptions, seed: UInt64, runDir: String, config: JSONValue) {
        self.net = net; self.data = data; self.options = options; self.seed = seed; self.runDir = runDir; self.config = config
    }

    public struct Result {
        public var steps: Int
        public var curve: [CurvePoint]
        public var best: EvalResult?
        public var bestStep: Int?
        public var last: EvalResult?
        public var seconds: Double
        /// Examples (images) or tokens seen in training.
        public var seen: Int
        /// Whether a checkpoint was resumed.
        public var resumed: Bool
        /// Whether `patience` ended the run before its budget.
        public var stoppedEarly = false
    }

    /// Total optimizer steps for the configured budget.
    public func totalSteps(_ batches: BatchSource) -> Int {
        if options.epochs > 0, let per = batches.batchesPerEpoch { return options.epochs * per / options.grad_accum }
        return options.steps
    }

    /// Runs (or, with `resume`, continues) training. Without `resume`, an existing checkpoint is an error.
    public func run(resume: Bool) throws -> Result {
        try start(resume: resume)
        while !isFinished { try step() }
        return result()
    }

    /// Optimizer steps completed, and whether the budget is spent (both valid after `start`).
    public var currentStep: Int { session?.state.step ?? 0 }
    public var isFinished: Bool { session.map { $0.state.step >= $0.total || stoppedEarly($0.state) } ?? false }

    /// Whether the last `patience` evaluations all came after the best one (read from the checkpointed curve, so a
    /// resumed run that had stopped stays stopped).
    func stoppedEarly(_ state: TrainState) -> Bool {
        guard options.patience > 0, let best = state.bestStep else { return false }
        return state.curve.filter { $0.val_loss != nil && $0.step > best }.count >= options.patience
    }

    /// Opens the run: a fresh one, or (with `resume`) its checkpoint, which must have the same config. With several
    /// ranks, every rank opens it and they agree on the outcome: one rank's failure is every rank's error.
    public func start(resume: Bool) throws {
        try reducer.together { try open(resume: resume) }
    }

    private func open(resume: Bool) throws {
        if let layer = net.int8Layers.keys.sorted().first {
            throw FormatError(file: runDir, path: layer, "this layer is int8: a quantized model cannot be trained; distill or fine-tune the float model, then quantize")
        }
        if reducer.isWriter { try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true) }
        let optimizers = Optimizers(model: makeOptimizer(net.params), extra: extraParameters.map(makeOptimizer))
        var state = TrainState(step: 0, sampler: .null, dropoutRNG: RNG(seed: seed ^ 0x5EED_D20F).state, bestMetric: nil,
                               bestStep: nil, curve: [], config: config, elapsed: 0)
        let hasCheckpoint = FileManager.default.fileExists(atPath: checkpointPath)
        if hasCheckpoint && !resume {
            throw FormatError(file: checkpointPath, "a checkpoint of an earlier run (step \(Checkpoint.step(at: checkpointPath) ?? 0)) is here; pass --resume to continue it or --force to start over")
        }
        let global = try batchSource ?? TrainBatches(data, batchSize: options.batch_size, context: net.context, seed: seed)
        let batches = reducer.size > 1
            ? try ShardedBatches(global, features: data.features ?? 0, rank: reducer.rank, size: reducer.size) : global
        if hasCheckpoint {
            state = try Checkpoint.read(checkpointPath, into: net, optimizer: optimizers.model,
                                        extra: extraParameters.flatMap { p in optimizers.extra.map { (p, $0) } })
            guard state.config == config else {
                throw FormatError(file: checkpointPath, "the run was started with a different config; resume needs the same one (started with \(state.config), now \(config))")
            }
            try batches.restore(state.sampler)
            if reducer.isWriter { try truncateLog(after: state.step) }
        } else if reducer.isWriter {
            try? FileManager.default.removeItem(atPath: logPath)
        }
        let total = totalSteps(batches)
        let rows = batches.withInput { $0.rows }
        let progress = Progress(total: total, startStep: state.step, unit: data.metricKind == .accuracy ? "ex" : "tok")
        progress.quiet = quiet || !reducer.isWriter
        if hasCheckpoint { progress.note("resumed from \(checkpointPath) at step \(state.step)") }
        session = Session(batches: batches, optimizers: optimizers, state: state, total: total,
                          dropRNG: RNG(state: state.dropoutRNG), dlogits: Tensor(zeros: [rows, net.outputs]), rows: rows,
                          progress: progress, evalSplit: try data.split(.val), elapsedBefore: state.elapsed,
                          lastCheckpointStep: hasCheckpoint ? state.step : nil, resumed: hasCheckpoint)
    }

    /// The run's outcome after the last step.
    public func result() -> Result {
        guard let s = session else { preconditionFailure("Trainer.result() before start(resume:)") }
        return Result(steps: s.state.step, curve: s.state.curve, best: s.bestEval ?? s.lastEval, bestStep: s.state.bestStep,
                      last: s.lastEval, seconds: s.elapsedBefore + Date().timeIntervalSince(s.runStart),
                      seen: s.state.step * options.grad_accum * s.batches.unitsPerBatch, resumed: s.resumed,
                      stoppedEarly: s.state.step < s.total)
    }

    private func makeOptimizer(_ p: ParameterStore) -> AdamW {
        AdamW(params: p, beta1: options.beta1, beta2: options.beta2, eps: options.eps, weightDecay: options.weight_decay)
    }
}

/// The model's optimizer and the extra parameters' (separate moments, the same schedule).
struct Optimizers {
    let model: AdamW
    let extra: AdamW?
}

/// What the loop carries from one step to the next.
final class Session {
    let batches: BatchSource
    let optimizers: Optimizers
    var state: TrainState
    let total: Int
    var dropRNG: RNG
    let dlogits: Tensor
    let rows: Int
    let progress: Progress
    let evalSplit: EvalSplit
    let runStart = Date()
    let elapsedBefore: Double
    var lastCheckpointStep: Int?
    let resumed: Bool
    var lastEval: EvalResult?, bestEval: EvalResult?
    /// This rank's share of the current step's global batch (several ranks only), summed over its micro-batches.
    var shardWeight = 0.0

    init(batches: BatchSource, optimizers: Optimizers, state: TrainState, total: Int, dropRNG: RNG, dlogits: Tensor, rows: Int,
         progress: Progress, evalSplit: EvalSplit, elapsedBefore: Double, lastCheckpointStep: Int?, resumed: Bool) {
        self.batches = batches; self.optimizers = optimizers; self.state = state; self.total = total; self.dropRNG = dropRNG
        self.dlogits = dlogits; self.rows = rows; self.progress = progress; self.evalSplit = evalSplit
        self.elapsedBefore = elapsedBefore; self.lastCheckpointStep = lastCheckpointStep; self.resumed = resumed
    }
}
