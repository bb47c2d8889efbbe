// Bench: `condense bench train` times training steps (a benchmark, not a test).
import ArgumentParser
import CondenseCore
import Distributed
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: int8 matmul against sgemm and the int8 path's peak; generation tokens/s; training step time.",
        subcommands: [BenchMatmul.self, BenchTrain.self, BenchGenerate.self])
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Median training-step time on a fixed config.")

    @Option(help: "nanogpt-cpu, shakespeare-teacher, mlp-teacher or all.")
    var config: String = "all"

    @Option(help: "Timed runs (the median is reported).")
    var runs: Int = 5

    @Option(help: "Steps per timed run.")
    var steps: Int = 10

    @Option(help: "Untimed warm-up steps.")
    var warmup: Int = 3

    @Flag(help: "One JSON object per config.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard runs >= 1, steps >= 1, warmup >= 0 else { throw ValidationError("--runs and --steps must be ≥ 1, --warmup ≥ 0") }
            // Under mpirun every rank times its shard of each batch and the gradient sum (the data-parallel step).
            let reducer = try Launch.start(digests: jobDigests(files: []))
            for name in config == "all" ? TrainBench.configs : [config] {
                let r = try TrainBench.run(name, runs: runs, steps: steps, warmup: warmup, reducer: reducer)
                guard reducer.isWriter else { continue }
                if json { emit(((try? JSONValue(encoding: r)) ?? .null).description); continue }
                let ranks = r.ranks > 1 ? String(format: "  %d ranks × %d threads, all-reduce %.2f ms (%.1f %%) of %.1f MB", r.ranks, r.threads,
                                                 r.allreduce_ms_median, 100 * r.allreduce_ms_median / r.step_ms_median, Double(r.reduced_bytes) / 1e6)
                                         : "  1 rank × \(r.threads) threads"
                emit(String(format: "%-20@ step %8.2f ms (median of %d)  %10.0f %@/s  %6.1f GFLOP/s%@%@", name as NSString, r.step_ms_median, runs,
                            r.units_per_s, r.unit as NSString, r.gflops, r.epoch_s.map { String(format: "  epoch %.1f s", $0) } ?? "", ranks))
            }
        }
    }
}

struct BenchMatmul: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matmul",
        abstract: "Int8 GOPS (our kernel) and OpenBLAS sgemm GFLOPS on the same shape, plus the measured peak of the int8 path in use.",
        discussion: "Without a shape it sweeps M ∈ {1, 16, 64, 256, 2048} × (K, N) ∈ {(768, 768), (2048, 2048), (4096, 4096)}. The peak is the register-only loop of the path in use (int8_path; CONDENSE_INT8_PATH=avx2|scalar|avxvnni|avx512vnni forces one): vpdpbusd for VNNI, vpmaddubsw+vpmaddwd for AVX2, none for scalar. Peer: tools/compare_int8_gemm.py.")

    @Option var m: Int?
    @Option var k: Int?
    @Option var n: Int?

    @Option(help: "Minimum timed repetitions per shape (small shapes use more).")
    var reps: Int = 10

    @Option(help: "Random weights in [-127, 127] (8) or [-63, 63] (7: narrow weights, the 3-op AVX2 kernel).")
    var weightBits: Int = 8

    @Flag(help: "One JSON object per shape (keys m, k, n, int8_gops, sgemm_gflops, int8_path, int8_kernel, weight_bits, peak_int8_gops, peak_int8_path, ...).")
    var json = false

    func run() throws {
        try reportingErrors {
            guard weightBits == 8 || weightBits == 7 else { throw ValidationError("--weight-bits must be 8 or 7, found \(weightBits)") }
            let shapes: [(Int, Int, Int)]
            switch (m, k, n) {
            case (nil, nil, nil):
                shapes = MatmulBench.sweepKN.flatMap { kn in MatmulBench.sweepM.map { ($0, kn.0, kn.1) } }
            case let (m?, k?, n?):
                guard m >= 1, k >= 1, n >= 1, m <= 65536, k <= 65536, n <= 65536, m * k <= 1 << 28, k * n <= 1 << 28, m * n <= 1 << 28 else {
                    throw ValidationError("--m, --k and --n must be in 1…65536, with each product of two at most 2^28 elements, found \(m), \(k), \(n)")
                }
                shapes = [(m, k, n)]
            default:
                throw ValidationError("give all of --m, --k and --n, or none for the standard sweep")
            }
            let peak = MatmulBench.peakGOPS()
            if !json {
                emit(peak > 0 ? String(format: "int8 path %@: measured peak (%@) %.0f GOPS", MatmulBench.activePath as NSString,
                                                 MatmulBench.peakLoop as NSString, peak)
                              : "int8 path \(MatmulBench.activePath): no peak loop")
            }
            for (m, k, n) in shapes {
                let r = MatmulBench.run(m: m, k: k, n: n, reps: reps, peak: peak, weightBits: weightBits)
                if json { emit(((try? JSONValue(encoding: r)) ?? .null).description); continue }
                let ofPeak = peak > 0 ? String(format: "%4.0f%% of peak", 100 * r.int8_raw_gops / peak) : "no peak"
                emit(String(format: "M=%5d K=%5d N=%5d  int8 %7.1f GOPS (raw %7.1f, %@)  sgemm %6.1f GFLOPS  int8/sgemm %.2fx  kernel %@",
                            m, k, n, r.int8_gops, r.int8_raw_gops, ofPeak as NSString, r.sgemm_gflops, r.int8_gops / r.sgemm_gflops,
                            r.int8_kernel as NSString))
            }
        }
    }
}
