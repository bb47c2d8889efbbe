// ManyStepsBoundTests: after 50 training steps the 2-rank weights equal the one-process weights within the bound
// derived in Fixture+Sensitivity.swift (per-step reduction-order error times the run's measured sensitivity).
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct ManyStepsBoundTests {
    static let steps = 50

    @Test func fiftyStepsOnTwoRanksStayWithinTheDerivedBound() throws {
        let (dir, cfg) = try Fixture.linearRun("mpi-bound", steps: Self.steps)
        let one = try TestSupport.condense(["train", cfg.path, "-o", dir.appendingPathComponent("a.h5").path])
        let two = try TestSupport.mpirun(2, ["train", cfg.path, "-o", dir.appendingPathComponent("b.h5").path], timeout: 90)
        try #require(one.status == 0, "\(one.stderr)")
        try #require(two.status == 0, "\(two.stderr)")
        let w1 = try Fixture.tensors(dir.appendingPathComponent("a.run/checkpoint.h5"), "model")
        let w2 = try Fixture.tensors(dir.appendingPathComponent("b.run/checkpoint.h5"), "model")
        let bound = try Self.bound(config: cfg.path, dir: dir)
        let diff = Sensitivity.maxDiff(w1, w2)
        #expect(diff <= bound.value, "max |Δw| after \(Self.steps) steps \(diff) exceeds the bound \(bound.value)")
        print("many-steps bound: max |Δw| \(diff), bound \(bound.value) (ρ \(bound.rho), response \(bound.response) to δ = \(Sensitivity.delta))")
    }

    /// ρ·√B·R/δ for the fixture's config (Fixture+Sensitivity.swift), after checking that R is linear in δ.
    static func bound(config: String, dir: URL) throws -> (value: Double, rho: Double, response: Double) {
        let base = try Sensitivity.run(config: config, runDir: dir.appendingPathComponent("s0").path, delta: 0)
        let full = try Sensitivity.run(config: config, runDir: dir.appendingPathComponent("s1").path, delta: Sensitivity.delta)
        let quarter = try Sensitivity.run(config: config, runDir: dir.appendingPathComponent("s2").path, delta: Sensitivity.delta / 4)
        let r = Sensitivity.maxDiff(full.weights, base.weights), rq = Sensitivity.maxDiff(quarter.weights, base.weights)
        #expect(r > 0 && rq > 0 && r / rq >= 2 && r / rq <= 8, "the response is not linear in δ: \(r) at δ, \(rq) at δ/4")
        let batch = 32
        let rho = 2 * FloatBounds.gamma(batch) + 2 * base.dz
        return (rho * Double(batch).squareRoot() * r / Double(Sensitivity.delta), rho, r)
    }
}
