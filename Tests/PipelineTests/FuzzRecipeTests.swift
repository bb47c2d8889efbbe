// FuzzRecipeTests: time-boxed, seeded mutation fuzzing of the recipe loader (see CondenseCoreTests/Fuzz/FuzzTests).
import Foundation
import Pipeline
import Testing
import TestSupport

@Suite struct FuzzRecipeTests {
    @Test func recipeLoaderLoadsOrRefusesEveryMutation() throws {
        let text = try String(contentsOf: TestSupport.fuzzSeeds.appendingPathComponent("recipe.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "{seeds}", with: TestSupport.fuzzSeeds.path)
        let dir = TestSupport.tempDir("fuzz-recipe")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.yaml").path, out = dir.appendingPathComponent("out").path
        var ok = 0
        let n = try TestSupport.fuzz(seeds: [Array(text.utf8)], seconds: TestSupport.fuzzSeconds(default: 10), seed: 0x524350) { bytes, i in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Recipe.load(path: path, overrides: [], output: out)
                ok += 1
            } catch {
                #expect(i >= 1, "the seed must load: \(error)")
            }
        }
        #expect(n > 1)
        #expect(!FileManager.default.fileExists(atPath: out), "loading a recipe writes nothing")
        print("recipe loader: \(n) inputs, \(ok) loaded")
    }
}
