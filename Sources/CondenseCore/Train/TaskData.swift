// TaskData: the data set behind a training run: training batches (checkpointable), and evaluation splits.
import Foundation

/// The kind of metric a data set is judged by.
public enum MetricKind: String, Codable, Sendable {
    /// Classification accuracy, a fraction in [0, 1]; higher is better.
    case accuracy
    /// Mean cross-entropy in nats per token; lower is better.
    case loss

    public func isBetter(_ a: Double, than b: Double) -> Bool { self == .accuracy ? a > b : a < b }
}

public enum TaskData {
    case classification(train: LabeledImages, val: LabeledImages, source: ClassificationSource)
    case text(CharCorpus)

    /// Fashion-MNIST's train and val splits (its test split is read from `directory` when asked for).
    public static func classification(train: LabeledImages, val: LabeledImages, directory: String?) -> TaskData {
        .classification(train: train, val: val, source: .fashion(directory: directory))
    }

    /// Loads a data set by name ("fashion-mnist" or "shakespeare"); `directory` "" means the default.
    public static func load(_ name: String, directory: String = "") throws -> TaskData {
        let dir = directory.isEmpty ? nil : directory
        switch name {
        case "fashion-mnist":
            let (train, val) = try FashionMNIST.loadTrainVal(directory: dir)
            return .classification(train: train, val: val, directory: dir)
        case "shakespeare":
            return .text(try CharCorpus(directory: dir))
        default:
            throw FormatError(file: name, "unknown data set; expected fashion-mnist or shakespeare")
        }
    }

    /// The demo set's name, or the user's data path.
    public var name: String {
        switch self {
        case .classification(_, _, .fashion): return "fashion-mnist"
        case .classification(_, _, .loaded(_, let p)): return p.source
        case .text(let c): return c.provenance?.source ?? "shakespeare"
        }
    }

    public var metricKind: MetricKind {
        if case .classification = self { return .accuracy }
        return .loss
    }

    public var features: Int? { if case .classification(let t, _, _) = self { return t.features }; return nil }
    public var classes: Int? { if case .classification(let t, _, _) = self { return t.classes }; return nil }
    public var vocabulary: Vocabulary? { if case .text(let c) = self { return c.vocabulary }; return nil }

    /// Examples (images) or tokens in the training split.
    public var trainSize: Int {
        switch self {
        case .classification(let t, _, _): return t.count
        case .text(let c): return c.train.count
        }
    }

    /// Checks that a model fits this data set: feature width and classes, or vocabulary size.
    public func check(_ arch: Architecture, model: String) throws {
        switch (self, arch) {
        case (.classification(let t, _, _), .mlp(let c)):
            if c.inputs != t.features || c.classes != t.classes {
                throw FormatError(file: model, path: "architecture",
                                  "the model takes \(c.inputs) features into \(c.classes) classes, but \(name) has \(t.features) features and \(t.classes) classes")
            }
        case (.text(let corpus), .gpt(let c)):
            if c.vocab_size != corpus.vocabulary.count {
                throw FormatError(file: model, path: "architecture.vocab_size",
                                  "expected \(corpus.vocabulary.count) (the \(name) vocabulary), found \(c.vocab_size)")
            }
            for split in DataSplit.allCases where corpus.tokens(split).count <= c.block_size {
                throw DataError("\(name) (\(split.rawValue) split)", expected: "at least \(c.block_size + 1) tokens (one window of block_size \(c.block_size) and its target)",
                                found: "\(corpus.tokens(split).count)")
            }
        default:
            throw FormatError(file: model, path: "architecture.family",
                              "a \(arch.family) model does not fit the \(name) data set (\(name) needs \(metricKind == .accuracy ? "mlp" : "gpt"))")
        }
    }

    /// The split's examples (classification) or tokens (text), for evaluation.
    public func split(_ s: DataSplit) throws -> EvalSplit {
        switch self {
        case .classification(let train, let val, let source):
            switch s {
            case .train: return .images(train)
            case .val: return .images(val)
            case .test:
                switch source {
                case .fashion(let dir): return .images(try FashionMNIST.load(.test, directory: dir))
                case .loaded(let test, _): return .images(test)
                }
            }
        case .text(let c): return .tokens(c.tokens(s))
        }
    }
}

/// Where a classification set's test split comes from.
public enum ClassificationSource {
    /// Fashion-MNIST's t10k files, read when asked for.
    case fashion(directory: String?)
    /// A user's data, loaded whole, with its provenance.
    case loaded(test: LabeledImages, provenance: DataProvenance)
}

public enum EvalSplit {
    case images(LabeledImages)
    case tokens(TokenSequence)
}

/// Training batches from a seeded, checkpointable sampler, in buffers owned here.
public final class TrainBatches {
    private var classification: ClassificationSampler?
    private var text: TextSampler?
    public let batchSize: Int
    public let context: Int
    public let x: Tensor                 // (B, features) for images
    public var tokens: [Int32]           // (B, T) for text
    public var targets: [Int32]          // (B) or (B, T)

    public init(_ data: TaskData, batchSize: Int, context: Int, seed: UInt64, state: JSONValue? = nil) throws {
        self.batchSize = batchSize
        self.context = context
        switch data {
        case .classification(let train, _, _):
            if train.count < batchSize {
                throw DataError("\(data.name) (train split)", expected: "at least \(batchSize) examples (one batch)", found: "\(train.count)")
            }
            x = Tensor(zeros: [batchSize, train.features])
            tokens = []
            targets = [Int32](repeating: 0, count: batchSize)
            if let state {
                let s = try JSONDecoder().decode(ClassificationSamplerState.self, from: Self.exactJSON(state))
                classification = try ClassificationSampler(data: train, state: s)
            } else {
                classification = try ClassificationSampler(data: train, batchSize: batchSize, dropLast: true, seed: seed)
            }
        case .text(let corpus):
            x = Tensor(zeros: [0])
            tokens = [Int32](repeating: 0, count: batchSize * context)
            targets = [Int32](repeating: 0, count: batchSize * context)
            if let state {
                let s = try JSONDecoder().decode(TextSamplerState.self, from: Self.exactJSON(state))
                text = try TextSampler(tokens: corpus.train, state: s)
            } else {
                text = try TextSampler(tokens: corpus.train, batchSize: batchSize, context: context, seed: seed)
            }
        }
    }

    /// Batches in one pass over the training set (classification), or nil for text.
    public var batchesPerEpoch: Int? { classification?.batchesPerEpoch }

    /// Fills the buffers with the next batch.
    public func next() throws {
        if classification != nil { _ = try classification!.next(x: x, y: &targets) }
        else { try text!.next(x: &tokens, y: &targets) }
    }

    /// Calls body with the current batch as network input (pointers valid inside body only).
    public func withInput<R>(_ body: (NetworkInput) throws -> R) rethrows -> R {
        if classification != nil { return try body(.features(x.data, batch: batchSize)) }
        return try tokens.withUnsafeBufferPointer { try body(.tokens($0.baseAddress!, batch: batchSize, seq: context)) }
    }

    /// The sampler state as exact JSON text inside a string: its RNG words are UInt64, which a JSON number
    /// read as Double would round.
    public var state: JSONValue {
        let data = classification != nil ? try? JSONEncoder().encode(classification!.state) : try? JSONEncoder().encode(text!.state)
        return .string(String(decoding: data ?? Data(), as: UTF8.self))
    }

    /// Restores the sampler from `state` (as saved by a checkpoint of a run on the same data).
    public func restore(_ state: JSONValue) throws {
        if let train = classification?.data {
            let s = try JSONDecoder().decode(ClassificationSamplerState.self, from: Self.exactJSON(state))
            classification = try ClassificationSampler(data: train, state: s)
        } else if let tokens = text?.tokens {
            let s = try JSONDecoder().decode(TextSamplerState.self, from: Self.exactJSON(state))
            text = try TextSampler(tokens: tokens, state: s)
        }
    }

    private static func exactJSON(_ state: JSONValue) throws -> Data {
        guard let text = state.string else { throw FormatError(file: "checkpoint", path: "train_state.sampler", "expected the sampler state as JSON text") }
        return Data(text.utf8)
    }

    /// Examples per batch: images, or tokens.
    public var unitsPerBatch: Int { classification != nil ? batchSize : batchSize * context }
}
