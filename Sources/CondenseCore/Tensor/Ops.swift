// Ops: allocation-free elementwise and reduction kernels on raw Float pointers, vectorised with SIMD16.
// Every output pointer may alias an input of the same shape (all loops read before they write, lane by lane).
import Foundation

public enum Ops {
    // MARK: elementwise

    /// out = a + b, n elements.
    public static func add(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { store16(load16(a + i) + load16(b + i), out + i); i += 16 }
        while i < n { out[i] = a[i] + b[i]; i += 1 }
    }

    /// y += x, n elements.
    public static func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        add(y, y, x, n)
    }

    /// y += alpha·x, n elements.
    public static func axpy(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { store16(load16(y + i) + alpha * load16(x + i), y + i); i += 16 }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// out = a ⊙ b, n elements.
    public static func mul(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { store16(load16(a + i) * load16(b + i), out + i); i += 16 }
        while i < n { out[i] = a[i] * b[i]; i += 1 }
    }

    /// x *= alpha, n elements.
    public static func scale(_ x: UnsafeMutablePointer<Float>, _ alpha: Float, _ n: Int) {
        var i = 0
        while i + 16 <= n { store16(alpha * load16(x + i), x + i); i += 16 }
        while i < n { x[i] *= alpha; i += 1 }
    }

    /// out = alpha·x, n elements.
    public static func scaled(_ out: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { store16(alpha * load16(x + i), out + i); i += 16 }
        while i < n { out[i] = alpha * x[i]; i += 1 }
    }

    /// out (rows, cols) += vec (cols) broadcast over rows (e.g. adding a bias).
    public static func addRowVector(_ out: UnsafeMutablePointer<Float>, _ vec: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { add(out + r * cols, out + r * cols, vec, cols) }
    }

    /// out (cols) += Σ_r x[r, :], for x (rows, cols) (e.g. a bias gradient).
    public static func accumulateColumnSums(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { add(out, out, x + r * cols, cols) }
    }

    // MARK: reductions

    /// Σ x.
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = F16(repeating: 0), i = 0
        while i + 16 <= n { acc += load16(x + i); i += 16 }
        var s = hsum(acc)
        while i < n { s += x[i]; i += 1 }
        return s
    }

    /// Σ x².
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = F16(repeating: 0), i = 0
        while i + 16 <= n { let v = load16(x + i); acc += v * v; i += 16 }
        var s = hsum(acc)
        while i < n { s += x[i] * x[i]; i += 1 }
        return s
    }

    /// Σ a·b.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = F16(repeating: 0), i = 0
        while i + 16 <= n { acc += load16(a + i) * load16(b + i); i += 16 }
        var s = hsum(acc)
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// max |x| (0 for n = 0). NaNs are not reported here: use `firstNonFinite`.
    public static func maxAbs(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = F16(repeating: 0), i = 0
        while i + 16 <= n { let v = load16(x + i); acc = pointwiseMax(acc, pointwiseMax(v, -v)); i += 16 }
        var m = hmax(acc)
        while i < n { m = Swift.max(m, Swift.abs(x[i])); i += 1 }
        return m
    }

    /// max x (−∞ for n = 0).
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = F16(repeating: -.infinity), i = 0
        while i + 16 <= n { acc = pointwiseMax(acc, load16(x + i)); i += 16 }
        var m = hmax(acc)
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        return m
    }

    /// The index of the first NaN or ±∞, or nil when all n elements are finite.
    public static func firstNonFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Int? {
        // x·0 is 0 for finite x and NaN otherwise, so a block is clean exactly when its Σ x·0 is 0.
        var i = 0
        while i + 16 <= n {
            let v = load16(x + i) * 0
            if hsum(v) != 0 { break }  // NaN != 0 too
            i += 16
        }
        while i < n { if !x[i].isFinite { return i }; i += 1 }
        return nil
    }

    // MARK: row-wise

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
