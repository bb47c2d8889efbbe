// NPY: a parser for NumPy's .npy format (magic, version, a small Python-dict header, then the raw array), checked
// against the file's size before anything is allocated.
import Foundation

/// A parsed .npy: its element type, its shape, and the bytes of its payload (a slice of the file, not a copy).
public struct NPYArray {
    public typealias Kind = ElementCoding.Kind
    public let kind: Kind
    /// Bytes per element: 1, 2, 4 or 8.
    public let itemSize: Int
    public let bigEndian: Bool
    public let shape: [Int]
    public let payload: Data
    public let source: String

    public var count: Int { shape.reduce(1, *) }
    public var dtype: String { "\(bigEndian ? ">" : "<")\(kind.rawValue)\(itemSize)" }

    /// The largest header Condense reads (NumPy's own reader stops at 10,000 bytes by default).
    public static let maxHeaderBytes = NPYHeader.maxHeaderBytes

    public static func read(_ path: String) throws -> NPYArray {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw DataError(path, expected: "a readable .npy file", found: FileManager.default.fileExists(atPath: path) ? "a file that cannot be read" : "no such file")
        }
        return try parse(data, source: path)
    }

    /// Parses the bytes of a .npy file; `source` is named in errors.
    public static func parse(_ data: Data, source: String) throws -> NPYArray {
        let h = try NPYHeader.parse(data, fileBytes: data.count, source: source)
        return NPYArray(kind: h.coding.kind, itemSize: h.coding.itemSize, bigEndian: h.coding.bigEndian, shape: h.shape,
                        payload: data[(data.startIndex + h.payloadOffset)...], source: source)
    }
}

extension NPYHeader {
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parseHeader(_ h: String, source: String) throws -> (ElementCoding.Kind, Int, Bool, [Int]) {
        func value(_ key: String) throws -> Substring {
            guard let r = h.range(of: "'\(key)':") else {
                throw DataError(source, expected: "a .npy header with '\(key)'", found: h.prefix(120).debugDescription)
            }
            return h[r.upperBound...].drop { $0 == " " }
        }
        let descr = try value("descr")
        guard descr.first == "'", let end = descr.dropFirst().firstIndex(of: "'") else {
            throw DataError(source, expected: "'descr' as a quoted dtype such as '<f4'", found: String(descr.prefix(20)).debugDescription)
        }
        let d = Array(descr[descr.index(after: descr.startIndex)..<end])
        guard d.count == 3 || d.count == 2, let kind = ElementCoding.Kind(rawValue: d[d.count - 2]), let size = Int(String(d[d.count - 1])),
              [1, 2, 4, 8].contains(size), d.count == 2 || "<>|=".contains(d[0]) else {
            throw DataError(source, expected: "a numeric dtype (f4, f8, i1…i8, u1…u8, b1)", found: "'\(String(d))'")
        }
        if kind == .float && size < 4 { throw DataError(source, expected: "float32 or float64", found: "'\(String(d))'") }
        let fortran = try value("fortran_order")
        guard fortran.hasPrefix("False") else {
            throw DataError(source, expected: "C order (fortran_order False)", found: String(fortran.prefix(5)))
        }
        let shapeText = try value("shape")
        guard shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw DataError(source, expected: "'shape' as a tuple", found: String(shapeText.prefix(30)).debugDescription)
        }
        let parts = shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for p in parts {
            guard let n = Int(p), n >= 0 else { throw DataError(source, expected: "non-negative dimensions", found: "shape (\(parts.joined(separator: ", ")))") }
            shape.append(n)
        }
        guard shape.count <= 8 else { throw DataError(source, expected: "at most 8 dimensions", found: "\(shape.count)") }
        return (kind, size, d.count == 3 && d[0] == ">", shape)
    }
}

extension NPYArray {
    public var coding: ElementCoding { ElementCoding(kind: kind, itemSize: itemSize, bigEndian: bigEndian) }

    @inline(__always)
    func element(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Double { coding.double(raw.baseAddress!, i) }

    /// Every element as Float (features).
    public func floats() -> [Float] {
        payload.withUnsafeBytes { raw in
            if kind == .float && itemSize == 4 && !bigEndian {
                return [Float](unsafeUninitializedCapacity: count) { buf, n in
                    _ = raw.copyBytes(to: UnsafeMutableRawBufferPointer(buf)); n = count
                }
            }
            return (0..<count).map { Float(element(raw, $0)) }
        }
    }

    /// Every element as Double (labels, checked by the caller for being whole).
    public func doubles() -> [Double] {
        payload.withUnsafeBytes { raw in (0..<count).map { element(raw, $0) } }
    }
}
