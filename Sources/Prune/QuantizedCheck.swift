// QuantizedCheck: finds int8 layers (`qweight`) in a file, so that pruning a quantized model is a clear error.
import HDF5

/// Paths of quantized Linear groups in the HDF5 file at `path` (those holding a `qweight` dataset); empty if
/// there are none or the file cannot be opened (reading it properly reports that).
public func quantizedLayers(inFile path: String) -> [String] {
    guard let file = try? File(openReadOnly: path), let paths = try? file.root.allDatasetPaths() else { return [] }
    return paths.filter { $0 == "qweight" || $0.hasSuffix("/qweight") }.map { String($0.dropLast("qweight".count)).trimmingSuffix("/") }
}

extension String {
    fileprivate func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
