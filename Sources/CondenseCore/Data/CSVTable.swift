// CSVTable: a labelled table from CSV (a header row, a label column, every other column a number), parsed row by
// row by CSV.swift from the memory-mapped file; ragged rows and non-numeric cells are errors naming the row and column.
import CSV
import Foundation

enum CSVTable {
    static func read(_ path: String, label: String) throws -> RawSplits {
        // From memory-mapped text, not an InputStream: on Linux a file stream reports an error at its end.
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw DataError(path, expected: "a readable CSV file", found: FileManager.default.fileExists(atPath: path) ? "a file that cannot be read" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(path, expected: "UTF-8 CSV text", found: "bytes that are not valid UTF-8")
        }
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true) } catch {
            throw DataError(path, expected: "a CSV header row", found: "\(error)")
        }
        guard let header = reader.headerRow, !header.isEmpty, header != [""] else {
            throw DataError(path, expected: "a CSV header row naming the columns", found: "an empty file")
        }
        guard let labelColumn = header.firstIndex(of: label) else {
            throw DataError(path, expected: "a label column named \"\(label)\" (set it with --label or data.label)",
                            found: "columns \(header.prefix(12).map { "\"\($0)\"" }.joined(separator: ", "))\(header.count > 12 ? ", …" : "")")
        }
        let f = header.count - 1
        guard f >= 1 else { throw DataError(path, expected: "at least one feature column beside \"\(label)\"", found: "none") }
        var x: [Float] = [], y: [Double] = []
        var line = 1          // the header is line 1
        while let row = reader.next() {
            line += 1
            if row == [""] { continue }   // a blank line
            guard row.count == header.count else {
                throw DataError(path, expected: "\(header.count) fields in every row (as the header has)", found: "\(row.count) in row \(line)")
            }
            for (j, cell) in row.enumerated() {
                guard let v = Double(cell), v.isFinite else {
                    throw DataError(path, expected: "a finite number in every cell", found: "\"\(cell.prefix(40))\" in row \(line), column \"\(header[j])\"")
                }
                if j == labelColumn { y.append(v) } else { x.append(Float(v)) }
            }
        }
        if let e = reader.error { throw DataError(path, expected: "well-formed CSV", found: "\(e) after row \(line)") }
        guard !y.isEmpty else { throw DataError(path, expected: "at least one data row below the header", found: "none") }
        return RawSplits(train: try RawExamples(x: x, rows: y.count, features: f, y: y, source: "\(path)",
                                                ySource: "\(path): column \"\(label)\""))
    }
}
