// ReportCommandTests: `condense report A.h5 B.h5 --data NAME` prints the comparison table with the first model as reference.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite struct ReportCommandTests {
    @Test func tableComparesModelsAgainstTheFirst() throws {
        let dir = TestSupport.tempDir("report")
        let a = dir.appendingPathComponent("big.h5").path, b = dir.appendingPathComponent("small.h5").path
        try makeNetwork(.mlp(MLPConfig(inputs: 784, hidden: [64], classes: 10)), seed: 1).modelFile().write(to: a)
        try makeNetwork(.mlp(MLPConfig(inputs: 784, hidden: [16], classes: 10)), seed: 2).modelFile().write(to: b)
        let md = dir.appendingPathComponent("t.md").path
        let r = try TestSupport.condense(["report", a, b, "--data", "fashion-mnist", "--eval-batches", "4", "--latency-runs", "2", "--markdown", md])
        #expect(r.status == 0, "\(r.stderr)")
        for s in ["| model | params | % of big params | bytes on disk | test accuracy | Δ vs big |", "| big | 50,890 | 100.0 % |",
                  "| small | 12,730 | 25.0 % |", "speed-up b64"] {
            #expect(r.stdout.contains(s), "missing \(s) in:\n\(r.stdout)")
        }
        #expect(try String(contentsOfFile: md, encoding: .utf8).contains("| small | 12,730 |"))

        let j = try TestSupport.condense(["report", a, b, "--eval-batches", "2", "--no-latency", "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        let models = obj["models"] as! [[String: Any]]
        #expect(models.count == 2 && models[0]["delta_vs_teacher"] as? Double == 0)
        #expect(obj["data"] as? String == "fashion-mnist", "the data set follows from the first model's family")

        let bad = try TestSupport.condense(["report", a, dir.appendingPathComponent("none.h5").path, "--data", "fashion-mnist"])
        #expect(bad.status == 1 && bad.stderr.contains("none.h5: no such file"), "\(bad.stderr)")
        let wrong = try TestSupport.condense(["report", a, "--data", "shakespeare"])
        #expect(wrong.status == 1 && wrong.stderr.contains("does not fit the shakespeare data set"), "\(wrong.stderr)")
    }
}
