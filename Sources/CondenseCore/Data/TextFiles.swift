// TextFiles: a user's text for a language model: one UTF-8 file, a folder of them, or given train/val/test.txt splits,
// encoded with the model's vocabulary (unknown characters are an error naming the first one, or skipped).
import Foundation

enum TextFiles {
    /// A text read from disk, before encoding.
    struct Part {
        let text: String
        let source: String
    }

    /// The given splits (train.txt, val.txt, optional test.txt), or the whole text to be cut by fractions.
    enum Layout {
        case given(train: Part, val: Part, test: Part?)
        case whole([Part])
    }

    static func layout(_ path: String) throws -> Layout {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DataError(path, expected: "a text file or folder", found: "no such file")
        }
        guard isDir.boolValue else { return .whole([try read(path)]) }
        let file = { (n: String) in (path as NSString).appendingPathComponent(n) }
        let fm = FileManager.default
        if fm.fileExists(atPath: file("train.txt")) {
            guard fm.fileExists(atPath: file("val.txt")) else {
                throw DataError(path, expected: "val.txt beside train.txt (given splits)", found: "train.txt only")
            }
            let test = fm.fileExists(atPath: file("test.txt")) ? try read(file("test.txt")) : nil
            return .given(train: try read(file("train.txt")), val: try read(file("val.txt")), test: test)
        }
        let names = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
        guard !names.isEmpty else { throw DataError(path, expected: "a folder of .txt files (or train.txt and val.txt)", found: "no .txt file") }
        return .whole(try names.map { try read(file($0)) })
    }

    static func read(_ path: String) throws -> Part {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw DataError(path, expected: "a readable text file", found: "\(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(path, expected: "UTF-8 text", found: "bytes that are not valid UTF-8")
        }
        return Part(text: text, source: path)
    }

    /// Token ids of `part`; characters outside the vocabulary are an error naming the first one and its offset (in
    /// Unicode scalars), or skipped and counted.
    static func encode(_ part: Part, _ vocab: Vocabulary, unknown: UnknownCharacters) throws -> (ids: [Int32], skipped: Int, first: String?) {
        if unknown == .error {
            do { return (try vocab.encode(part.text, source: part.source), 0, nil) } catch let e as DataError {
                throw DataError(e.source, expected: e.expected, found: e.found,
                                hint: "the model's vocabulary lacks it; pass --unknown skip (data.unknown: skip) to drop such characters")
            }
        }
        var ids: [Int32] = []
        ids.reserveCapacity(part.text.utf8.count)
        var skipped = 0, first: String?
        for (offset, s) in part.text.unicodeScalars.enumerated() {
            if let id = vocab.id(of: s) { ids.append(id); continue }
            skipped += 1
            if first == nil { first = "\(Vocabulary.quote(s)) at offset \(offset)" }
        }
        if ids.isEmpty {
            throw DataError(part.source, expected: "text in the model's \(vocab.count)-character vocabulary",
                            found: "no character of it (\(skipped) characters, all unknown; the first \(first ?? "none"))")
        }
        return (ids, skipped, first)
    }

    /// The vocabulary of a text (training a new model): its distinct characters in code-point order, as nanoGPT's prepare.py.
    static func vocabulary(of parts: [Part]) throws -> Vocabulary {
        var set = Set<Unicode.Scalar>()
        for p in parts { for s in p.text.unicodeScalars { set.insert(s) } }
        return try Vocabulary(scalars: set.sorted { $0.value < $1.value }, source: parts.first?.source ?? "text")
    }
}
