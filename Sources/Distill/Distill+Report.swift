// Distill+Report: the distilled model's history record and the stage report, whose details are a DistillDetails.
import CondenseCore
import Foundation

extension DistillPlan {
    func report(model: ModelFile, search: SearchResult, final: Trainer.Result,
                baseline: (DistillDetails.Baseline, [CurvePoint])?, wall: Double) throws -> (ModelFile, StageReport) {
        var out = model
        let after = try evaluate(makeNetwork(out), on: valSplit, splitName: "val", context: studentContext,
                                 maxBatches: config.train.eval_batches, reducer: run.reducer)
        let win = search.winner
        let d = try details(after: after, search: search, final: final, baseline: baseline, model: model)
        let finalJSON = try finalConfig(win)
        var metrics: [String: JSONValue] = ["val_before": .number(before.metric), "val_after": .number(after.metric),
                                            "teacher_val": .number(teacherVal.metric),
                                            "gap_recovered": d.gap_recovered.map { .number($0) } ?? .null,
                                            "method": .string(config.method.rawValue),
                                            "seen": .number(Double(d.seen)), "seconds": .number(wall)]
        if let c = d.chosen {
            if let m = c.hard_mix { metrics["hard_mix"] = .number(m) }
            else { metrics["alpha"] = .number(c.alpha); metrics["temperature"] = .number(c.temperature) }
        }
        if let b = baseline?.0.val { metrics["baseline_val"] = .number(b.metric) }
        out.history = student.history + [HistoryRecord(stage: "distill", config: finalJSON, paramsBefore: student.parameterCount,
                                                       paramsAfter: out.parameterCount, metrics: .object(metrics), seed: config.seed).json]
        let report = StageReport(stage: "distill", paramsBefore: student.parameterCount, paramsAfter: out.parameterCount,
                                 metricKind: data.metricKind, metricBefore: before.metric, metricAfter: after.metric,
                                 wallSeconds: wall, seed: config.seed, config: finalJSON, details: try JSONValue(encoding: d))
        return (out, report)
    }

    private func details(after: EvalResult, search: SearchResult, final: Trainer.Result,
                         baseline: (DistillDetails.Baseline, [CurvePoint])?, model: ModelFile) throws -> DistillDetails {
        let gap = teacherVal.metric - before.metric
        let unitsPerStep = data.metricKind == .accuracy ? config.train.batch_size : config.train.batch_size * studentContext
        let members = teachers.count == 1 ? nil : zip(teachers, memberVals).enumerated().map { i, p in
            DistillDetails.Member(params: p.0.parameterCount, digest: modelDigest(p.0),
                                  weight: weights[i], val: p.1)
        }
        var d = DistillDetails(
            method: config.method,
            teacher: .init(val: teacherVal, params: teachers.reduce(0) { $0 + $1.parameterCount }, digest: teacher.digest, members: members),
            student_before: before, student_after: after, search: search,
            final: .init(steps: final.steps, best_step: final.bestStep, seconds: final.seconds, resumed: final.resumed),
            total_steps: total, seen: search.steps * config.train.grad_accum * unitsPerStep + final.seen,
            seen_unit: data.metricKind == .accuracy ? "examples" : "tokens", teacher_seconds: teacher.usage.seconds,
            run_dir: dir, curve: final.curve)
        d.gap_recovered = abs(gap) > 1e-12 ? (after.metric - before.metric) / gap : nil
        d.chosen = method.searches(config) ? search.winner : nil
        d.search.candidates = method.candidates(config).count
        d.search.eta = config.search_eta
        d.baseline = baseline?.0
        d.baseline_curve = baseline?.1
        d.cache = cacheSummary()
        d.hidden = try hiddenSummary()
        d.transfer = transfer
        d.on_policy = onPolicySummary(final)
        d.generation = try generationMetrics(of: model, name: "student")
        d.baseline_generation = try baseline.flatMap { try generationMetrics(of: try ModelFile.read($0.0.model), name: "baseline") }
        if config.method == .hard {
            d.hard = .init(mix: search.winner.hard_mix ?? config.hard_mix.value ?? 0, temperature: config.hard_temperature)
        }
        return d
    }

    private func cacheSummary() -> DistillDetails.CacheSummary? {
        guard let cache = teacher as? CachedTeacher, let perRow = onlineRowSeconds else { return nil }
        let online = Double(cache.usage.rowsServed) * perRow
        return .init(reused: cache.reused, build_seconds: cache.buildSeconds, kind: cache.topK == nil ? "full" : "topk",
                     top_k: cache.topK, rows_cached: cache.rowCount, lookup_seconds: cache.usage.seconds, misses: cache.misses,
                     online_estimate_seconds: online, seconds_saved: online - (cache.usage.seconds + cache.buildSeconds))
    }

    private func hiddenSummary() throws -> DistillDetails.HiddenSummary? {
        guard config.hidden_loss != .none, case .gpt(let sc) = student.architecture,
              case .gpt(let tc) = teachers[0].architecture else { return nil }
        let pairs = try hiddenPairs(config, student: sc, teacher: tc)
        return .init(loss: config.hidden_loss.rawValue, weight: config.hidden_weight, map: pairs.map { [$0.student, $0.teacher] },
                     projection: sc.n_embd != tc.n_embd)
    }
}
