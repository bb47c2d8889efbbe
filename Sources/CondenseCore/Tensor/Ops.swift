// Ops: allocation-free elementwise and reduction kernels on raw Float pointers, vectorised with SIMD16.
// Every output pointer may alias an input of the same shape (all loops read before they write, lane by lane).

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
        while i + 16 <= n { let v = load16(x + i); acc = vmax(acc, vabs(v)); i += 16 }
        var m = hmax(acc)
        while i < n { m = Swift.max(m, Swift.abs(x[i])); i += 1 }
        return m
    }

    /// max x (−∞ for n = 0).
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = F16(repeating: -.infinity), i = 0
        while i + 16 <= n { acc = vmax(acc, load16(x + i)); i += 16 }
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
}
