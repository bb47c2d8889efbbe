// Ops+Rows: row-wise kernels on (rows, cols) matrices: stable softmax, log-softmax, argmax, bias broadcast, column sums.
import Foundation

extension Ops {
    /// out (rows, cols) += vec (cols) broadcast over rows (e.g. adding a bias).
    public static func addRowVector(_ out: UnsafeMutablePointer<Float>, _ vec: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { add(out + r * cols, out + r * cols, vec, cols) }
    }

    /// out (cols) += Σ_r x[r, :], for x (rows, cols) (e.g. a bias gradient).
    public static func accumulateColumnSums(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { add(out, out, x + r * cols, cols) }
    }

    /// out[r, :] = softmax(inp[r, :]·invTemperature), for (rows, cols). Numerically stable (max subtracted).
    public static func softmaxRows(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int,
                                   invTemperature: Float = 1) {
        for r in 0..<rows { softmaxRow(out + r * cols, inp + r * cols, cols, invTemperature) }
    }

    /// out[r, :] = log softmax(inp[r, :]·invTemperature), for (rows, cols).
    public static func logSoftmaxRows(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int,
                                      invTemperature: Float = 1) {
        for r in 0..<rows {
            let x = inp + r * cols, o = out + r * cols
            let m = max(x, cols) * invTemperature
            let s = expShiftSum(nil, x, cols, invTemperature, m)
            let logZ = m + Foundation.log(s)
            var i = 0
            while i + 16 <= cols { store16(load16(x + i) * invTemperature - logZ, o + i); i += 16 }
            while i < cols { o[i] = x[i] * invTemperature - logZ; i += 1 }
        }
    }

    /// out[r] = the first index of the maximum of inp[r, :], for (rows, cols).
    public static func argmaxRows(_ out: UnsafeMutablePointer<Int32>, _ inp: UnsafePointer<Float>, rows: Int, cols: Int) {
        precondition(cols > 0, "argmax of an empty row")
        for r in 0..<rows {
            let x = inp + r * cols
            var best = 0, bv = x[0]
            for j in 1..<Swift.max(cols, 1) where x[j] > bv { bv = x[j]; best = j }
            out[r] = Int32(best)
        }
    }

    /// One row of softmax: out = softmax(x·s), n > 0.
    @inline(__always)
    static func softmaxRow(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ s: Float) {
        let m = max(x, n) * s
        let total = expShiftSum(out, x, n, s, m)
        scale(out, 1 / total, n)
    }

    /// out = exp(x·s − m) (skipped when out is nil), returning Σ exp(x·s − m).
    @inline(__always)
    static func expShiftSum(_ out: UnsafeMutablePointer<Float>?, _ x: UnsafePointer<Float>, _ n: Int, _ s: Float, _ m: Float) -> Float {
        var acc = F16(repeating: 0), i = 0
        while i + 16 <= n {
            let e = simdExp(load16(x + i) * s - m)
            if let out { store16(e, out + i) }
            acc += e; i += 16
        }
        if i < n {
            let rest = n - i
            let e = simdExp(loadPartial(x + i, rest) * s - m)
            if let out { storePartial(e, out + i, rest) }
            for l in 0..<rest { acc[l] += e[l] }
        }
        return hsum(acc)
    }
}
