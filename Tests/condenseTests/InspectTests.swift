// InspectTests: `condense inspect` on valid files and on every malformed-file case, checking messages and exit codes.
import Foundation
import Testing
import TestSupport

@Suite struct InspectTests {
    /// Writes a defective model with tools/make_bad_model.py and runs inspect on it.
    func inspectBad(_ kase: String) throws -> (path: String, result: TestSupport.Result) {
        let path = TestSupport.tempDir("inspect").appendingPathComponent("\(kase).h5").path
        try TestSupport.tool("make_bad_model.py", [kase, path])
        return (path, try TestSupport.condense(["inspect", path]))
    }

    /// A failure is a clean exit in 1...125 (no crash, no signal) with one message naming the file.
    func expectCleanFailure(_ r: TestSupport.Result, file: String, _ fragments: [String]) {
        #expect(!r.signaled)
        #expect((1...125).contains(r.status), "exit \(r.status)")
        #expect(r.stderr.contains("condense: error: \(file)"), "stderr: \(r.stderr)")
        for f in fragments { #expect(r.stderr.contains(f), "expected \(f.debugDescription) in: \(r.stderr)") }
        #expect(r.stdout.isEmpty)
    }

    @Test func validFileShowsArchitectureTensorsAndCount() throws {
        let (_, r) = try inspectBad("valid")
        #expect(r.status == 0)
        // 8→6→3 MLP: 6·8+6 + 3·6+3 = 75 parameters.
        #expect(r.stdout.contains("parameters: 75"))
        #expect(r.stdout.contains("layers/0/weight"))
        #expect(r.stdout.contains("(6, 8)"))
        #expect(r.stdout.contains("size on disk:"))
    }

    @Test func jsonOutputIsMachineReadable() throws {
        let path = TestSupport.tempDir("inspect").appendingPathComponent("v.h5").path
        try TestSupport.tool("make_bad_model.py", ["valid", path])
        let r = try TestSupport.condense(["inspect", path, "--json"])
        #expect(r.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["parameters"] as? Int == 75)
        #expect(obj["family"] as? String == "mlp")
        let tensors = obj["tensors"] as! [[String: Any]]
        #expect(tensors.count == 4)
        #expect(tensors[0]["shape"] as? [Int] == [6, 8])
        #expect((obj["bytes_on_disk"] as? Int ?? 0) > 0)
    }

    @Test func notHDF5() throws {
        let path = TestSupport.tempDir("inspect").appendingPathComponent("text.h5").path
        try "hello, I am not HDF5\n".write(toFile: path, atomically: true, encoding: .utf8)
        expectCleanFailure(try TestSupport.condense(["inspect", path]), file: path, ["not an HDF5 file"])
    }

    @Test func truncatedFile() throws {
        let (path, r) = try inspectBad("truncated")
        expectCleanFailure(r, file: path, ["truncated or corrupt"])
    }

    @Test func missingDataset() throws {
        let (path, r) = try inspectBad("missing-dataset")
        expectCleanFailure(r, file: path, ["layers/1/bias", "missing dataset", "[3]"])
    }

    @Test func shapeDisagreesWithArchitecture() throws {
        let (path, r) = try inspectBad("wrong-shape")
        expectCleanFailure(r, file: path, ["layers/0/weight", "expected shape [6, 8]", "found [6, 9]"])
    }

    @Test func wrongDtype() throws {
        let (path, r) = try inspectBad("string-dtype")
        expectCleanFailure(r, file: path, ["layers/0/weight", "expected dtype float32", "found string"])
    }

    @Test func datasetClaimsMoreThanTheFileHolds() throws {
        let (path, r) = try inspectBad("huge-claim")
        expectCleanFailure(r, file: path, ["layers/0/weight", "10000000000", "only 0 bytes are stored"])
    }

    @Test func missingFormatTag() throws {
        let (path, r) = try inspectBad("no-format")
        expectCleanFailure(r, file: path, ["condense_format", "not a Condense model file"])
    }

    @Test func unknownFormatTag() throws {
        let (path, r) = try inspectBad("unknown-format")
        expectCleanFailure(r, file: path, ["condense_format", "expected \"condense.model\"", "found \"keras.model\""])
    }

    @Test func unknownFamily() throws {
        let (path, r) = try inspectBad("unknown-family")
        expectCleanFailure(r, file: path, ["architecture", "unknown model family \"rnn\"", "mlp, gpt"])
    }

    @Test func malformedArchitectureJSON() throws {
        let (path, r) = try inspectBad("malformed-json")
        expectCleanFailure(r, file: path, ["architecture", "malformed architecture JSON"])
    }

    @Test func unexpectedDataset() throws {
        let (path, r) = try inspectBad("extra-dataset")
        expectCleanFailure(r, file: path, ["layers/9/weight", "unexpected dataset"])
    }

    @Test func fileDoesNotExist() throws {
        let path = TestSupport.tempDir("inspect").appendingPathComponent("nope.h5").path
        expectCleanFailure(try TestSupport.condense(["inspect", path]), file: path, ["no such file"])
    }

    @Test func helpListsEverySubcommand() throws {
        let r = try TestSupport.condense(["--help"])
        #expect(r.status == 0)
        let subcommands = try #require(r.stdout.components(separatedBy: "SUBCOMMANDS:").last)
        for working in ["train", "eval", "predict", "generate", "inspect", "bench", "prune", "distill", "quantize", "\n  run ", "report"] {
            #expect(subcommands.contains(working), "\(working) missing from --help")
        }
    }
}
