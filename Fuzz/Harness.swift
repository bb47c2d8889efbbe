// Harness: one fuzz target per reader; each input must load or throw, so a crash, trap, leak-sized allocation
// (libFuzzer's -malloc_limit_mb) or hang (-timeout) is the finding.
import CondenseCore
import Foundation
import Pipeline

enum Harness: String, CaseIterable {
    /// HDF5 bytes → ModelFile (the model reader, libhdf5 included).
    case model
    /// gzip → IDX (the Fashion-MNIST / MNIST-style reader).
    case idx
    /// YAML → TrainConfig.
    case config
    /// YAML → Recipe (with its run-input checks against the seed models).
    case recipe
    /// CSV → labelled arrays (header row, label column).
    case csv
    /// .npy bytes (parsed directly, and as a folder's x.npy read mapped).
    case npy
    /// .npz (zip of x.npy, y.npy) → labelled arrays.
    case npz
    /// nanoGPT's train.bin (uint16 ids; val.bin and meta.json fixed).
    case nanogpt
    /// meta.json beside a fixed train.bin/val.bin.
    case meta
    /// UTF-8 text → token ids, with a vocabulary derived from the text and with a fixed one.
    case text

    /// A private scratch folder for the files a reader needs on disk.
    static let dir: String = {
        let base = ProcessInfo.processInfo.environment["CONDENSE_FUZZ_SCRATCH"] ?? NSTemporaryDirectory()
        let d = (base as NSString).appendingPathComponent("condense-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    static func file(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

    static func write(_ bytes: [UInt8], _ name: String) -> String {
        let p = file(name)
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// The committed seeds (CONDENSE_FUZZ_SEEDS, set by tools/fuzz), for the fixed companion files.
    static let seeds = ProcessInfo.processInfo.environment["CONDENSE_FUZZ_SEEDS"] ?? "Tests/FuzzSeeds"

    static func seed(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: (seeds as NSString).appendingPathComponent(name)) ?? Data())
    }

    /// Fixed companion files: the seed meta.json beside a fuzzed train.bin, the seed train.bin beside a fuzzed meta.json.
    func prepare() {
        switch self {
        case .nanogpt:
            _ = Self.write(Self.seed("train.bin"), "val.bin")
            _ = Self.write(Self.seed("meta.json"), "meta.json")
        case .meta:
            _ = Self.write(Self.seed("train.bin"), "train.bin")
            _ = Self.write(Self.seed("train.bin"), "val.bin")
        default: break
        }
    }

    func run(_ bytes: [UInt8]) {
        switch self {
        case .model:
            _ = try? ModelFile.read(Self.write(bytes, "m.h5"))
        case .idx:
            if let raw = try? Gzip.inflate(bytes, source: "fuzz", limit: 1 << 24) {
                for rank in [1, 3] { _ = try? IDXArray.parse(raw, rank: rank, source: "fuzz") }
            }
            for rank in [1, 3] { _ = try? IDXArray.parse(bytes, rank: rank, source: "fuzz") }
        case .config:
            _ = try? TrainConfig.load(path: Self.write(bytes, "c.yaml"), overrides: ["train.steps=3"])
        case .recipe:
            guard let text = String(bytes: bytes, encoding: .utf8) else { return }
            _ = try? Recipe.load(yaml: text.replacingOccurrences(of: "{seeds}", with: Self.seeds), file: Self.file("r.yaml"),
                                 output: Self.file("out"))
        case .csv:
            load(Self.write(bytes, "t.csv"), format: "csv", family: "mlp")
        case .npy:
            _ = try? NPYArray.parse(Data(bytes), source: "fuzz").floats()
            _ = try? NPYHeader.parse(Data(bytes), fileBytes: bytes.count, source: "fuzz")
            // The same bytes as a folder's x.npy beside the seed y.npy, read mapped.
            let folder = Self.file("npy")
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: folder + "/y.npy", contents: Data(Self.seed("y.npy")))
            _ = FileManager.default.createFile(atPath: folder + "/x.npy", contents: Data(bytes))
            load(folder, format: "npy", family: "mlp")
        case .npz:
            load(Self.write(bytes, "a.npz"), format: "npy", family: "mlp")
        case .nanogpt:
            _ = Self.write(bytes, "train.bin")
            load(Self.dir, format: "nanogpt", family: "gpt")
        case .meta:
            _ = Self.write(bytes, "meta.json")
            load(Self.dir, format: "nanogpt", family: "gpt")
        case .text:
            let p = Self.write(bytes, "t.txt")
            load(p, format: "text", family: "gpt")
            var fit = DataFit(family: "gpt", model: "fuzz")
            fit.vocabulary = try? Vocabulary(characters: "abcdefghijklmnopqrstuvwxyz \n", source: "fuzz")
            fit.vocabSize = 28
            load(p, format: "text", fit: fit, unknown: "skip")
        }
    }

    /// TaskData.load over `path`, then a touch of every split so that lazily read data is read too.
    func load(_ path: String, format: String, family: String) {
        load(path, format: format, fit: DataFit(family: family, model: "fuzz"))
    }

    func load(_ path: String, format: String, fit: DataFit, unknown: String = "error") {
        var spec = DataSpec(path: path)
        spec.format = format
        spec.unknown = unknown
        if let data = try? TaskData.load(spec, fit: fit) { _ = try? data.provenance() }
        // Labelled arrays again on the mapped path: a CSV or .npz converted into a private array cache.
        guard format == "csv" || format == "npy" else { return }
        ArrayCache.$folder.withValue(Self.file("cache")) {
            if let data = try? TaskData.load(spec, fit: fit, backing: .mapped) { _ = try? data.provenance() }
        }
    }
}
