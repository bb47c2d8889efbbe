// Latency: median wall time of one inference forward at a given batch size (batch 1 and batch N in reports).
import Foundation

/// Median milliseconds of `net.predict` on a batch of `batch` examples (GPT: sequences of block_size tokens),
/// after `warmup` untimed calls.
public func measureLatency(_ net: Network, batch: Int, runs: Int = 7, warmup: Int = 2) -> Double {
    var rng = RNG(seed: 5)
    var times: [Double] = []
    switch net.architecture {
    case .mlp(let c):
        let x = Tensor(zeros: [batch, c.inputs])
        x.fillUniform(0, 1, rng: &rng)
        for i in 0..<(warmup + runs) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = net.predict(.features(x.data, batch: batch))
            if i >= warmup { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
        }
    case .gpt(let c):
        let ids = (0..<(batch * c.block_size)).map { _ in Int32(rng.below(c.vocab_size)) }
        ids.withUnsafeBufferPointer { p in
            for i in 0..<(warmup + runs) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = net.predict(.tokens(p.baseAddress!, batch: batch, seq: c.block_size))
                if i >= warmup { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
            }
        }
    }
    return times.sorted()[times.count / 2]
}
