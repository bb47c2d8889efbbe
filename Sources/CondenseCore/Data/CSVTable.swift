// CSVTable: a labelled table from CSV (a header row, a label column, every other column a number), parsed by CSV.swift
// in chunks of whole records read with pread(2), so that memory stays bounded by a chunk however large the file;
// ragged rows and non-numeric cells are errors naming the row and column.
import CSV
import Foundation

enum CSVTable {
    /// The table read whole: x as floats, y as the label column.
    static func read(_ path: String, label: String) throws -> RawSplits {
        var x: [Float] = [], y: [Double] = []
        let f = try forEachRow(path, label: label) { features, v in x.append(contentsOf: features); y.append(v) }
        return RawSplits(train: try RawExamples(x: x, rows: y.count, features: f, y: y, source: "\(path)",
                                                ySource: "\(path): column \"\(label)\""))
    }

    /// Visits every data row (its features in column order, without the label, and its label) and returns the number
    /// of features; the header row, ragged rows, cells that are not finite numbers and malformed CSV are errors.
    @discardableResult
    static func forEachRow(_ path: String, label: String, _ body: (UnsafeBufferPointer<Float>, Double) throws -> Void) throws -> Int {
        var header: [String] = [], labelColumn = 0, line = 1   // the header is line 1
        var row = [Float]()
        var rows = 0
        try CSVChunks.forEach(path) { text, first in
            let reader: CSVReader
            do { reader = try CSVReader(string: text, hasHeaderRow: first, trimFields: true) } catch {
                throw DataError(path, expected: "a CSV header row", found: "\(error)")
            }
            if first {
                (header, labelColumn) = try checkHeader(reader.headerRow, path: path, label: label)
                row = [Float](repeating: 0, count: header.count - 1)
            }
            while let cells = reader.next() {
                line += 1
                if cells == [""] { continue }   // a blank line
                guard cells.count == header.count else {
                    throw DataError(path, expected: "\(header.count) fields in every row (as the header has)", found: "\(cells.count) in row \(line)")
                }
                var v = 0.0, k = 0
                for (j, cell) in cells.enumerated() {
                    guard let d = Double(cell), d.isFinite else {
                        throw DataError(path, expected: "a finite number in every cell", found: "\"\(cell.prefix(40))\" in row \(line), column \"\(header[j])\"")
                    }
                    if j == labelColumn { v = d } else { row[k] = Float(d); k += 1 }
                }
                try row.withUnsafeBufferPointer { try body($0, v) }
                rows += 1
            }
            if let e = reader.error { throw DataError(path, expected: "well-formed CSV", found: "\(e) after row \(line)") }
        }
        guard rows > 0 else { throw DataError(path, expected: "at least one data row below the header", found: "none") }
        return header.count - 1
    }

    /// The header's columns and the label's index.
    static func checkHeader(_ row: [String]?, path: String, label: String) throws -> ([String], Int) {
        guard let header = row, !header.isEmpty, header != [""] else {
            throw DataError(path, expected: "a CSV header row naming the columns", found: "an empty file")
        }
        guard let labelColumn = header.firstIndex(of: label) else {
            throw DataError(path, expected: "a label column named \"\(label)\" (set it with --label or data.label)",
                            found: "columns \(header.prefix(12).map { "\"\($0)\"" }.joined(separator: ", "))\(header.count > 12 ? ", …" : "")")
        }
        guard header.count >= 2 else { throw DataError(path, expected: "at least one feature column beside \"\(label)\"", found: "none") }
        return (header, labelColumn)
    }

    /// Columns of the header row (read from the file's first bytes), for the memory estimate; nil when unreadable.
    static func columns(_ path: String) -> Int? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 1 << 20), let text = String(data: head.prefix { $0 != 0x0A }, encoding: .utf8),
              let reader = try? CSVReader(string: text, hasHeaderRow: true, trimFields: true), let header = reader.headerRow else { return nil }
        return header.count
    }
}

/// A CSV file cut into chunks of whole records: each ends at a newline outside quotes (an even number of '"' before
/// it), so that a record, quoted newlines included, never spans two chunks.
enum CSVChunks {
    /// Bytes read per pread(2); a chunk is at least this long unless the file ends (or one record is longer).
    static let blockBytes = 8 << 20

    /// Calls `body` with each chunk as text and whether it is the first (which holds the header row).
    static func forEach(_ path: String, _ body: (String, Bool) throws -> Void) throws {
        let file: MappedFile
        do { file = try MappedFile(path) } catch {
            throw DataError(path, expected: "a readable CSV file", found: FileManager.default.fileExists(atPath: path) ? "a file that cannot be read" : "no such file")
        }
        var pending = Data(), quoted = false, first = true
        func emit(_ bytes: Data) throws {
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw DataError(path, expected: "UTF-8 CSV text", found: "bytes that are not valid UTF-8")
            }
            try body(text, first)
            first = false
        }
        try file.stream(from: 0, bytes: file.count, chunk: blockBytes) { raw, _ in
            var cut = -1
            for i in 0..<raw.count {
                let b = raw[i]
                if b == 0x22 { quoted.toggle() } else if b == 0x0A && !quoted { cut = i }
            }
            guard cut >= 0 else { pending.append(contentsOf: raw); return }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0...cut]))
            try emit(pending)
            pending = Data(UnsafeRawBufferPointer(rebasing: raw[(cut + 1)...]))
        }
        if first || !pending.isEmpty { try emit(pending) }
    }
}
