// Int8Layer: a quantized linear layer ready to run: the packed Int8Linear plus its activation scheme and SmoothQuant divisors.
import Foundation

/// Runs one `QuantizedLinear` through the int8 kernel: y (N, out) = act(q(x / smooth) · Ŵᵀ · scales + b).
public final class Int8Layer {
    public let stored: QuantizedLinear
    public let linear: Int8Linear
    private let invSmooth: [Float]?
    private var scratch = Tensor(zeros: [0])

    public init(_ q: QuantizedLinear, bias: Tensor?) throws {
        stored = q
        linear = try Int8Linear(n: q.n, k: q.k, qweight: q.qweight, weightScale: q.weightScale, bias: bias?.array)
        invSmooth = q.smoothScale?.map { 1 / $0 }
    }

    /// inp (rows, k) → out (rows, n). Not thread-safe (one scratch buffer per layer), as networks are not.
    public func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, activation: Int8Activation = .none) {
        guard rows > 0 else { return }
        var x = inp
        if let invSmooth {
            let k = stored.k
            if scratch.count < rows * k { scratch = Tensor(zeros: [rows * k]) }
            let s = scratch.data
            invSmooth.withUnsafeBufferPointer { d in
                for r in 0..<rows { Ops.mul(s + r * k, inp + r * k, d.baseAddress!, k) }
            }
            x = UnsafePointer(s)
        }
        switch stored.scheme {
        case .dynamic: linear.forwardDynamic(x: x, m: rows, out: out, activation: activation)
        case .static: linear.forwardStatic(x: x, m: rows, inputScale: stored.inputScale!, out: out, activation: activation)
        }
    }
}
