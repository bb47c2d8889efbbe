// InspectReport: what `condense inspect` shows of a model file, as text and as JSON.
import Foundation

public struct InspectReport: Codable {
    public let file: String
    public let family: String
    public let architecture: JSONValue
    public let tensors: [DatasetInfo]
    public let parameters: Int
    public let bytes_on_disk: Int
    public let vocabulary_size: Int?
    public let history: [JSONValue]
    /// Int8 linear layers and their schemes (absent for a float model).
    public let quantized_layers: [String: String]?

    /// Validates the whole file as every loader does (weights read and checked, non-finite ones refused unless
    /// `allowNonFinite`), then describes it.
    public init(path: String, allowNonFinite: Bool = false) throws {
        let h = try ModelFile.readHeader(path)
        _ = try ModelFile.read(path, allowNonFinite: allowNonFinite)
        self.init(header: h)
    }

    /// The report for an already-read header (a Condense file's, or one made by `ModelHeader(model:…)`).
    public init(header h: ModelHeader) {
        file = h.file
        family = h.architecture.family
        architecture = (try? JSONDecoder().decode(JSONValue.self, from: Data(h.architecture.json().utf8))) ?? .null
        tensors = h.datasets
        parameters = h.parameterCount
        bytes_on_disk = h.fileBytes
        vocabulary_size = h.vocabulary?.count
        history = h.history
        quantized_layers = h.quantization.isEmpty ? nil : h.quantization.mapValues(\.rawValue)
    }

    public var json: String { ((try? JSONValue(encoding: self)) ?? .null).jsonString(pretty: true) }

    public var text: String {
        var out = ["\(file)", "  family: \(family)"]
        if case .object(let o) = architecture {
            for k in o.keys.sorted() where k != "family" { out.append("  \(k): \(o[k]!)") }
        }
        if let v = vocabulary_size { out.append("  vocabulary: \(v) symbols") }
        out.append("")
        let w = max(4, tensors.map(\.path.count).max() ?? 4)
        out.append("  " + "path".padding(toLength: w, withPad: " ", startingAt: 0) + "  shape            dtype      bytes")
        for t in tensors {
            let shape = "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
            var line = "  " + t.path.padding(toLength: w, withPad: " ", startingAt: 0) + "  "
                + shape.padding(toLength: 16, withPad: " ", startingAt: 0) + " "
                + t.dtype.padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(t.bytes).leftPadded(11)
            if let tied = t.tiedTo { line += "  (tied to \(tied); counted once)" }
            out.append(line)
        }
        out.append("")
        out.append("  parameters: \(parameters.formatted(grouping: true))")
        if let q = quantized_layers {
            let schemes = Set(q.values).sorted().joined(separator: ", ")
            out.append("  quantized: \(q.count) linear layer(s) in int8 (\(schemes)); embeddings and LayerNorms in float32")
        }
        out.append("  size on disk: \(bytes_on_disk.formatted(grouping: true)) bytes (\(formatBytes(bytes_on_disk)))")
        out.append("  history: \(history.isEmpty ? "none" : "\(history.count) record(s)")")
        // One line per record; the full records (configs, kept indices, metrics) are in --json.
        for (i, r) in history.enumerated() {
            let stage = r["stage"]?.string ?? "?"
            let time = r["time"]?.string ?? ""
            var line = "    \(i + 1). \(stage) \(time)"
            if let bits = r["config"]?["weight_bits"]?.number, bits != 8 { line += ", weight_bits \(Int(bits))" }
            if let after = r["params_after"]?.number {
                let before = r["params_before"]?.number.map { Int($0).formatted(grouping: true) + " → " } ?? ""
                line += ", params \(before)\(Int(after).formatted(grouping: true))"
            }
            if case .object(let m)? = r["metrics"] {
                let shown = m.keys.sorted().compactMap { k -> String? in
                    if let v = m[k]?.number { return "\(k) \(v == v.rounded() ? String(Int(v)) : String(format: "%.4g", v))" }
                    if let v = m[k]?.string { return "\(k) \(v)" }
                    return nil
                }
                if !shown.isEmpty { line += "; " + shown.joined(separator: ", ") }
            }
            out.append(line)
        }
        if !history.isEmpty { out.append("    (full records: --json)") }
        return out.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

extension Int {
    /// 1234567 → "1,234,567".
    public func formatted(grouping: Bool) -> String {
        let s = String(Swift.abs(self))
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (self < 0 ? "-" : "") + out
    }
}

/// Human-readable byte size: "4.61 MiB".
public func formatBytes(_ b: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var v = Double(b), u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return u == 0 ? "\(b) B" : String(format: "%.2f %@", v, units[u])
}
