// Activation: ReLU and exact-erf GELU, elementwise forward and backward (in place allowed).

/// out (N) = max(inp, 0). out may be inp.
public func reluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    let zero = F16(repeating: 0)
    var i = 0
    while i + 16 <= n { let x = load16(inp + i); store16(x.replacing(with: zero, where: x .< zero), out + i); i += 16 }
    while i < n { out[i] = max(inp[i], 0); i += 1 }
}

/// dinp (N) = dout where out > 0, else 0; overwritten, or added when accumulateInput.
/// Takes the forward's output (not input), so an in-place forward needs no saved copy. dinp may be dout.
public func reluBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>,
                         n: Int, accumulateInput: Bool = false) {
    let zero = F16(repeating: 0)
    var i = 0
    if accumulateInput {
        while i + 16 <= n {
            let g = load16(dout + i).replacing(with: zero, where: load16(out + i) .<= zero)
            store16(load16(dinp + i) + g, dinp + i); i += 16
        }
        while i < n { if out[i] > 0 { dinp[i] += dout[i] }; i += 1 }
    } else {
        while i + 16 <= n {
            store16(load16(dout + i).replacing(with: zero, where: load16(out + i) .<= zero), dinp + i); i += 16
        }
        while i < n { dinp[i] = out[i] > 0 ? dout[i] : 0; i += 1 }
    }
}

private let invSqrt2: Float = 0.707_106_781_186_547_5
private let invSqrt2Pi: Float = 0.398_942_280_401_432_7

/// out (N) = 0.5·x·(1 + erf(x/√2)), the exact (erf, not tanh) GELU. out may be inp.
public func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int) {
    Parallel.forChunks(n, minChunk: 1 << 15) { range in
        var i = range.lowerBound
        let end = range.upperBound
        while i + 16 <= end {
            let x = load16(inp + i)
            store16(0.5 * x * (1 + simdErf(x * invSqrt2)), out + i); i += 16
        }
        if i < end {
            let x = loadPartial(inp + i, end - i)
            storePartial(0.5 * x * (1 + simdErf(x * invSqrt2)), out + i, end - i)
        }
    }
}

/// dinp (N) = dout·(Φ(x) + x·φ(x)), with Φ the normal CDF and φ its density; x = inp (the forward's input).
/// dinp is overwritten, or added when accumulateInput; dinp may be dout.
public func geluBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                         n: Int, accumulateInput: Bool = false) {
    Parallel.forChunks(n, minChunk: 1 << 15) { range in
        @inline(__always) func grad(_ x: F16, _ g: F16) -> F16 {
            let (e, ex) = simdErfExp(x * invSqrt2)  // ex = exp(−x²/2)
            return g * (0.5 * (1 + e) + x * invSqrt2Pi * ex)
        }
        var i = range.lowerBound
        let end = range.upperBound
        while i + 16 <= end {
            let d = grad(load16(inp + i), load16(dout + i))
            store16(accumulateInput ? load16(dinp + i) + d : d, dinp + i); i += 16
        }
        if i < end {
            let rest = end - i
            let d = grad(loadPartial(inp + i, rest), loadPartial(dout + i, rest))
            storePartial(accumulateInput ? loadPartial(dinp + i, rest) + d : d, dinp + i, rest)
        }
    }
}
