// MappedReadersFuzzTests: time-boxed, seeded mutation fuzzing of the labelled-array readers on their mapped path (a
// .npy folder's header and payload, a CSV and an .npz converted into the array cache): every input loads or throws
// a DataError naming its file, and no temporary file is left in the cache. (HDF5 is fuzzed in a child process by
// FuzzTests, since libhdf5 itself faults on some corruptions; its mapped path is tested on truncations.)
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct MappedReadersFuzzTests {
    func seed(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestSupport.fuzzSeeds.appendingPathComponent(name)))
    }

    /// Writes each mutation as `name` in a folder (beside the seed y.npy for x.npy) and loads it mapped.
    func fuzz(_ seedName: String, as name: String, format: String, tag: UInt64) throws {
        let dir = TestSupport.tempDir("fuzz-mapped")
        let cache = TestSupport.tempDir("fuzz-mapped-cache").path
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(atPath: cache) }
        try Data(try seed("y.npy")).write(to: dir.appendingPathComponent("y.npy"))
        let path = dir.appendingPathComponent(name).path
        var spec = DataSpec(path: name == "x.npy" ? dir.path : path)
        spec.format = format
        var ok = 0, refused = 0
        let n = try TestSupport.fuzz(seeds: [try seed(seedName)], seconds: TestSupport.fuzzSeconds(default: 4), seed: tag) { bytes, i in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try ArrayCache.$folder.withValue(cache) {
                do {
                    let d = try TaskData.load(spec, fit: DataFit(family: "mlp", model: "fuzz"), backing: .mapped)
                    _ = try d.provenance()
                    if case .images(let val) = try d.split(.val) { _ = val.images }
                    ok += 1
                } catch let e as DataError {
                    #expect(i > 0, "the seed must load: \(e)")
                    #expect(e.source.hasPrefix(spec.path) || e.source == "ClassificationSampler", "\(e)")
                    refused += 1
                }
            }
        }
        #expect(n > 1 && ok >= 1)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        #expect(!left.contains { $0.contains(".tmp") }, "no temporary file is left in the cache: \(left)")
        print("mapped \(format) reader (\(name)): \(n) inputs, \(ok) loaded, \(refused) refused")
    }

    @Test func npyFolderMappedLoadsOrRefusesEveryMutation() throws { try fuzz("x.npy", as: "x.npy", format: "npy", tag: 0x4E5059) }
    @Test func csvConvertedLoadsOrRefusesEveryMutation() throws { try fuzz("table.csv", as: "t.csv", format: "csv", tag: 0x435356) }
    @Test func npzConvertedLoadsOrRefusesEveryMutation() throws { try fuzz("arrays.npz", as: "a.npz", format: "npy", tag: 0x4E505A) }
}
