// Bench: `condense bench train` times training steps (a benchmark, not a test).
import ArgumentParser
import CondenseCore
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: int8 matmul against sgemm and the VNNI peak; training step time.",
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
            for name in config == "all" ? TrainBench.configs : [config] {
                let r = try TrainBench.run(name, runs: runs, steps: steps, warmup: warmup)
                if json { emit(((try? JSONValue(encoding: r)) ?? .null).description); continue }
                emit(String(format: "%-20@ step %8.2f ms (median of %d)  %10.0f %@/s  %6.1f GFLOP/s%@", name as NSString, r.step_ms_median, runs,
                            r.units_per_s, r.unit as NSString, r.gflops, r.epoch_s.map { String(format: "  epoch %.1f s", $0) } ?? ""))
            }
        }
    }
}

struct BenchMatmul: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matmul",
        abstract: "Int8 GOPS (our kernel) and OpenBLAS sgemm GFLOPS on the same shape, plus the measured VNNI peak.",
        discussion: "Without a shape it sweeps M ∈ {1, 16, 64, 256, 2048} × (K, N) ∈ {(768, 768), (2048, 2048), (4096, 4096)}. Peer: tools/bench_torch_int8.py.")

    @Option var m: Int?
    @Option var k: Int?
    @Option var n: Int?

    @Option(help: "Minimum timed repetitions per shape (small shapes use more).")
    var reps: Int = 10

    @Flag(help: "One JSON object per shape (keys m, k, n, int8_gops, sgemm_gflops, peak_int8_gops, ...).")
    var json = false

    func run() throws {
        try reportingErrors {
            let shapes: [(Int, Int, Int)]
            switch (m, k, n) {
            case (nil, nil, nil):
                shapes = MatmulBench.sweepKN.flatMap { kn in MatmulBench.sweepM.map { ($0, kn.0, kn.1) } }
            case let (m?, k?, n?):
                guard m >= 1, k >= 1, n >= 1, k <= 65536 else {
                    throw ValidationError("--m, --k and --n must be ≥ 1 (and --k ≤ 65536), found \(m), \(k), \(n)")
                }
                shapes = [(m, k, n)]
            default:
                throw ValidationError("give all of --m, --k and --n, or none for the standard sweep")
            }
            let peak = MatmulBench.peakGOPS()
            if !json { emit(String(format: "measured VNNI peak: %.0f GOPS", peak)) }
            for (m, k, n) in shapes {
                let r = MatmulBench.run(m: m, k: k, n: n, reps: reps, peak: peak)
                if json { emit(((try? JSONValue(encoding: r)) ?? .null).description); continue }
                emit(String(format: "M=%5d K=%5d N=%5d  int8 %7.1f GOPS (raw %7.1f, %4.0f%% of peak)  sgemm %6.1f GFLOPS  int8/sgemm %.2fx",
                            m, k, n, r.int8_gops, r.int8_raw_gops, 100 * r.int8_raw_gops / peak, r.sgemm_gflops, r.int8_gops / r.sgemm_gflops))
            }
        }
    }
}
