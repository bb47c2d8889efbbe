// Distill+Runs: the three kinds of training run of a distillation: the method's search (successive halving within
// search_share of the budget), the final run with the winner, and the scratch baseline.
import CondenseCore
import Foundation

extension DistillPlan {
    /// The method's search over its candidates (none when it has one), resumable from sweep.json.
    func search() throws -> SearchResult {
        let sweepPath = dir + "/sweep.json"
        let done = (try? JSONDecoder().decode([SweepRow].self, from: Data(contentsOf: URL(fileURLWithPath: sweepPath)))) ?? []
        let result = try successiveHalving(
            method.candidates(config), eta: config.search_eta, budget: Int(Double(total) * config.search_share),
            metric: data.metricKind, done: done,
            record: { rows in
                if run.reducer.isWriter { try JSONEncoder().encode(rows).write(to: URL(fileURLWithPath: sweepPath), options: .atomic) }
            },
            train: { c, steps, rung in try searchCandidate(c, steps: steps, rung: rung) })
        if !result.rows.isEmpty {
            log("search: chose \(result.winner) (\(result.steps) steps)")
        }
        return result
    }

    /// One candidate of one rung, in a folder that is removed afterwards.
    private func searchCandidate(_ c: Candidate, steps: Int, rung: Int) throws -> (EvalResult, Double) {
        let t0 = Date()
        var o = options(steps: steps)
        o.eval_every = 0; o.checkpoint_every = 0; o.log_every = max(steps, 1)
        o.warmup_steps = min(o.warmup_steps, steps / 5)
        let runDir = dir + "/search/r\(rung)-\(c.slug)"
        let reducer = run.reducer
        // Removed by rank 0 inside a collective, so no rank looks for a stale checkpoint while it goes.
        try reducer.together { if reducer.isWriter { try? FileManager.default.removeItem(atPath: runDir) } }
        let r = try trainStudent(copyOf: student, data: data, options: o, config: config, candidate: c, teacher: teacher,
                                 runDir: runDir, resolved: resolved, resume: false, quiet: true, method: method, reducer: reducer)
        try reducer.together { if reducer.isWriter { try? FileManager.default.removeItem(atPath: runDir) } }
        let e = r.last!
        log(String(format: "search rung %d: %@, %d steps: val %@ %.4f (loss %.4f)", rung, c.description, steps,
                   data.metricKind.rawValue, e.metric, e.loss))
        return (e, Date().timeIntervalSince(t0))
    }

    /// The resolved config the final run is checked against on resume: the config plus the searched choice.
    func finalConfig(_ win: Candidate) throws -> JSONValue {
        guard method.searches(config), case .object(var m) = resolved else { return resolved }
        m["chosen"] = try JSONValue(encoding: win)
        return .object(m)
    }

    /// The full run with the winner on the rest of the budget; returns its best model and the Trainer's result.
    func final(_ search: SearchResult) throws -> (ModelFile, Trainer.Result) {
        let win = search.winner
        let r = try trainStudent(copyOf: student, data: data, options: options(steps: max(1, total - search.steps)),
                                 config: config, candidate: win, teacher: teacher, runDir: dir + "/final",
                                 resolved: try finalConfig(win), resume: run.resume, quiet: run.quiet,
                                 vocabulary: student.vocabulary, method: method, reducer: run.reducer)
        var out = try ModelFile.read(dir + "/final/best.h5")
        out.vocabulary = student.vocabulary
        logOnPolicy(r)
        return (out, r)
    }

    /// The scratch baseline: the student's architecture from random init, task loss only (no augmentation, no
    /// hidden loss, whatever the method), the same total budget. nil unless baseline is "scratch".
    func baseline() throws -> (DistillDetails.Baseline, [CurvePoint])? {
        guard config.baseline == "scratch" else { return nil }
        var plain = config
        plain.method = .soft
        plain.augment = false
        plain.hidden_loss = .none
        let fresh = makeNetwork(student.architecture, seed: config.seed).modelFile()
        let r = try trainStudent(copyOf: fresh, data: data, options: options(steps: total), config: plain,
                                 candidate: Candidate(alpha: 0, temperature: 1), teacher: teacher, runDir: dir + "/baseline",
                                 resolved: resolved, resume: run.resume, quiet: run.quiet, vocabulary: student.vocabulary,
                                 method: SoftMethod(), reducer: run.reducer)
        let best = dir + "/baseline/best.h5"
        let e = try evaluate(makeNetwork(try ModelFile.read(best)), on: valSplit, splitName: "val", context: studentContext,
                             maxBatches: config.train.eval_batches, reducer: run.reducer)
        return (DistillDetails.Baseline(val: e, steps: r.steps, seen: r.seen, seconds: r.seconds, model: best), r.curve)
    }
}
