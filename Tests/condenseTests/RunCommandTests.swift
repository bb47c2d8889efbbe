// RunCommandTests: `condense run` as a user runs it: killed with SIGKILL mid-distill, a re-run redoes nothing complete.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite struct RunCommandTests {
    /// A random 784-32-10 teacher and a prune → distill recipe whose distillation takes a few seconds.
    func setUp(_ label: String, output: String = "out") throws -> (dir: URL, recipe: String, out: String) {
        let dir = TestSupport.tempDir(label)
        let teacher = dir.appendingPathComponent("teacher.h5").path
        try makeNetwork(.mlp(MLPConfig(inputs: 784, hidden: [32], classes: 10)), seed: 3).modelFile().write(to: teacher)
        let out = dir.appendingPathComponent(output).path
        let recipe = dir.appendingPathComponent("r.yaml").path
        try """
            teacher:
              path: \(teacher)
            output: \(out)
            stages:
              - prune:
                  hidden: "50%"
                  calibration_batches: 2
                  latency: false
              - distill:
                  alpha_grid: [1]
                  temperature_grid: [2, 4]
                  train:
                    steps: 900
                    epochs: 0
                    batch_size: 32
                    warmup_steps: 10
                    eval_every: 0
                    eval_batches: 2
                    checkpoint_every: 20
                    log_every: 1
            report:
              latency: false
              eval_batches: 4
            """.write(toFile: recipe, atomically: true, encoding: .utf8)
        return (dir, recipe, out)
    }

    func mtime(_ path: String) -> Date? { try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date }

    @Test func killedRunResumesInsideDistillAndRedoesNothingComplete() throws {
        let (dir, recipe, out) = try setUp("run-kill")
        // The uninterrupted reference, into another folder.
        let ref = try TestSupport.condense(["run", recipe, "--output", dir.appendingPathComponent("ref").path])
        #expect(ref.status == 0, "\(ref.stderr)")
        let reference = try TestSupport.trainLosses(dir.appendingPathComponent("ref/02-distill.run/final/log.jsonl"))

        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestSupport.condenseBinary)
        p.arguments = ["run", recipe]
        p.currentDirectoryURL = TestSupport.packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoint = out + "/02-distill.run/final/checkpoint.h5"
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && !FileManager.default.fileExists(atPath: checkpoint) && p.isRunning { usleep(2_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: out + "/02-distill.h5"), "no output from the killed stage")
        let pruned = mtime(out + "/01-prune.h5")
        #expect(pruned != nil, "prune completed before the kill")

        let resumed = try TestSupport.condense(["run", recipe])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("[1/2] prune: inputs and config unchanged; skipped"), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("[2/2] distill: resuming"), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed from"), "the final distillation run continues from its checkpoint")
        #expect(!resumed.stderr.contains("search rung"), "the finished α/T search is not redone:\n\(resumed.stderr)")
        #expect(mtime(out + "/01-prune.h5") == pruned, "the completed prune output is not rewritten")
        // Losing nothing: the resumed trajectory is the uninterrupted one, step for step.
        let losses = try TestSupport.trainLosses(URL(fileURLWithPath: out + "/02-distill.run/final/log.jsonl"))
        #expect(losses.count == reference.count && !losses.isEmpty)
        let worst = reference.map { abs($0.value - (losses[$0.key] ?? .infinity)) }.max() ?? .infinity
        // A resumed run restores weights, moments, the RNG words and the sampler exactly, and runs the same binary on
        // the same CPU with the same thread counts, so it repeats the same float operations in the same order: the
        // losses are bit-identical (they are logged as exact Doubles). Any lost or repeated state changes a loss by
        // ≫ 1e-6 within a few steps; 1e-6 is a margin, not a rounding bound.
        #expect(worst <= 1e-6, "largest train-loss difference from the uninterrupted run: \(worst)")
        #expect(resumed.stdout.contains("| 02-distill |"))

        let third = try TestSupport.condense(["run", recipe])
        #expect(third.status == 0 && third.stdout.contains("stages: 2 skipped"), "\(third.stdout)\n\(third.stderr)")
    }

    @Test func recipeErrorsAreOneClearLineAndExitCode1() throws {
        let (dir, recipe, _) = try setUp("run-errors")
        let r = try TestSupport.condense(["run", recipe, "--set", "distill.alpah=0.5"])
        #expect(r.status == 1 && !r.signaled)
        #expect(r.stderr == "condense: error: \(recipe): distill.alpah: unknown key \"alpah\"; did you mean \"alpha\"?\n", "\(r.stderr)")
        let missing = try TestSupport.condense(["run", dir.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 1 && missing.stderr.contains("cannot read the recipe file"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "nothing is written before validation passes")

        let dry = try TestSupport.condense(["run", recipe, "--dry-run", "--set", "distill.alpha=0.5"])
        #expect(dry.status == 0 && dry.stdout.contains("alpha: 0.5") && dry.stdout.contains("calibration_batch_size: 16"), "\(dry.stdout)")
    }

    /// --dry-run prints the largest stage's estimate part by part; over the memory limit (CONDENSE_MEMORY_LIMIT here,
    /// physical memory otherwise) the recipe is refused before anything runs, in one line naming the stage and parts.
    @Test func dryRunReportsTheMemoryEstimateAndRefusesOneOverTheLimit() throws {
        let (dir, recipe, out) = try setUp("run-memory")
        let dry = try TestSupport.condense(["run", recipe, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let line = dry.stdout.split(separator: "\n").first { $0.hasPrefix("# estimated peak memory: ") } ?? ""
        for part in ["parameters", "optimizer state", "activations per batch", "teacher", "data", "at stage 2 (distill)"] {
            #expect(line.contains(part), "\(dry.stdout)")
        }
        for args in [["run", recipe, "--dry-run"], ["run", recipe]] {
            let r = try TestSupport.condense(args, environment: ["CONDENSE_MEMORY_LIMIT": "1048576"])
            #expect(r.status == 1 && !r.signaled)
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("condense: error: \(recipe): stages: stage 2 (distill) of this recipe needs an estimated ")
                    && r.stderr.contains("; CONDENSE_MEMORY_LIMIT allows 1.0 MiB"), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out), "nothing runs over the limit")
        let cfg = dir.appendingPathComponent("t.yaml").path
        try "model:\n  family: mlp\n  hidden: [16]\ntrain:\n  steps: 3\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        let t = try TestSupport.condense(["train", cfg, "-o", dir.appendingPathComponent("m.h5").path], environment: ["CONDENSE_MEMORY_LIMIT": "1048576"])
        #expect(t.status == 1 && t.stderr.contains("\(cfg): train.batch_size: training this mlp at batch_size ") && t.stderr.contains("data 209.6 MiB"), "\(t.stderr)")
    }
}
