// TrainingArguments: the optimizer, schedule and budget options shared by the commands that train (distill), and the
// run-folder options shared by every command that keeps a resumable run (train, distill).
import ArgumentParser
import CondenseCore

struct TrainingArguments: ParsableArguments {
    @Option(help: "Total optimizer steps (for distill: search + final run), when --epochs is 0.") var steps: Int?
    @Option(help: "Epochs of the training split (images); overrides --steps.") var epochs: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Peak learning rate.") var lr: Double?
    @Option(help: "Final learning rate of the cosine schedule.") var minLr: Double?
    @Option(help: "Warmup steps.") var warmupSteps: Int?
    @Option(help: "AdamW weight decay.") var weightDecay: Double?
    @Option(help: "Global gradient-norm clip (0 disables it).") var gradClip: Double?
    @Option(help: "Evaluate on the validation split every N steps.") var evalEvery: Int?
    @Option(help: "Validation batches per evaluation (0 = all).") var evalBatches: Int?
    @Option(help: "Stop once N evaluations in a row have not improved the best validation metric (0 = train the whole budget).") var patience: Int?
    @Option(help: "Checkpoint every N steps.") var checkpointEvery: Int?
    @Option(help: "Log the train loss every N steps.") var logEvery: Int?
    @Option(help: "Random seed.") var seed: UInt64?

    /// Writes the given options over `o` (a lower --lr also lowers min_lr when --min-lr is not given).
    func apply(to o: inout TrainingOptions) {
        if let v = steps { o.steps = v; o.epochs = 0 }
        if let v = epochs { o.epochs = v }
        if let v = batchSize { o.batch_size = v }
        if let v = lr { o.lr = v; if minLr == nil { o.min_lr = min(o.min_lr, v) } }
        if let v = minLr { o.min_lr = v }
        if let v = warmupSteps { o.warmup_steps = v }
        if let v = weightDecay { o.weight_decay = v }
        if let v = gradClip { o.grad_clip = v }
        if let v = evalEvery { o.eval_every = v }
        if let v = evalBatches { o.eval_batches = v }
        if let v = patience { o.patience = v }
        if let v = checkpointEvery { o.checkpoint_every = v }
        if let v = logEvery { o.log_every = v }
    }
}

struct RunFolderArguments: ParsableArguments {
    @Option(help: "Folder for the run's checkpoints and log (default: OUTPUT without .h5, plus .run).")
    var runDir: String?
    @Flag(help: "Continue the run from its last checkpoint.") var resume = false
    @Flag(help: "Discard an earlier run in the run folder and start over.") var force = false

    /// The run folder for `output`.
    func folder(for output: String) -> String {
        runDir ?? (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + ".run"
    }
}

/// A config error with its key spelled as the command's flag ("hard_mix" → "--hard-mix"); other errors unchanged.
func flagged(_ error: Error, flags: [String: String] = [:]) -> Error {
    guard let e = error as? ConfigError else { return error }
    let flag = flags[e.key] ?? "--" + e.key.replacingOccurrences(of: "_", with: "-")
    return ValidationError(e.describing(key: flag))
}
