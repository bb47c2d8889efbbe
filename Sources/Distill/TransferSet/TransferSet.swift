// TransferSet: the sequence method's training corpus: fixed-length token sequences (a prompt from the training
// split and the teacher's best continuation, or windows of a text written elsewhere), in a digest-keyed HDF5 file.
import CondenseCore
import Foundation
import HDF5

public struct TransferSet: Equatable, Sendable {
    /// (count, length) token ids, row-major.
    public var tokens: [Int32]
    public var length: Int
    /// Leading positions of each sequence that are the prompt (not trained on); 0 for an external text.
    public var promptLength: Int
    /// What made it: the hash of the teacher's digest, the data, the generation options and the seed.
    public var key: String
    /// Each kept sequence's score (the teacher's mean log-likelihood per continuation token); empty for a text.
    public var scores: [Double]

    public var count: Int { length == 0 ? 0 : tokens.count / length }

    /// Writes the set atomically: datasets `tokens` int32 (count, length) and `scores` float64 (count), root
    /// attributes `condense_transfer_set` = 1, `key`, `prompt_length`.
    public func write(to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writeAtomically(to: path) { tmp in
            let f = try HDF5.File(create: tmp)
            let root = try f.root
            try root.setAttribute("condense_transfer_set", int: 1)
            try root.setAttribute("key", string: key)
            try root.setAttribute("prompt_length", int: Int64(promptLength))
            _ = try root.createDataset("tokens", shape: [count, length], values: tokens)
            _ = try root.createDataset("scores", shape: [scores.count], values: scores)
            try f.flush()
        }
    }

    /// Reads a set written by `write`; nil when its key is not `key` (the caller rebuilds it). Token ids must lie
    /// in 0..<vocab.
    static func read(_ path: String, key: String, vocab: Int) throws -> TransferSet? {
        let f = try HDF5.File(openReadOnly: path)
        let root = try f.root
        guard root.hasAttribute("condense_transfer_set") else {
            throw FormatError(file: path, "not a Condense transfer set (no condense_transfer_set attribute)")
        }
        guard (try root.stringAttribute("key")) == key else { return nil }
        let ds = try root.dataset("tokens")
        guard ds.shape.count == 2, ds.shape[1] >= 2 else {
            throw FormatError(file: path, path: "tokens", "expected shape (count, length ≥ 2), found \(ds.shape)")
        }
        let tokens = try ds.read(as: Int32.self)
        if let i = tokens.firstIndex(where: { $0 < 0 || Int($0) >= vocab }) {
            throw FormatError(file: path, path: "tokens", "expected token ids in 0..<\(vocab), found \(tokens[i]) at element \(i)")
        }
        let p = Int(try root.intAttribute("prompt_length"))
        return TransferSet(tokens: tokens, length: ds.shape[1], promptLength: p, key: key,
                           scores: try root.dataset("scores").read(as: Double.self))
    }

    /// An external text cut into sequences of `length` tokens (the remainder dropped), every character checked
    /// against the vocabulary: one outside it is an error naming it and its offset.
    static func text(_ path: String, vocabulary: Vocabulary, length: Int) throws -> TransferSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(file: path, "cannot read the transfer set (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FormatError(file: path, "expected UTF-8 text, found bytes that are not")
        }
        var ids: [Int32] = []
        ids.reserveCapacity(text.unicodeScalars.count)
        for (offset, ch) in text.unicodeScalars.enumerated() {
            guard let id = vocabulary.id(of: ch) else {
                throw FormatError(file: path, "character \(String(ch).debugDescription) (U+\(String(format: "%04X", ch.value))) at offset \(offset) is not in the model's vocabulary")
            }
            ids.append(id)
        }
        let count = ids.count / length
        guard count >= 1 else {
            throw FormatError(file: path, "expected at least \(length) characters (one sequence of prompt_length + continuation_length), found \(ids.count)")
        }
        return TransferSet(tokens: Array(ids.prefix(count * length)), length: length, promptLength: 0, key: "text", scores: [])
    }
}
