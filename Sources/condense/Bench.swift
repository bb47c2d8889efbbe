// Bench: `condense bench train` times training steps (a benchmark, not a test).
import ArgumentParser
import CondenseCore
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: training step time (peer: tools/bench_torch_train.py).",
        subcommands: [BenchTrain.self])
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
