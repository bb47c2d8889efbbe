// StageReport+Latency: the before/after latency columns every stage report fills the same way.

extension StageReport {
    /// Median latency of `before` and `after` at batch 1 (`runs1` timed runs) and at batch `batch` (`runsN`),
    /// one warm-up call per figure set as given.
    public mutating func measureLatency(before: Network, after: Network, batch: Int, runs1: Int = 5, runsN: Int = 3,
                                        warmup1: Int = 1, warmupN: Int = 1) {
        latency_batch = batch
        latency_b1_ms_before = CondenseCore.measureLatency(before, batch: 1, runs: runs1, warmup: warmup1)
        latency_b1_ms_after = CondenseCore.measureLatency(after, batch: 1, runs: runs1, warmup: warmup1)
        latency_bn_ms_before = CondenseCore.measureLatency(before, batch: batch, runs: runsN, warmup: warmupN)
        latency_bn_ms_after = CondenseCore.measureLatency(after, batch: batch, runs: runsN, warmup: warmupN)
    }
}
