// BenchTests: the benchmark commands' output contracts (not their speed: speed lives in docs/PERFORMANCE.md).
import Foundation
import Testing
import TestSupport

@Suite struct BenchTests {
    /// `condense bench matmul --json` on a tiny shape, with CONDENSE_INT8_PATH set to `path` (nil: as inherited).
    static func matmulJSON(path: String?) throws -> (obj: [String: Any], stderr: String) {
        let r = try TestSupport.condense(["bench", "matmul", "--m", "3", "--k", "5", "--n", "7", "--reps", "1", "--json"],
                                         environment: path.map { ["CONDENSE_INT8_PATH": $0] })
        #expect(r.status == 0, "\(r.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any], r.stderr)
    }

    /// The peak reported is that of the path in use, and is measured wherever that path has a peak loop
    /// (every path but scalar). Returns the path that was checked.
    @discardableResult
    static func checkPeakOfPathInUse(_ obj: [String: Any]) -> String {
        let path = obj["int8_path"] as? String ?? "?"
        #expect(["avx512vnni", "avxvnni", "avx2", "scalar"].contains(path), "int8_path \(path)")
        #expect(obj["peak_int8_path"] as? String == path, "the peak is not the path in use (\(path))")
        let peak = (obj["peak_int8_gops"] as? NSNumber)?.doubleValue ?? -1
        let loop = obj["peak_int8_loop"] as? String ?? "?"
        if path == "scalar" {
            #expect(peak == 0 && loop == "none", "scalar has no peak loop, found \(peak) GOPS (\(loop))")
        } else {
            #expect(peak > 0 && loop != "none", "checked the \(path) peak: \(peak) GOPS (\(loop))")
        }
        return path
    }

    @Test func matmulJSONCarriesTheDocumentedKeys() throws {
        let (obj, _) = try Self.matmulJSON(path: nil)
        #expect(obj["m"] as? Int == 3 && obj["k"] as? Int == 5 && obj["n"] as? Int == 7)
        for key in ["int8_gops", "int8_raw_gops", "sgemm_gflops"] {
            #expect(((obj[key] as? NSNumber)?.doubleValue ?? 0) > 0, "\(key)")
        }
        let path = Self.checkPeakOfPathInUse(obj)
        print("BenchTests: the dispatched path is \(path); checked its peak")
    }

    /// The paths the development machine does not pick by default: forced, each checked only where the CPU has it
    /// (forcing an unsupported path falls back to the best one, with a warning naming the path).
    @Test(arguments: ["avx2", "scalar"]) func matmulReportsThePeakOfAForcedPath(path: String) throws {
        let (obj, stderr) = try Self.matmulJSON(path: path)
        let used = Self.checkPeakOfPathInUse(obj)
        if used == path {
            print("BenchTests: CONDENSE_INT8_PATH=\(path) checked the \(path) path's peak")
        } else {
            #expect(stderr.contains("CONDENSE_INT8_PATH=\(path) is not supported on this CPU"), "\(stderr)")
            print("BenchTests: this CPU has no \(path) path; checked the fallback \(used) instead")
        }
    }

    /// --weight-bits 7: random weights in [−63, 63]; on the AVX2 path the narrow kernel runs, and the JSON says so.
    @Test func narrowWeightsReportTheKernelThatRan() throws {
        let r = try TestSupport.condense(["bench", "matmul", "--m", "7", "--k", "5", "--n", "7", "--reps", "1", "--weight-bits", "7", "--json"],
                                         environment: ["CONDENSE_INT8_PATH": "avx2"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["weight_bits"] as? Int == 7)
        let path = obj["int8_path"] as? String ?? "?", kernel = obj["int8_kernel"] as? String ?? "?"
        if path == "avx2" {
            #expect(kernel == "avx2-narrow", "\(kernel)")
            print("BenchTests: CONDENSE_INT8_PATH=avx2 --weight-bits 7 ran \(kernel)")
        } else {
            print("BenchTests: this CPU has no avx2 path; the fallback \(path) ran \(kernel)")
        }
        let bad = try TestSupport.condense(["bench", "matmul", "--m", "3", "--k", "5", "--n", "7", "--weight-bits", "6"])
        #expect(bad.status != 0 && bad.stderr.contains("--weight-bits must be 8 or 7"), "\(bad.stderr)")
    }

    @Test func partialShapeIsAClearError() throws {
        let r = try TestSupport.condense(["bench", "matmul", "--m", "3"])
        #expect(r.status != 0 && r.stderr.contains("give all of --m, --k and --n"), "\(r.stderr)")
    }
}
