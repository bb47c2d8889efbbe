// Distill+Mutual: the mutual method's run: no teacher; the student's architecture and the peers', each from random
// init, trained together by one Trainer (the peers ride as its extra parameters), then the report.
import CondenseCore
import Foundation

/// Every peer must share the student's family, outputs (classes or vocabulary), inputs and vocabulary, and a GPT
/// peer must take the student's context. Peer k is named by its position (1-based), as given.
public func checkPeers(student: ModelFile, peers: [ModelFile]) throws {
    func bad(_ k: Int, _ expected: String, _ found: String) -> ConfigError {
        ConfigError("distill", key: "peers", expected: "peer \(k) with \(expected) (every network of a mutual run shares the student's outputs and inputs)",
                    found: found)
    }
    for (i, p) in peers.enumerated() {
        let k = i + 1
        switch (student.architecture, p.architecture) {
        case (.mlp(let s), .mlp(let q)):
            if s.classes != q.classes { throw bad(k, "the student's \(s.classes) classes", "\(q.classes) classes") }
            if s.inputs != q.inputs { throw bad(k, "the student's \(s.inputs) input features", "\(q.inputs) features") }
        case (.gpt(let s), .gpt(let q)):
            if s.vocab_size != q.vocab_size { throw bad(k, "the student's vocabulary of \(s.vocab_size) tokens", "\(q.vocab_size) tokens") }
            if let sv = student.vocabulary, let pv = p.vocabulary, sv != pv {
                let j = zip(sv, pv).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                throw bad(k, "the student's vocabulary", "a different token \(j) (\(pv[j].debugDescription) vs \(sv[j].debugDescription))")
            }
            if q.block_size < s.block_size { throw bad(k, "a context of at least the student's \(s.block_size)", "\(q.block_size)") }
        default:
            throw bad(k, "the student's family (\(student.architecture.family))", "a \(p.architecture.family) model")
        }
    }
}

/// Mutual learning: network 0 (the student's architecture) and the peers' architectures, re-initialised from the
/// seed (`mutualInit`), trained on the same batches for the whole budget in RUN/final. The output is the student's
/// best by validation metric; each peer's last weights are RUN/final/peerK.h5.
func distillMutual(student: ModelFile, peers: [ModelFile], config: DistillConfig, data: TaskData,
                   run: DistillRunOptions) throws -> (ModelFile, StageReport) {
    let start = Date()
    try config.validate()
    let peers = try peers + config.peer_configs.map { try peerFromConfig($0, student: student, data: data) }
    try checkPeers(student: student, peers: peers)
    try data.check(student.architecture, model: "student")
    for p in peers { try data.check(p.architecture, model: "peer") }
    if run.reducer.size > 1 { try DistillPlan.checkRanks(config, run: run) }
    let dir = try teacherFreeFolder(run)
    let val = try data.split(.val)
    let context = makeNetwork(student).context
    let before = try evaluate(makeNetwork(student), on: val, splitName: "val", context: context,
                              maxBatches: config.train.eval_batches, reducer: run.reducer)
    let net = mutualInit(student.architecture, seed: config.seed, index: 0)
    let peerNets = peers.enumerated().map { mutualInit($0.element.architecture, seed: config.seed, index: $0.offset + 1) }
    let pieces = try MutualRun(student: net, peers: peerNets, data: data, options: wholeBudget(config, data: data), config: config)
    let (r, out) = try trainWholeBudget(net, pieces: MethodRun(objective: pieces.objective, batches: pieces.batches,
                                                               extra: pieces.extra, clipGroups: pieces.clipGroups),
                                        student: student, config: config, data: data, dir: dir, run: run)
    let networks = try mutualNetworks(student: out, peers: peerNets, dir: dir, val: val, config: config, run: run)
    let mutual = DistillDetails.MutualSummary(alpha: config.mutual_alpha, temperature: config.mutual_temperature, networks: networks)
    return try teacherFreeReport(student: student, model: out, before: before, after: networks[0].val, final: r, mutual: mutual,
                                 config: config, data: data, dir: dir, wall: Date().timeIntervalSince(start))
}

/// An untrained model of the architecture a `condense train` config describes for `data` (only its model section
/// is read); its weights are never used.
func peerFromConfig(_ path: String, student: ModelFile, data: TaskData) throws -> ModelFile {
    let c = try TrainConfig.load(path: path)
    let arch = try c.architecture(features: data.features, classes: data.classes, vocabulary: data.vocabulary?.count, file: path)
    return makeNetwork(arch, seed: 0).modelFile(vocabulary: student.vocabulary)
}

/// The student's and each peer's validation result; the peers' last weights written to RUN/final/peerK.h5 (rank 0).
private func mutualNetworks(student: ModelFile, peers: [Network], dir: String, val: EvalSplit, config: DistillConfig,
                            run: DistillRunOptions) throws -> [DistillDetails.MutualNetwork] {
    func eval(_ n: Network) throws -> EvalResult {
        try evaluate(n, on: val, splitName: "val", context: n.context, maxBatches: config.train.eval_batches, reducer: run.reducer)
    }
    var rows = [DistillDetails.MutualNetwork(name: "student", params: student.parameterCount, val: try eval(makeNetwork(student)),
                                             model: dir + "/final/best.h5")]
    for (i, p) in peers.enumerated() {
        let path = dir + "/final/peer\(i + 1).h5"
        let file = p.modelFile(vocabulary: student.vocabulary)
        try run.reducer.onWriter { try file.write(to: path) }
        rows.append(.init(name: "peer\(i + 1)", params: file.parameterCount, val: try eval(p), model: path))
    }
    return rows
}

/// The student's history record and the stage report of a run without a teacher and without a search: mutual
/// learning (`mutual` given), or the task loss alone (a comparison's finetune or scratch when no teacher is given).
func teacherFreeReport(student: ModelFile, model: ModelFile, before: EvalResult, after: EvalResult, final: Trainer.Result,
                       mutual: DistillDetails.MutualSummary?, config: DistillConfig, data: TaskData,
                       dir: String, wall: Double) throws -> (ModelFile, StageReport) {
    var out = model
    let winner = mutual == nil ? Candidate(alpha: 0, temperature: 1)
                               : Candidate(alpha: config.mutual_alpha, temperature: config.mutual_temperature)
    let none = SearchResult(winner: winner, rows: [], steps: 0, rung0_steps: 0, seconds: 0)
    var d = DistillDetails(method: mutual == nil ? config.method : .mutual, teacher: nil, student_before: before, student_after: after, search: none,
                           final: .init(steps: final.steps, best_step: final.bestStep, seconds: final.seconds, resumed: final.resumed),
                           total_steps: final.steps, seen: final.seen,
                           seen_unit: data.metricKind == .accuracy ? "examples" : "tokens", teacher_seconds: 0,
                           run_dir: dir, curve: final.curve)
    d.search.candidates = 1
    d.search.eta = config.search_eta
    d.mutual = mutual
    let resolved = try JSONValue(encoding: config)
    var metrics: [String: JSONValue] = ["val_before": .number(before.metric), "val_after": .number(after.metric),
                                        "method": .string(d.method.rawValue), "alpha": .number(winner.alpha),
                                        "temperature": .number(winner.temperature),
                                        "seen": .number(Double(final.seen)), "seconds": .number(wall)]
    if let mutual { metrics["peers"] = .number(Double(mutual.networks.count - 1)) }
    out.history = student.history + [HistoryRecord(stage: "distill", config: resolved, paramsBefore: student.parameterCount,
                                                   paramsAfter: out.parameterCount, metrics: .object(metrics), seed: config.seed).json]
    let report = StageReport(stage: "distill", paramsBefore: student.parameterCount, paramsAfter: out.parameterCount,
                             metricKind: data.metricKind, metricBefore: before.metric, metricAfter: after.metric,
                             wallSeconds: wall, seed: config.seed, config: resolved, details: try JSONValue(encoding: d))
    return (out, report)
}
