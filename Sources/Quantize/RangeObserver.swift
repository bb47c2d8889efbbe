// RangeObserver: per-layer activation statistics from calibration forwards: column maxima, |x| samples, kept input rows.
import CondenseCore

/// What one linear layer's inputs looked like on the calibration batches.
final class LayerStats {
    let k: Int
    /// (k) max |x| per input channel (SmoothQuant needs it).
    var columnMax: [Float]
    /// max |x| over the whole tensor (after smoothing, when a smoothing divisor was given).
    var tensorMax: Float = 0
    /// A strided sample of |x| (after smoothing), for percentile and MSE calibration.
    var samples: [Float] = []
    /// The first rows seen, unsmoothed (rows, k): the inputs on which each layer's output SQNR is measured.
    var rows: [Float] = []
    init(k: Int) { self.k = k; columnMax = [Float](repeating: 0, count: k) }
}

/// Collects `LayerStats` for the chosen layers while a float network runs the calibration batches.
final class RangeObserver {
    private(set) var stats: [String: LayerStats] = [:]
    /// Per-layer divisors applied before the tensor statistics (SmoothQuant's second pass); column maxima stay raw.
    private let divisors: [String: [Float]]
    private let sampleStride: Int
    private let keepRows: Int
    private let layers: Set<String>

    init(layers: Set<String>, divisors: [String: [Float]] = [:], sampleStride: Int = 17, keepRows: Int = 256) {
        self.layers = layers; self.divisors = divisors; self.sampleStride = sampleStride; self.keepRows = keepRows
    }

    /// inp (n, k) entering `layer`.
    func observe(_ layer: String, _ inp: UnsafePointer<Float>, _ n: Int, _ k: Int) {
        guard layers.contains(layer) else { return }
        let s = stats[layer] ?? LayerStats(k: k)
        stats[layer] = s
        let d = divisors[layer]
        var tmax = s.tensorMax
        var phase = s.samples.count % sampleStride
        for r in 0..<n {
            let row = inp + r * k
            s.columnMax.withUnsafeMutableBufferPointer { cm in
                for i in 0..<k {
                    let a = abs(row[i])
                    if a > cm[i] { cm[i] = a }
                    let v = d.map { a / $0[i] } ?? a
                    if v > tmax { tmax = v }
                    phase += 1
                    if phase == sampleStride { phase = 0; s.samples.append(v) }
                }
            }
            if s.rows.count < keepRows * k { s.rows.append(contentsOf: UnsafeBufferPointer(start: row, count: k)) }
        }
        s.tensorMax = tmax
    }

    /// Runs every calibration input through `net` with this observer attached.
    func run(_ net: Network, _ cal: CalibrationReplay) {
        net.linearObserver = { [unowned self] in self.observe($0, $1, $2, $3) }
        defer { net.linearObserver = nil }
        cal.forEach(net)
    }
}
