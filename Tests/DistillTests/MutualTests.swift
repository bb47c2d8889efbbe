// MutualTests: deep mutual learning: α = 0 is independent training bit for bit, the mutual term against
// tools/distill_reference.py, seeded runs, kill -9 and --resume, and bad input through the CLI.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Distill

@Suite struct MutualTests {
    let w = Synthetic.weights(features: 16, classes: 4, seed: 3)

    func config(alpha: Double, steps: Int = 30, seed: UInt64 = 5) -> DistillConfig {
        var c = DistillConfig()
        c.method = .mutual; c.peers = ["peer1"]; c.mutual_alpha = alpha; c.mutual_temperature = 2; c.seed = seed
        c.train.steps = steps; c.train.epochs = 0; c.train.batch_size = 32; c.train.eval_every = 0
        c.train.warmup_steps = 5; c.train.log_every = 10; c.train.checkpoint_every = 0; c.train.eval_batches = 2
        return c
    }

    /// Runs a mutual distillation in a fresh folder; returns the student's and peer 1's last weights.
    func mutual(_ c: DistillConfig, peers: [ModelFile]) throws -> (student: [Float], peer: [Float], report: StageReport) {
        let dir = TestSupport.tempDir("mutual").path
        var run = DistillRunOptions(runDir: dir, quiet: true)
        run.peers = peers
        let (out, r) = try distill(student: Synthetic.mlp(16, [8], 4, seed: 1), teachers: [], config: c,
                                   data: Synthetic.task(w: w), run: run)
        return (flat(out), flat(try ModelFile.read(dir + "/final/peer1.h5")), r)
    }

    func flat(_ m: ModelFile) -> [Float] { m.parameters.keys.sorted().flatMap { m.parameters[$0]!.array } }

    /// With α = 0 each network's loss is its own cross-entropy through the same code as `CrossEntropyObjective`, its
    /// batches are the same seeded sampler's, its clip its own norm and its AdamW moments its own: after 30 steps the
    /// student and the peer hold the weights of training each alone, bit for bit. (eval_every 0: the student's best.h5
    /// is its last step.)
    @Test func alphaZeroIsIndependentTraining() throws {
        let c = config(alpha: 0)
        let peer = Synthetic.mlp(16, [12], 4, seed: 9)
        let (student, peerWeights, _) = try mutual(c, peers: [peer])
        var o = c.train
        o.steps = 30; o.epochs = 0
        for (i, arch) in [Synthetic.mlp(16, [8], 4, seed: 1).architecture, peer.architecture].enumerated() {
            let net = mutualInit(arch, seed: c.seed, index: i)
            let t = Trainer(net: net, data: Synthetic.task(w: w), options: o, seed: c.seed,
                            runDir: TestSupport.tempDir("alone").path, config: .null)
            t.quiet = true
            _ = try t.run(resume: false)
            #expect(flat(net.modelFile()) == (i == 0 ? student : peerWeights), "network \(i) differs from its training alone")
        }
    }

    /// The same for GPTs on text (a student of 1 block and a peer of 2, one context): bit for bit their training alone.
    @Test func alphaZeroIsIndependentTrainingForGPTs() throws {
        let corpus = try CharCorpus()
        let v = corpus.vocabulary.count
        func gpt(_ layers: Int) -> ModelFile {
            var m = makeNetwork(.gpt(GPTConfig(n_layer: layers, n_head: 2, head_dim: 4, n_embd: 8, ffn_hidden: 16, block_size: 8,
                                               vocab_size: v, bias: true, tie_embeddings: true, dropout: 0)), seed: 1).modelFile()
            m.vocabulary = corpus.vocabulary.scalars.map { String($0) }
            return m
        }
        var c = config(alpha: 0, steps: 6)
        c.train.batch_size = 4
        let dir = TestSupport.tempDir("mutual-gpt").path
        var run = DistillRunOptions(runDir: dir, quiet: true)
        run.peers = [gpt(2)]
        let (out, _) = try distill(student: gpt(1), teachers: [], config: c, data: .text(corpus), run: run)
        var o = c.train
        o.steps = 6; o.epochs = 0
        for (i, m) in [(0, out), (1, try ModelFile.read(dir + "/final/peer1.h5"))] {
            let net = mutualInit(i == 0 ? gpt(1).architecture : gpt(2).architecture, seed: c.seed, index: i)
            let t = Trainer(net: net, data: .text(corpus), options: o, seed: c.seed, runDir: TestSupport.tempDir("alone").path, config: .null)
            t.quiet = true
            _ = try t.run(resume: false)
            #expect(flat(net.modelFile()) == flat(m), "GPT network \(i) differs from its training alone")
        }
    }

    // Tolerance. MutualObjective computes each row in float64 from the float32 logits and rounds the gradient once to
    // float32: |error| ≤ 2⁻²⁴·|g| ≤ 6e-8·|g|, with |g| ≤ (2 + 2αT)/count. The loss stays float64 (error ≈ 1e-15
    // relative). The reference's central differences (h = 1e-6, float64) add h²/6·|L'''| ≲ 1e-11 and a cancellation
    // error ≈ 2⁻⁵³·|L|/h ≲ 1e-9 for |L| ≲ 10. So 1e-7 absolute on the gradient and 1e-9 relative on the loss; a
    // missing T, a KL direction swapped or a mean over j taken as a sum is O(0.01) off.
    @Test(arguments: [(2, 1.0, 1.0), (3, 0.7, 2.0), (4, 2.0, 0.5)])
    func mutualTermMatchesTheNumpyReference(nets: Int, alpha: Double, temperature: Double) throws {
        let rows = 6, cols = 7
        let z = (0..<nets).map { Synthetic.randoms(rows * cols, seed: 60 + UInt64($0)) }
        var y = (0..<rows).map { Int32(($0 * 3) % cols) }
        y[2] = -1  // padding
        var grads = (0..<nets).map { _ in [Float](repeating: 7, count: rows * cols) }
        let pointers = z.map { a in UnsafeMutablePointer<Float>.allocate(capacity: a.count) }
        let out = grads.map { a in UnsafeMutablePointer<Float>.allocate(capacity: a.count) }
        defer { for p in pointers + out { p.deallocate() } }
        for i in 0..<nets { pointers[i].initialize(from: z[i], count: z[i].count) }
        let losses = y.withUnsafeBufferPointer { t in
            MutualObjective.loss(logits: pointers.map { UnsafePointer($0) }, targets: t.baseAddress!, rows: rows, cols: cols,
                                 alpha: alpha, temperature: temperature, dlogits: out)
        }
        for i in 0..<nets { grads[i] = Array(UnsafeBufferPointer(start: out[i], count: rows * cols)) }
        let bin = TestSupport.tempDir("mutual-ref").appendingPathComponent("in.bin")
        try (z.flatMap { $0 } + y.map { Float($0) }).withUnsafeBytes { try Data($0).write(to: bin) }
        let text = try TestSupport.tool("distill_reference.py", ["mutual", bin.path, "\(nets)", "\(rows)", "\(cols)", "\(alpha)", "\(temperature)"])
        let ref = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let refLosses = (ref["losses"] as! [NSNumber]).map(\.doubleValue)
        for i in 0..<nets {
            #expect(abs(losses[i] - refLosses[i]) <= 1e-9 * max(1, abs(refLosses[i])), "network \(i): loss \(losses[i]), numpy \(refLosses[i])")
        }
        let refGrads = (ref["grads"] as! [NSNumber]).map(\.doubleValue)
        let err = zip(grads.flatMap { $0 }, refGrads).map { abs(Double($0) - $1) }.max()!
        #expect(err <= 1e-7, "largest gradient error \(err)")
        for i in 0..<nets { for j in 0..<cols { #expect(grads[i][2 * cols + j] == 0, "a padding row gets no gradient") } }
    }

    /// A peer given as a training config: its model section, sized to the data, is the peer's architecture.
    @Test func aPeerConfigGivesThePeersArchitecture() throws {
        let dir = TestSupport.tempDir("mutual-config")
        let yaml = dir.appendingPathComponent("peer.yaml")
        try "model:\n  family: mlp\n  hidden: [12, 6]\n".write(to: yaml, atomically: true, encoding: .utf8)
        var c = config(alpha: 1)
        c.peers = []; c.peer_configs = [yaml.path]
        var run = DistillRunOptions(runDir: dir.appendingPathComponent("run").path, quiet: true)
        run.peers = []
        let (_, r) = try distill(student: Synthetic.mlp(16, [8], 4, seed: 1), teachers: [], config: c, data: Synthetic.task(w: w), run: run)
        let nets = try #require(try DistillDetails(report: r).mutual?.networks)
        #expect(nets.map(\.params) == [16 * 8 + 8 + 8 * 4 + 4, 16 * 12 + 12 + 12 * 6 + 6 + 6 * 4 + 4])
    }

    @Test func seededRunsAreIdenticalAndAnotherSeedDiffers() throws {
        let peer = Synthetic.mlp(16, [12], 4, seed: 9)
        let a = try mutual(config(alpha: 1), peers: [peer]), b = try mutual(config(alpha: 1), peers: [peer])
        #expect(a.student == b.student && a.peer == b.peer)
        let c = try mutual(config(alpha: 1, seed: 6), peers: [peer])
        #expect(c.student != a.student && c.peer != a.peer)
        // α > 0 couples them: the student is not what α = 0 trains.
        #expect(try mutual(config(alpha: 0), peers: [peer]).student != a.student)
        let d = try DistillDetails(report: a.report)
        #expect(d.method == .mutual && d.teacher == nil && d.chosen == nil && d.mutual?.networks.map(\.name) == ["student", "peer1"])
    }
}

@Suite struct MutualCommandTests {
    /// kill -9, then --resume: the student's train loss (which holds the KL from the peers, so it depends on them) is
    /// the uninterrupted run's at every step, and the kept peers are the same bit for bit.
    @Test func killedMutualRunResumesOnTheSameTrajectory() throws {
        let dir = TestSupport.tempDir("mutual-resume")
        let student = dir.appendingPathComponent("s.h5").path, peer = dir.appendingPathComponent("p.h5").path
        try Synthetic.mlp(784, [32], 10, seed: 1).write(to: student)
        try Synthetic.mlp(784, [48], 10, seed: 2).write(to: peer)
        let args = ["distill", student, "--method", "mutual", "--peer", peer, "--mutual-temperature", "2", "--keep-peers"] + TestSupport.resumeRunOptions(steps: 400, batch: 32)
        let r = try TestSupport.killAndResume(args, in: dir) { $0.appendingPathComponent("final/log.jsonl") }
        #expect(r.trajectoryProblems(steps: 400).isEmpty, "\(r.trajectoryProblems(steps: 400))")
        let a = try ModelFile.read(dir.appendingPathComponent("a.peer1.h5").path)
        let b = try ModelFile.read(dir.appendingPathComponent("b.peer1.h5").path)
        #expect(a.parameters.keys.sorted().allSatisfy { a.parameters[$0]!.array == b.parameters[$0]!.array })
    }

    /// One line, exit 1, no output file and no run folder.
    func refused(_ extra: [String], _ message: String, peerClasses: Int = 4) throws {
        let dir = TestSupport.tempDir("mutual-bad")
        let student = dir.appendingPathComponent("s.h5").path, peer = dir.appendingPathComponent("p.h5").path
        try Synthetic.mlp(16, [8], 4, seed: 1).write(to: student)
        try Synthetic.mlp(16, [8], peerClasses, seed: 2).write(to: peer)
        let out = dir.appendingPathComponent("o.h5").path
        let args = ["distill", student, "--method", "mutual", "-o", out, "--steps", "5"] + extra.map { $0 == "PEER" ? peer : $0 }
        let r = try TestSupport.condense(args)
        let lines = r.stderr.split(separator: "\n")
        #expect(r.status == 1 && lines.count == 1 && r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out) && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.run").path))
    }

    @Test func aSingleNetworkIsRefused() throws {
        try refused([], "--peer: expected at least one peer model with method mutual")
    }

    @Test func aPeerWithAnotherOutputSizeIsRefused() throws {
        try refused(["--peer", "PEER"], "--peer: expected peer 1 with the student's 4 classes", peerClasses: 3)
    }

    @Test func aTeacherIsRefused() throws {
        try refused(["--peer", "PEER", "--teacher", "PEER"], "--teacher: expected no teacher with --method mutual")
    }
}
