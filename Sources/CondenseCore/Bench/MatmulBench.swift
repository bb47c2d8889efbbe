// MatmulBench: int8 GEMM GOPS (our kernel), OpenBLAS sgemm GFLOPS on the same shape, and the active path's peak.
import CInt8
import Foundation

public struct MatmulBenchResult: Codable {
    public var m: Int
    public var k: Int
    public var n: Int
    /// Dynamic-quantized Linear through our kernel, float in and float out (quantization included), as FBGEMM's
    /// dynamic Linear does: 2·M·K·N / median time.
    public var int8_gops: Double
    /// The raw u8×s8→s32 GEMM alone.
    public var int8_raw_gops: Double
    public var sgemm_gflops: Double
    /// The register-only peak loop of the int8 path in use (`peak_int8_path`) on the same threads: the roofline
    /// for that path's kernel. 0 on the scalar path, which has no peak loop.
    public var peak_int8_gops: Double
    /// Whose peak `peak_int8_gops` is: always the path in use (`int8_path`).
    public var peak_int8_path: String
    /// The instruction sequence the peak loop times ("vpdpbusd zmm", "vpmaddubsw+vpmaddwd+vpaddd ymm", "none").
    public var peak_int8_loop: String
    /// The int8 kernel path in use (avx512vnni, avxvnni, avx2 or scalar; CONDENSE_INT8_PATH forces one).
    public var int8_path: String
    /// The micro-kernel the dispatch ran for this M and these weights ("avx2-vpmaddwd", "avx2-narrow", ...).
    public var int8_kernel: String
    /// 8: random weights in [−127, 127]; 7: in [−63, 63] (narrow weights, the 3-op AVX2 kernel).
    public var weight_bits: Int
    public var threads: Int
    /// Streaming read bandwidth over a buffer the size of the int8 weights (N·K bytes), on the kernel's threads.
    public var weight_read_gbs: Double
    /// The memory roofline for M = 1: each weight byte feeds one multiply-add (2 ops), so 2 × weight_read_gbs.
    public var m1_roofline_gops: Double
}

public enum MatmulBench {
    public static let sweepM = [1, 16, 64, 256, 2048]
    public static let sweepKN = [(768, 768), (2048, 2048), (4096, 4096)]

    /// Median GFLOPS of OpenBLAS sgemm for Y (M,N) = X (M,K) · Wᵀ, W (N,K), as a float Linear does.
    public static func sgemmGFLOPS(m: Int, k: Int, n: Int, reps: Int) -> Double {
        var rng = RNG(seed: 1)
        let x = Tensor(zeros: [m, k]), w = Tensor(zeros: [n, k]), y = Tensor(zeros: [m, n])
        x.fillUniform(-1, 1, rng: &rng)
        w.fillUniform(-1, 1, rng: &rng)
        var times: [Double] = []
        for i in 0..<(reps + 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            linearForward(out: y.data, inp: x.data, weight: w.data, bias: nil, n: m, c: k, oc: n)
            if i > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
        }
        return 2 * Double(m) * Double(k) * Double(n) / times.sorted()[times.count / 2] / 1e9
    }

    /// The measured peak of the active int8 path on all kernel threads (0 for scalar).
    public static func peakGOPS() -> Double { ci8_path_peak_gops(CI8_PATH_DEFAULT.rawValue, 20_000_000, 0) }

    /// The active int8 path's name.
    public static var activePath: String { String(cString: ci8_path_name(ci8_active_path())) }

    /// The instruction sequence the active path's peak loop times.
    public static var peakLoop: String { String(cString: ci8_path_peak_loop(CI8_PATH_DEFAULT.rawValue)) }

    /// The kernel the active path runs for M rows: the choice depends only on M and on whether the weights are narrow,
    /// so a one-weight matrix at the range's edge (63 for 7 bits, 127 for 8) answers for the random ones.
    public static func kernelName(m: Int, weightBits: Int) -> String {
        var w: [Int8] = [weightBits == 7 ? 63 : 127]
        guard let p = ci8_pack_weights(&w, 1, 1, 1, nil) else { return "unknown" }
        defer { ci8_packed_free(p) }
        return String(cString: ci8_kernel_name(CI8_PATH_DEFAULT.rawValue, m, p))
    }

    public static func run(m: Int, k: Int, n: Int, reps: Int, peak: Double, weightBits: Int = 8) -> MatmulBenchResult {
        // Enough repetitions that small shapes are timed over ~0.1 s or more.
        let work = 2 * Double(m) * Double(k) * Double(n)
        let r = max(reps, min(2000, Int(2e10 / max(work, 1))))
        let gbs = ci8_bench_read_gbs(n * k, Int32(max(20, min(2000, Int(4e9 / Double(n * k))))), 0)
        return MatmulBenchResult(m: m, k: k, n: n,
                                 int8_gops: ci8_bench_gemm_bits(m, k, n, Int32(r), 1, Int32(weightBits), nil),
                                 int8_raw_gops: ci8_bench_gemm_bits(m, k, n, Int32(r), 0, Int32(weightBits), nil),
                                 sgemm_gflops: sgemmGFLOPS(m: m, k: k, n: n, reps: max(3, r / 4)),
                                 peak_int8_gops: peak, peak_int8_path: activePath, peak_int8_loop: peakLoop,
                                 int8_path: activePath, int8_kernel: kernelName(m: m, weightBits: weightBits), weight_bits: weightBits,
                                 threads: Int(ci8_get_threads()), weight_read_gbs: gbs, m1_roofline_gops: 2 * gbs)
    }
}
