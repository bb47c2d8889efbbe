// FuzzTests: time-boxed, seeded mutation fuzzing of the model reader, the IDX/gzip reader and the config loader.
//
// The coverage-guided fuzzers are the libFuzzer harnesses of Fuzz/ (tools/fuzz, `make fuzz`; docs/notes/fuzzing.md):
// they need their own sanitizer build, which takes too long for every `swift test`. This deterministic mutation
// fuzzer runs in the normal suite on every machine, and each finding is reproduced from (seed file, iteration). The
// seeds are Tests/FuzzSeeds, shared with the harnesses. A crash, trap, hang or runaway allocation is the finding:
// each input must either load or throw. CONDENSE_FUZZ_SECONDS sets the time per target.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct FuzzTests {
    func seed(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestSupport.fuzzSeeds.appendingPathComponent(name)))
    }

    /// The model reader runs in a child (`condense inspect`), because libhdf5 itself faults on some corruptions
    /// that no check before it can see (a damaged global heap behind a string attribute): there the crash guard must
    /// turn the fault into one error line and exit 1. Any other signal, exit code or output is a finding.
    @Test func modelReaderLoadsOrRefusesEveryMutation() throws {
        let seeds = try ["mlp.h5", "gpt.h5", "mlp-gzip.h5"].map(seed)
        let dir = TestSupport.tempDir("fuzz-model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.h5").path
        var loaded = 0, refused = 0, contained = 0
        let n = try TestSupport.fuzz(seeds: seeds, seconds: TestSupport.fuzzSeconds(default: 20), seed: 0x4D4F44) { bytes, i in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let r = try TestSupport.condense(["inspect", path])
            let lines = r.stderr.split(separator: "\n")
            #expect(!r.signaled && (r.status == 0 || r.status == 1), "iteration \(i): exit \(r.status): \(r.stderr)")
            if r.status == 0 { loaded += 1; return }
            #expect(i >= seeds.count, "seed \(i) must load: \(r.stderr)")
            #expect(lines.count == 1 && lines[0].hasPrefix("condense: error: \(path)"), "iteration \(i): \(r.stderr)")
            if r.stderr.contains("libhdf5 crashed") { contained += 1; keepFinding(bytes, "model", i) } else { refused += 1 }
        }
        #expect(n > seeds.count && refused > 0)
        print("model reader: \(n) inputs, \(loaded) loaded, \(refused) refused, \(contained) libhdf5 faults contained")
    }

    /// Saves an input worth a regression test under TMP/condense-fuzz-findings and says where.
    func keepFinding(_ bytes: [UInt8], _ target: String, _ i: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("condense-fuzz-findings")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("\(target)-\(i)-\(bytes.count).h5")
        try? Data(bytes).write(to: url)
        print("fuzz finding kept: \(url.path)")
    }

    /// Files the fuzzer found that fault inside libhdf5: each must give one clear line and exit 1.
    @Test func libhdf5FaultsFoundByTheFuzzerAreContained() throws {
        let dir = TestSupport.fuzzSeeds.appendingPathComponent("regressions")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".h5") }.sorted()
        #expect(!files.isEmpty)
        for f in files {
            let p = dir.appendingPathComponent(f).path
            for cmd in [["inspect", p], ["eval", p, "--data", "fashion-mnist"]] {
                let r = try TestSupport.condense(cmd)
                #expect(!r.signaled && r.status == 1, "\(cmd): exit \(r.status)")
                #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("condense: error: \(p)"), "\(r.stderr)")
            }
        }
    }

    @Test func idxReaderParsesOrRefusesEveryMutation() throws {
        let seeds = try [("images.idx3.gz", 3), ("labels.idx1.gz", 1)].map { (try seed($0.0), $0.1) }
        let dir = TestSupport.tempDir("fuzz-idx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.gz").path
        var ok = 0
        let n = try TestSupport.fuzz(seeds: seeds.map(\.0), seconds: TestSupport.fuzzSeconds(default: 10), seed: 0x494458) { bytes, i in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let rank = seeds[i % seeds.count].1
            if let a = try? IDXArray.read(path, rank: rank) {
                // An accepted file's payload is exactly what its dims imply.
                #expect(a.payload.count == a.dims.reduce(1, *))
                ok += 1
            } else {
                #expect(i >= seeds.count)
            }
            _ = try? Gzip.inflate(bytes, source: "fuzz", limit: 1 << 20)
        }
        #expect(n > seeds.count)
        print("IDX/gzip reader: \(n) inputs, \(ok) parsed")
    }

    @Test func configLoaderLoadsOrRefusesEveryMutation() throws {
        let seeds = try ["train-config.yaml", "train-config-gpt.yaml"].map(seed)
        let dir = TestSupport.tempDir("fuzz-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.yaml").path
        var ok = 0
        let n = try TestSupport.fuzz(seeds: seeds, seconds: TestSupport.fuzzSeconds(default: 10), seed: 0x434647) { bytes, i in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try TrainConfig.load(path: path, overrides: ["train.steps=3"])
                ok += 1
            } catch {
                #expect(i >= seeds.count, "seed \(i) must load: \(error)")
            }
        }
        #expect(n > seeds.count)
        print("config loader: \(n) inputs, \(ok) loaded")
    }
}
