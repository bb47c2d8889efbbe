// Fixtures: recipe files, tiny teachers (random or trained in seconds) and folders for the Pipeline tests.
import CondenseCore
import Foundation
@testable import Pipeline
import TestSupport

enum Fixtures {
    /// A fresh folder with `files` (name → text) written into it.
    static func folder(_ label: String, _ files: [String: String] = [:]) throws -> URL {
        let dir = TestSupport.tempDir(label)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    /// An untrained 784-32-10 MLP (it fits Fashion-MNIST), written to `dir/name`.
    @discardableResult
    static func randomTeacher(_ dir: URL, _ name: String = "teacher.h5", hidden: [Int] = [32]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try makeNetwork(.mlp(MLPConfig(inputs: 784, hidden: hidden, classes: 10)), seed: 3).modelFile().write(to: path)
        return path
    }

    /// A training config for a 784-48-10 teacher that trains in a few seconds.
    static let teacherConfig = """
        model:
          family: mlp
          hidden: [48]
        train:
          batch_size: 64
          steps: 150
          warmup_steps: 10
          eval_every: 0
          eval_batches: 4
          checkpoint_every: 50
          log_every: 10
        seed: 5
        """

    /// A tiny prune → distill → quantize recipe (seconds); `teacher` is a path, trained from teacher.yaml when missing.
    static func tinyRecipe(teacher: String, output: String, distillSteps: Int = 120, quantize: Bool = true) -> String {
        """
        # A tiny recipe for the tests.
        teacher:
          path: \(teacher)
          config: \(URL(fileURLWithPath: teacher).deletingLastPathComponent().appendingPathComponent("teacher.yaml").path)
        seed: 11
        output: \(output)
        stages:
          - prune:
              hidden: "25%"
              calibration_batches: 4
              latency: false
          - distill:
              alpha_grid: [0.5, 1]
              temperature_grid: [1, 4]
              train:
                steps: \(distillSteps)
                epochs: 0
                batch_size: 64
                warmup_steps: 10
                eval_every: 40
                eval_batches: 4
                checkpoint_every: 20
                log_every: 10
        \(quantize ? "  - quantize:\n      calibration_batches: 2\n      latency: false\n" : "")report:
          latency_runs: 2
        """
    }

    /// The message of the FormatError that `body` throws (nil when it does not throw one).
    static func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as FormatError { return e.description } catch { return "\(type(of: error)): \(error)" }
    }

    static func load(_ yaml: String, overrides: [String] = []) throws -> Recipe {
        try Recipe.load(yaml: yaml, file: "r.yaml", overrides: overrides)
    }
}
