// Trainer+Step: one optimizer step: micro-batches, objective and backward, the NaN guard, clipping, AdamW, then the
// evaluation, log line and checkpoint when due.
import Foundation

extension Trainer {
    /// Takes one optimizer step (after `start`), and returns its curve point.
    @discardableResult
    public func step() throws -> CurvePoint {
        guard let s = session else { preconditionFailure("Trainer.step() before start(resume:)") }
        precondition(s.state.step < s.total, "Trainer.step() after the last step")
        let step = s.state.step, t0 = Date()
        net.params.zeroGrads()
        extraParameters?.zeroGrads()
        var loss = 0.0
        for micro in 0..<options.grad_accum {
            loss += try microBatch(s, step: step, micro: micro) / Double(options.grad_accum)
        }
        try reduceGradients(s, loss: &loss)
        try checkGradients(s, step: step)
        let norm = net.params.gradNorm()
        if options.grad_clip > 0 && norm > options.grad_clip {
            for g in net.params.grads { g.scale(Float(options.grad_clip / norm)) }
        }
        if let extra = extraParameters { clipGroups(extra) }
        let lr = learningRate(step: step, total: s.total, warmup: options.warmup_steps, lr: options.lr, minLR: options.min_lr)
        s.optimizers.model.step(net.params, lr: Float(lr))
        if let extra = extraParameters, let o = s.optimizers.extra { o.step(extra, lr: Float(lr)) }
        try checkParameters(s, step: step)
        let done = step + 1
        s.state.step = done
        let rate = Double(s.batches.unitsPerBatch * options.grad_accum) / max(Date().timeIntervalSince(t0), 1e-9)
        var point = CurvePoint(step: done, train_loss: loss, lr: lr, val_loss: nil, val_metric: nil)
        let atBudget = done == s.total
        if (options.eval_every > 0 && done % options.eval_every == 0) || atBudget { try evaluateNow(s, into: &point) }
        if done % options.log_every == 0 || point.val_loss != nil || atBudget {
            s.state.curve.append(point)
            if reducer.isWriter { try appendLog(point, grad: norm) }
        }
        let stopped = !atBudget && point.val_loss != nil && stoppedEarly(s.state)
        if stopped {
            s.progress.note("step \(done): \(options.patience) evaluations without a better validation metric than step \(s.state.bestStep ?? 0); stopping early")
        }
        let isLast = atBudget || stopped
        s.progress.update(step: done, loss: loss, rate: rate, log: done % options.log_every == 0)
        if (options.checkpoint_every > 0 && done % options.checkpoint_every == 0) || isLast {
            s.state.sampler = s.batches.state
            s.state.dropoutRNG = s.dropRNG.state
            s.state.elapsed = s.elapsedBefore + Date().timeIntervalSince(s.runStart)
            if reducer.isWriter {
                try Checkpoint.write(to: checkpointPath, net: net, optimizer: s.optimizers.model, state: s.state,
                                     extra: extraParameters.flatMap { p in s.optimizers.extra.map { (p, $0) } })
            }
            s.lastCheckpointStep = done
        }
        // The other ranks read best.h5 once the run is over: it must be complete by then.
        if isLast { try reducer.barrier() }
        return point
    }

    /// One micro-batch: draw, forward, objective, backward (dlogits scaled by 1/grad_accum). Returns its loss.
    private func microBatch(_ s: Session, step: Int, micro: Int) throws -> Double {
        try s.batches.next(step: step, micro: micro)
        let targets = s.batches.targets
        return try s.batches.withInput { input in
            let logits = net.forward(input, training: true, rng: &s.dropRNG)
            // logits, dlogits (rows, outputs)
            let l = targets.withUnsafeBufferPointer {
                objective.lossAndGradient(logits: logits, dlogits: s.dlogits.data, targets: $0.baseAddress!,
                                          input: input, rows: s.rows, cols: net.outputs)
            }
            guard l.isFinite else {
                let bad = Ops.firstNonFinite(logits, s.rows * net.outputs)
                throw diverged(s, step: step, bad == nil ? "the loss" : "the logits", Float(l), bad)
            }
            if options.grad_accum > 1 { s.dlogits.scale(1 / Float(options.grad_accum)) }
            net.backward(dlogits: s.dlogits.data)
            if let shard = s.batches as? ShardedBatches { s.shardWeight += shard.weight / Double(options.grad_accum) }
            return l
        }
    }

    /// With several ranks: each rank's gradient (and loss) is the mean over its shard, so it is weighted by the shard's
    /// share w of the global batch's scored targets, and the weighted terms are summed over the ranks, giving the
    /// mean over the global batch: Σ_r w_r·(1/n_r)·Σ_{i∈r} g_i = (1/n)·Σ_i g_i with w_r = n_r/n. The weight is the
    /// step's mean over its micro-batches (they hold equal shares unless padding differs between them, which no
    /// training source produces). Every rank then holds the same sums, and so steps identically.
    private func reduceGradients(_ s: Session, loss: inout Double) throws {
        guard reducer.size > 1 else { return }
        let w = s.shardWeight
        s.shardWeight = 0
        let grads = net.params.grads + (extraParameters?.grads ?? [])
        if w != 1 { for g in grads { g.scale(Float(w)) } }
        try reducer.sum(grads)
        var l = [loss * w]
        try reducer.sum(&l)
        loss = l[0]
    }

    /// Each of `extraClipGroups` clipped by its own norm, as the model's (the norm summed in the same order).
    private func clipGroups(_ extra: ParameterStore) {
        guard options.grad_clip > 0 else { return }
        for group in extraClipGroups {
            let norm = extra.grads[group].reduce(0.0) { $0 + Double($1.sumOfSquares()) }.squareRoot()
            if norm > options.grad_clip { for g in extra.grads[group] { g.scale(Float(options.grad_clip / norm)) } }
        }
    }

    private func checkGradients(_ s: Session, step: Int) throws {
        for p in [net.params] + (extraParameters.map { [$0] } ?? []) {
            if let (name, i) = p.firstNonFinite(inGrads: true) {
                throw diverged(s, step: step, "the gradient of \(name)", p.grad(name)[i], i)
            }
        }
    }

    private func checkParameters(_ s: Session, step: Int) throws {
        for p in [net.params] + (extraParameters.map { [$0] } ?? []) {
            if let (name, i) = p.firstNonFinite() {
                throw diverged(s, step: step, "the parameter \(name) after the update", p[name][i], i)
            }
        }
    }

    private func diverged(_ s: Session, step: Int, _ tensor: String, _ value: Float, _ index: Int?) -> NumericalError {
        NumericalError(step: step + 1, tensor: tensor, value: value, index: index,
                       checkpoint: s.lastCheckpointStep.map { _ in checkpointPath }, checkpointStep: s.lastCheckpointStep)
    }

    /// Evaluates on the validation split, records the point, and keeps best.h5 when the metric improved.
    private func evaluateNow(_ s: Session, into point: inout CurvePoint) throws {
        let e = try evaluate(net, on: s.evalSplit, splitName: "val", context: net.context, maxBatches: options.eval_batches,
                             reducer: reducer)
        s.lastEval = e
        point.val_loss = e.loss
        point.val_metric = e.metric
        if s.state.bestMetric.map({ data.metricKind.isBetter(e.metric, than: $0) }) ?? true {
            s.state.bestMetric = e.metric
            s.state.bestStep = point.step
            s.bestEval = e
            if reducer.isWriter { try net.modelFile(vocabulary: vocabulary).write(to: bestPath) }
        }
        s.progress.note("step \(point.step): val loss \(String(format: "%.4f", e.loss))" +
                        (e.accuracy.map { String(format: ", val accuracy %.4f", $0) } ?? "") +
                        (s.state.bestStep == point.step ? " (best so far)" : ""))
    }

    func appendLog(_ p: CurvePoint, grad: Double) throws {
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
    func truncateLog(after step: Int) throws {
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
