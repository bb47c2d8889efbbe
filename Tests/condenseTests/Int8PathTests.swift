// Int8PathTests: the int8 kernel path in use is the CPU's best, or the one CONDENSE_INT8_PATH forces (make test's reruns).
import Foundation
import Testing
import TestSupport

@Suite struct Int8PathTests {
    /// `make test` reruns the int8 tests with CONDENSE_INT8_PATH=scalar and =avx2. A fresh `condense` process inherits
    /// the variable; its bench report names the path its kernels ran on, which must be the forced one when the CPU has
    /// it. Where the CPU lacks it, the dispatcher must say so on stderr and fall back. Without the variable, the test
    /// records the default path.
    @Test func theForcedInt8PathIsTheOneInUse() throws {
        let forced = (ProcessInfo.processInfo.environment["CONDENSE_INT8_PATH"] ?? "").lowercased()
        let r = try TestSupport.condense(["bench", "matmul", "--m", "2", "--k", "8", "--n", "8", "--reps", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let path = try #require(obj?["int8_path"] as? String, "no int8_path in \(r.stdout)")
        print("Int8PathTests: int8 path \(path) (CONDENSE_INT8_PATH=\(forced.isEmpty ? "unset" : forced))")
        if forced.isEmpty || forced == "auto" || forced == "default" {
            #expect(!r.stderr.contains("CONDENSE_INT8_PATH"), "\(r.stderr)")
        } else if r.stderr.contains("not supported on this CPU") {
            #expect(path != forced, "the CPU lacks \(forced), yet it is reported in use")
        } else {
            #expect(path == forced, "CONDENSE_INT8_PATH=\(forced), but the kernels ran on \(path): \(r.stderr)")
        }
    }
}
