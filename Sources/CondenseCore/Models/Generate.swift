// Generate: samples text from a GPT, one token at a time, with temperature, from a seeded RNG.
import Foundation

/// Samples `tokens` new token ids after `prompt`; temperature 0 is greedy (argmax).
public func generate(_ net: GPT, prompt: [Int32], tokens: Int, temperature: Float, seed: UInt64) -> [Int32] {
    precondition(!prompt.isEmpty)
    var rng = RNG(seed: seed)
    var ids = prompt
    let v = net.outputs, block = net.config.block_size
    var probs = [Float](repeating: 0, count: v)
    for _ in 0..<tokens {
        let window = Array(ids.suffix(block))
        let logits = window.withUnsafeBufferPointer { net.predict(.tokens($0.baseAddress!, batch: 1, seq: window.count)) }
        let last = logits + (window.count - 1) * v
        var next = 0
        if temperature <= 0 {
            for j in 1..<v where last[j] > last[next] { next = j }
        } else {
            Ops.softmaxRows(&probs, last, rows: 1, cols: v, invTemperature: 1 / temperature)
            var u = rng.uniform(), j = 0
            while j < v - 1 && u >= probs[j] { u -= probs[j]; j += 1 }
            next = j
        }
        ids.append(Int32(next))
    }
    return Array(ids.dropFirst(prompt.count))
}
