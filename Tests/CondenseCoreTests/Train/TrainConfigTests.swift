// TrainConfigTests: configs hold only overrides; unknown keys, wrong types and bad ranges are errors with key and line.
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct TrainConfigTests {
    func load(_ yaml: String, overrides: [String] = []) throws -> TrainConfig {
        let path = TestSupport.tempDir("cfg").appendingPathComponent("c.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try TrainConfig.load(path: path, overrides: overrides)
    }

    func message(_ yaml: String, overrides: [String] = []) -> String {
        do { _ = try load(yaml, overrides: overrides); return "" } catch { return "\(error)" }
    }

    @Test func overridesMergeOverDefaults() throws {
        let c = try load("model:\n  family: gpt\n  n_layer: 2\ndata:\n  name: shakespeare\ntrain:\n  lr: 0.003\n")
        #expect(c.train.lr == 0.003)
        #expect(c.train.batch_size == TrainingOptions().batch_size)
        #expect(c.model["n_layer"]?.number == 2)
        #expect(c.model["n_embd"]?.number == 256)
        let arch = try c.architecture(features: nil, classes: nil, vocabulary: 84, file: "c.yaml")
        guard case .gpt(let g) = arch else { Issue.record("expected gpt"); return }
        #expect(g.head_dim == 32 && g.ffn_hidden == 1024 && g.vocab_size == 84)
    }

    @Test func setOverridesOneValue() throws {
        let c = try load("model:\n  family: mlp\n", overrides: ["train.steps=7", "model.hidden=[5, 6]"])
        #expect(c.train.steps == 7)
        #expect(c.model["hidden"] == .array([.number(5), .number(6)]))
    }

    @Test func unknownKeyNamesClosestKeyAndLine() {
        let m = message("model:\n  family: mlp\ntrain:\n  lr: 0.1\n  bach_size: 3\n")
        #expect(m.contains("train.bach_size: unknown key \"bach_size\" (line 5); did you mean \"batch_size\"?"), "\(m)")
        let m2 = message("model:\n  family: gpt\n  n_embed: 3\n")
        #expect(m2.contains("unknown key \"n_embed\" (line 3); did you mean \"n_embd\"?"), "\(m2)")
    }

    @Test func wrongTypeNamesKeyValueAndLine() {
        let m = message("model:\n  family: mlp\ntrain:\n  steps: many\n")
        #expect(m.contains("train.steps") && m.contains("many") && m.contains("(line 4)"), "\(m)")
    }

    @Test func outOfRangeNamesKeyAndExpectation() {
        let m = message("model:\n  family: mlp\ntrain:\n  lr: -1\n")
        #expect(m.contains("train.lr: expected > 0, found -1.0 (line 4)"), "\(m)")
        let m2 = message("model:\n  family: mlp\ndata:\n  name: cifar\n")
        #expect(m2.contains("data.name: expected one of fashion-mnist, shakespeare, found \"cifar\" (line 4)"), "\(m2)")
        let m3 = message("model:\n  family: lstm\n")
        #expect(m3.contains("unknown model family \"lstm\" (line 2)"), "\(m3)")
    }

    @Test func dataImpliedFieldsMustAgree() throws {
        let c = try load("model:\n  family: mlp\n  inputs: 100\n")
        #expect(throws: FormatError.self) { try c.architecture(features: 784, classes: 10, vocabulary: nil, file: "c.yaml") }
    }

    @Test func shippedTeacherConfigsLoad() throws {
        for name in ["fashion-mlp", "shakespeare-gpt"] {
            let path = TestSupport.packageRoot.appendingPathComponent("recipes/teachers/\(name).yaml").path
            _ = try TrainConfig.load(path: path)
        }
    }
}
