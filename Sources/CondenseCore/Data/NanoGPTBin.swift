// NanoGPTBin: nanoGPT's prepared data folder: train.bin and val.bin (and test.bin) of little-endian uint16 token ids,
// memory-mapped; the vocabulary comes from meta.json (tools/nanogpt_meta.py converts nanoGPT's meta.pkl) or the model.
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

    /// The ids of `name`.bin in `dir`, checked to be below `vocabSize`; nil when the file is absent.
    static func tokens(_ dir: String, _ name: String, vocabSize: Int) throws -> [Int32]? {
        let p = (dir as NSString).appendingPathComponent(name + ".bin")
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: p), options: .alwaysMapped) } catch {
            throw DataError(p, expected: "a readable .bin file", found: "\(error.localizedDescription)")
        }
        guard data.count % 2 == 0 else {
            throw DataError(p, expected: "uint16 token ids (an even number of bytes)", found: "\(data.count) bytes")
        }
        let n = data.count / 2
        var out = [Int32](repeating: 0, count: n)
        var bad: (Int, Int)?
        data.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<n {
                    let v = Int(raw[2 * i]) | Int(raw[2 * i + 1]) << 8
                    if v >= vocabSize && bad == nil { bad = (i, v) }
                    o[i] = Int32(v)
                }
            }
        }
        if let (i, v) = bad {
            throw DataError(p, expected: "token ids below \(vocabSize) (the vocabulary size)", found: "id \(v) at position \(i)")
        }
        return out
    }
}
