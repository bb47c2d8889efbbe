// LayerNorm: normalisation over the last dim C with eps 1e-5, weight and optional bias, forward and backward.
import Foundation

public let layerNormEps: Float = 1e-5

/// inp (N,C), weight (C), bias (C) or nil, out (N,C) overwritten (may not alias inp).
/// Saves mean (N) and rstd (N) = 1/√(var + eps), the biased variance, for the backward.
public func layerNormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                             rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, n: Int, c: Int) {
    Parallel.forChunks(n, minChunk: max(1, (1 << 14) / max(c, 1))) { rows in
        for r in rows {
            let x = inp + r * c, o = out + r * c
            let m = Ops.sum(x, c) / Float(c)
            var acc = F16(repeating: 0), i = 0
            while i + 16 <= c { let d = load16(x + i) - m; acc += d * d; i += 16 }
            var v = hsum(acc)
            while i < c { let d = x[i] - m; v += d * d; i += 1 }
            let s = 1 / (v / Float(c) + layerNormEps).squareRoot()
            i = 0
            if let bias {
                while i + 16 <= c { store16((load16(x + i) - m) * s * load16(weight + i) + load16(bias + i), o + i); i += 16 }
                while i < c { o[i] = (x[i] - m) * s * weight[i] + bias[i]; i += 1 }
            } else {
                while i + 16 <= c { store16((load16(x + i) - m) * s * load16(weight + i), o + i); i += 16 }
                while i < c { o[i] = (x[i] - m) * s * weight[i]; i += 1 }
            }
            mean[r] = m
            rstd[r] = s
        }
    }
}

/// dout (N,C), inp (N,C), weight (C), mean and rstd (N) from the forward.
/// dweight (C) += Σ dout·x̂; dbias (C) += Σ dout (skipped when nil), with x̂ = (x − mean)·rstd.
/// dinp (N,C) = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = weight·dout; overwritten, or added when accumulateInput.
public func layerNormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                              dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                              inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, n: Int, c: Int,
                              accumulateInput: Bool = false) {
    for r in 0..<n {
        let x = inp + r * c, dy = dout + r * c, dx = dinp + r * c
        let m = mean[r], s = rstd[r]
        // pass 1: the two row means, and the parameter gradients
        var aG = F16(repeating: 0), aGX = F16(repeating: 0), i = 0
        while i + 16 <= c {
            let xh = (load16(x + i) - m) * s, d = load16(dy + i), g = load16(weight + i) * d
            aG += g; aGX += g * xh
            store16(load16(dweight + i) + d * xh, dweight + i)
            i += 16
        }
        var sG = hsum(aG), sGX = hsum(aGX)
        while i < c {
            let xh = (x[i] - m) * s, g = weight[i] * dy[i]
            sG += g; sGX += g * xh
            dweight[i] += dy[i] * xh
            i += 1
        }
        if let dbias { Ops.addInPlace(dbias, dy, c) }
        let meanG = sG / Float(c), meanGX = sGX / Float(c)
        // pass 2: the input gradient
        i = 0
        while i + 16 <= c {
            let xh = (load16(x + i) - m) * s, g = load16(weight + i) * load16(dy + i)
            let d = s * (g - meanG - xh * meanGX)
            store16(accumulateInput ? load16(dx + i) + d : d, dx + i)
            i += 16
        }
        while i < c {
            let xh = (x[i] - m) * s, g = weight[i] * dy[i]
            let d = s * (g - meanG - xh * meanGX)
            dx[i] = accumulateInput ? dx[i] + d : d
            i += 1
        }
    }
}
