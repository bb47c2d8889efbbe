// BatchBuffers: the padding convention and shape checks shared by the samplers and evaluation iterators.
public enum BatchBuffers {
    /// The target of a padding row or an already-scored position; losses and metrics must skip it.
    public static let ignoreIndex: Int32 = -1

    static func check(_ x: Tensor, rows: Int, columns: Int, _ source: String) throws {
        guard x.count == rows * columns else {
            throw DataError(source, expected: "an input buffer of \(rows)×\(columns) = \(rows * columns) floats",
                            found: "a tensor of shape \(x.shape)")
        }
    }

    static func check(_ ids: [Int32], count: Int, name: String, _ source: String) throws {
        guard ids.count == count else {
            throw DataError(source, expected: "a \(name) buffer of \(count) Int32", found: "\(ids.count)")
        }
    }

    static func checkSize(_ value: Int, _ name: String, _ source: String) throws {
        guard value > 0 else { throw DataError(source, expected: "\(name) > 0", found: "\(value)") }
    }

    /// Copies examples `index(0) … index(rows − 1)` of `data` into rows 0..<rows of x and y; pads the rest of the batch.
    @inline(__always)
    static func gather(_ data: LabeledImages, rows: Int, batch: Int, x: Tensor, y: inout [Int32],
                       index: (Int) -> Int) {
        let f = data.features
        let src = data.rows
        data.labels.withUnsafeBufferPointer { labels in
            y.withUnsafeMutableBufferPointer { yb in
                for r in 0..<rows {
                    let i = index(r)
                    src.copyRow(i, to: x.data + r * f)
                    yb[r] = labels[i]
                }
                for r in rows..<batch { yb[r] = ignoreIndex }
            }
        }
        if rows < batch {
            (x.data + rows * f).update(repeating: 0, count: (batch - rows) * f)
        }
    }
}
