// GenerationTests: batched decoding equals independent decodes; both past-block_size policies against references.
import CondenseCore
import Testing
@testable import Generate

@Suite struct GenerationTests {
    let prompts: [[Int32]] = [[1], [4, 2, 7, 7, 0], [3, 9, 1, 2, 5, 6, 8, 10, 2]]

    @Test(arguments: [false, true])
    func batchedEqualsIndependentDecodes(int8: Bool) throws {
        let net = Fixture.gpt(Fixture.config(), seed: 5, int8: int8)
        let s = SamplingOptions(temperature: 0.9, topK: 6, topP: 0.95, seed: 42)
        let opts = GenerationOptions(tokens: 30, sampling: s, policy: .shift)   // 30 > block 16 - 9: restarts inside
        let batched = try generate(net, prompts: prompts, options: opts)
        for (b, p) in prompts.enumerated() {
            var o = opts
            o.sampling.seed = s.seed &+ UInt64(b)
            let alone = try generate(net, prompts: [p], options: o)
            #expect(alone.ids[0] == batched.ids[b], "sequence \(b)")
        }
        #expect(batched.ids.allSatisfy { $0.count == 30 })
        let again = try generate(net, prompts: prompts, options: opts)
        #expect(again.ids == batched.ids)
        var other = opts
        other.sampling.seed = 43
        #expect(try generate(net, prompts: prompts, options: other).ids != batched.ids)
    }

    /// crop past block_size is nanoGPT's loop (CondenseCore.generate recomputes the cropped window per token).
    @Test func cropPolicyIsNanoGPTsLoop() throws {
        let net = Fixture.gpt(Fixture.config(block: 8), seed: 9)
        let r = try generate(net, prompts: [[2, 3, 4]], options: GenerationOptions(tokens: 25, sampling: .greedy, policy: .crop))
        #expect(r.ids[0] == CondenseCore.generate(net, prompt: [2, 3, 4], tokens: 25, temperature: 0, seed: 0))
        // every token predicted past the block (n = 9 ... 27, 19 of them) re-prefills the 8-token window
        #expect(r.recomputed_positions == 8 * 19)
    }

    /// shift past block_size: every token is the argmax of GPT.forward on the policy's window ids[w..<n].
    @Test func shiftPolicyMatchesWindowedRecompute() throws {
        let block = 8
        let net = Fixture.gpt(Fixture.config(block: block), seed: 9)
        let prompt: [Int32] = [2, 3, 4]
        let r = try generate(net, prompts: [prompt], options: GenerationOptions(tokens: 25, sampling: .greedy, policy: .shift))
        var ids = prompt
        for _ in 0..<25 {
            let w = ContextPolicy.shift.windowStart(predicting: ids.count, block: block)
            let window = Array(ids[w...])
            let logits = Fixture.fullLogits(net, window)
            let last = logits[((window.count - 1) * net.outputs)...]
            ids.append(Int32(last.indices.max { last[$0] < last[$1] || (last[$0] == last[$1] && $0 > $1) }! - last.startIndex))
        }
        #expect(r.ids[0] == Array(ids.dropFirst(prompt.count)))
        // restarts at n = 9, 14, 19, 24 re-prefill keep = 4 tokens each
        #expect(r.recomputed_positions == 4 * 4)
    }

    @Test func windowStarts() {
        let crop = ContextPolicy.crop, shift = ContextPolicy.shift
        #expect((0...8).allSatisfy { crop.windowStart(predicting: $0, block: 8) == 0 && shift.windowStart(predicting: $0, block: 8) == 0 })
        #expect(crop.windowStart(predicting: 9, block: 8) == 1 && crop.windowStart(predicting: 20, block: 8) == 12)
        // shift, block 8, keep 4: restart at n = 9 to w = 5 (n − w = 4), next at n = 14 to w = 10
        #expect([9, 13, 14, 18, 19].map { shift.windowStart(predicting: $0, block: 8) } == [5, 5, 10, 10, 15])
        for n in 1...200 {
            let w = shift.windowStart(predicting: n, block: 8)
            #expect(n - w <= 8 && n - w >= (n > 8 ? 4 : 0))
        }
    }
}
