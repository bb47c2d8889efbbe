// Safetensors: the safetensors file layout (u64 little-endian header length, JSON header, raw little-endian bytes).
import CondenseCore
import Foundation

enum Safetensors {
    /// Serializes float32 tensors by name; the header is padded with spaces to an 8-byte boundary as the format allows.
    static func encode(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String]) -> Data {
        var header: [String: JSONValue] = ["__metadata__": .object(metadata.mapValues { .string($0) })]
        var offset = 0
        for t in tensors {
            let end = offset + t.values.count * 4
            header[t.name] = .object(["dtype": .string("F32"), "shape": .array(t.shape.map { .number(Double($0)) }),
                                      "data_offsets": .array([.number(Double(offset)), .number(Double(end))])])
            offset = end
        }
        var json = Array(JSONValue.object(header).description.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for t in tensors { t.values.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }
}
