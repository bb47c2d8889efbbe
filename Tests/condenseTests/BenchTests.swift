// BenchTests: the benchmark commands' output contracts (not their speed: speed lives in docs/PERFORMANCE.md).
import Foundation
import Testing
import TestSupport

@Suite struct BenchTests {
    @Test func matmulJSONCarriesTheDocumentedKeys() throws {
        let r = try TestSupport.condense(["bench", "matmul", "--m", "3", "--k", "5", "--n", "7", "--reps", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["m"] as? Int == 3 && obj["k"] as? Int == 5 && obj["n"] as? Int == 7)
        for key in ["int8_gops", "sgemm_gflops", "peak_int8_gops"] {
            #expect(((obj[key] as? NSNumber)?.doubleValue ?? 0) > 0, "\(key)")
        }
    }

    @Test func partialShapeIsAClearError() throws {
        let r = try TestSupport.condense(["bench", "matmul", "--m", "3"])
        #expect(r.status != 0 && r.stderr.contains("give all of --m, --k and --n"), "\(r.stderr)")
    }
}
