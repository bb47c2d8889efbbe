// Trainer: the training loop: batches, objective, backward, clipping, AdamW, evaluation, checkpoints and resume.
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
    public var vocabulary: [String]?
    public var quiet = false
    /// Called after every optimizer step with the step number (tests and outer loops use it).
    public var afterStep: ((Int) -> Void)?
    /// Called after each batch is drawn, before the forward: (batches, step from 0, micro-batch index). It may
    /// rewrite the batch in place (distillation's --augment). It must derive any randomness from its arguments,
    /// so that a resumed run sees the same batches.
    public var transformBatch: ((TrainBatches, Int, Int) -> Void)?

    public var checkpointPath: String { runDir + "/checkpoint.h5" }
    public var bestPath: String { runDir + "/best.h5" }
    public var logPath: String { runDir + "/log.jsonl" }

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
    }

    /// Total optimizer steps for the configured budget.
    public func totalSteps(_ batches: TrainBatches) -> Int {
        if options.epochs > 0, let per = batches.batchesPerEpoch { return options.epochs * per / options.grad_accum }
        return options.steps
    }

    /// Runs (or, with `resume`, continues) training. Without `resume`, an existing checkpoint is an error.
    public func run(resume: Bool) throws -> Result {
        if let layer = net.int8Layers.keys.sorted().first {
            throw FormatError(file: runDir, path: layer, "this layer is int8: a quantized model cannot be trained; distill or fine-tune the float model, then quantize")
        }
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        let optimizer = AdamW(params: net.params, beta1: options.beta1, beta2: options.beta2, eps: options.eps,
                              weightDecay: options.weight_decay)
        var state = TrainState(step: 0, sampler: .null, dropoutRNG: RNG(seed: seed ^ 0x5EED_D20F).state, bestMetric: nil,
                               bestStep: nil, curve: [], config: config, elapsed: 0)
        let hasCheckpoint = FileManager.default.fileExists(atPath: checkpointPath)
        if hasCheckpoint && !resume {
            throw FormatError(file: checkpointPath, "a checkpoint of an earlier run (step \(Checkpoint.step(at: checkpointPath) ?? 0)) is here; pass --resume to continue it or --force to start over")
        }
        if hasCheckpoint {
            state = try Checkpoint.read(checkpointPath, into: net, optimizer: optimizer)
            guard state.config == config else {
                throw FormatError(file: checkpointPath, "the run was started with a different config; resume needs the same one (started with \(state.config), now \(config))")
            }
            try truncateLog(after: state.step)
        } else {
            try? FileManager.default.removeItem(atPath: logPath)
        }
        let batches = try TrainBatches(data, batchSize: options.batch_size, context: net.context, seed: seed,
                                       state: state.sampler == .null ? nil : state.sampler)
        let total = totalSteps(batches)
        var dropRNG = RNG(state: state.dropoutRNG)
        let rows = batches.withInput { $0.rows }
        let dlogits = Tensor(zeros: [rows, net.outputs])
        let progress = Progress(total: total, startStep: state.step, unit: data.metricKind == .accuracy ? "ex" : "tok")
        progress.quiet = quiet
        if hasCheckpoint { progress.note("resumed from \(checkpointPath) at step \(state.step)") }
        let evalSplit = try data.split(.val)
        var lastEval: EvalResult?, bestEval: EvalResult?
        let runStart = Date(), elapsedBefore = state.elapsed
        var lastCheckpointStep: Int? = hasCheckpoint ? state.step : nil

        var step = state.step
        while step < total {
            let t0 = Date()
            net.params.zeroGrads()
            var loss = 0.0
            for micro in 0..<options.grad_accum {
                try batches.next()
                transformBatch?(batches, step, micro)
                let l: Double = try batches.withInput { input in
                    let logits = net.forward(input, training: true, rng: &dropRNG)
                    let l = batches.targets.withUnsafeBufferPointer {
                        objective.lossAndGradient(logits: logits, dlogits: dlogits.data, targets: $0.baseAddress!,
                                                  input: input, rows: rows, cols: net.outputs)
                    }
                    guard l.isFinite else {
                        let bad = Ops.firstNonFinite(logits, rows * net.outputs)
                        throw NumericalError(step: step + 1, tensor: bad == nil ? "the loss" : "the logits", value: Float(l),
                                             index: bad, checkpoint: lastCheckpointStep.map { _ in checkpointPath },
                                             checkpointStep: lastCheckpointStep)
                    }
                    if options.grad_accum > 1 { dlogits.scale(1 / Float(options.grad_accum)) }
                    net.backward(dlogits: dlogits.data)
                    return l
                }
                loss += l / Double(options.grad_accum)
            }
            if let (name, i) = net.params.firstNonFinite(inGrads: true) {
                throw NumericalError(step: step + 1, tensor: "the gradient of \(name)", value: net.params.grad(name)[i], index: i,
                                     checkpoint: lastCheckpointStep.map { _ in checkpointPath }, checkpointStep: lastCheckpointStep)
            }
            let norm = net.params.gradNorm()
            if options.grad_clip > 0 && norm > options.grad_clip {
                for g in net.params.grads { g.scale(Float(options.grad_clip / norm)) }
            }
            let lr = learningRate(step: step, total: total, warmup: options.warmup_steps, lr: options.lr, minLR: options.min_lr)
            optimizer.step(net.params, lr: Float(lr))
            if let (name, i) = net.params.firstNonFinite() {
                throw NumericalError(step: step + 1, tensor: "the parameter \(name) after the update", value: net.params[name][i], index: i,
                                     checkpoint: lastCheckpointStep.map { _ in checkpointPath }, checkpointStep: lastCheckpointStep)
            }
            step += 1
            let rate = Double(batches.unitsPerBatch * options.grad_accum) / max(Date().timeIntervalSince(t0), 1e-9)
            var point = CurvePoint(step: step, train_loss: loss, lr: lr, val_loss: nil, val_metric: nil)
            let isLast = step == total
            if (options.eval_every > 0 && step % options.eval_every == 0) || isLast {
                let e = try evaluate(net, on: evalSplit, splitName: "val", context: net.context, maxBatches: options.eval_batches)
                lastEval = e
                point.val_loss = e.loss
                point.val_metric = e.metric
                if state.bestMetric.map({ data.metricKind.isBetter(e.metric, than: $0) }) ?? true {
                    state.bestMetric = e.metric
                    state.bestStep = step
                    bestEval = e
                    try net.modelFile(vocabulary: vocabulary).write(to: bestPath)
                }
                progress.note("step \(step): val loss \(String(format: "%.4f", e.loss))" +
                              (e.accuracy.map { String(format: ", val accuracy %.4f", $0) } ?? "") +
                              (state.bestStep == step ? " (best so far)" : ""))
            }
            if step % options.log_every == 0 || point.val_loss != nil || isLast {
                state.curve.append(point)
                try appendLog(point, grad: norm)
            }
            progress.update(step: step, loss: loss, rate: rate, log: step % options.log_every == 0)
            if (options.checkpoint_every > 0 && step % options.checkpoint_every == 0) || isLast {
                state.step = step
                state.sampler = batches.state
                state.dropoutRNG = dropRNG.state
                state.elapsed = elapsedBefore + Date().timeIntervalSince(runStart)
                try Checkpoint.write(to: checkpointPath, net: net, optimizer: optimizer, state: state)
                lastCheckpointStep = step
            }
            afterStep?(step)
        }
        let seconds = elapsedBefore + Date().timeIntervalSince(runStart)
        return Result(steps: total, curve: state.curve, best: bestEval ?? lastEval, bestStep: state.bestStep, last: lastEval,
                      seconds: seconds, seen: total * options.grad_accum * batches.unitsPerBatch, resumed: hasCheckpoint)
    }

    private func appendLog(_ p: CurvePoint, grad: Double) throws {
        var obj: [String: JSONValue] = ["step": .number(Double(p.step)), "train_loss": .number(p.train_loss),
                                        "lr": .number(p.lr), "grad_norm": .number(grad)]
        if let v = p.val_loss { obj["val_loss"] = .number(v) }
        if let v = p.val_metric { obj["val_metric"] = .number(v) }
        let line = Data((JSONValue.object(obj).description + "\n").utf8)
        if let h = FileHandle(forWritingAtPath: logPath) {
            h.seekToEndOfFile(); h.write(line); try h.close()
        } else {
            try line.write(to: URL(fileURLWithPath: logPath))
        }
    }

    /// Drops log lines past the resumed checkpoint, so the log holds one trajectory.
    private func truncateLog(after step: Int) throws {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let v = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), let s = v["step"]?.number else { return false }
            return Int(s) <= step
        }
        try writeAtomically(to: logPath) { tmp in
            try Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8).write(to: URL(fileURLWithPath: tmp))
        }
    }
}
