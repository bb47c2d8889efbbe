// NanoGPTBin: nanoGPT's prepared data folder: train.bin and val.bin (and test.bin) of little-endian uint16 token ids,
// memory-mapped and read window by window; the vocabulary comes from meta.json (tools/nanogpt_meta.py converts nanoGPT's meta.pkl) or the model.
import Foundation

enum NanoGPTBin {
    struct Meta: Decodable {
        let vocab_size: Int
        let vocabulary: [String]?
    }

    static func meta(_ dir: String) throws -> Meta? {
        let p = (dir as NSString).appendingPathComponent("meta.json")
        guard let data = FileManager.default.contents(atPath: p) else {
            return nil
        }
        do { return try JSONDecoder().decode(Meta.self, from: data) } catch {
            throw DataError(p, expected: "{\"vocab_size\": N, \"vocabulary\": [...]} (as tools/nanogpt_meta.py writes)", found: "\(error)")
        }
    }

    static var hint: String { "convert nanoGPT's meta.pkl with tools/nanogpt_meta.py DIR/meta.pkl (it writes DIR/meta.json)" }

    /// The ids of `name`.bin in `dir`, memory-mapped (never copied whole) and checked to be below `vocabSize` in one
    /// streaming pass; nil when the file is absent.
    static func tokens(_ dir: String, _ name: String, vocabSize: Int) throws -> TokenSequence? {
        let p = (dir as NSString).appendingPathComponent(name + ".bin")
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let file = try MappedFile(p)
        guard file.count % 2 == 0 else {
            throw DataError(p, expected: "uint16 token ids (an even number of bytes)", found: "\(file.count) bytes")
        }
        try file.stream { raw, at in
            for i in 0..<(raw.count / 2) {
                let v = Int(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian)
                if v >= vocabSize {
                    throw DataError(p, expected: "token ids below \(vocabSize) (the vocabulary size)", found: "id \(v) at position \(at / 2 + i)")
                }
            }
        }
        return TokenSequence(uint16: file)
    }
}
