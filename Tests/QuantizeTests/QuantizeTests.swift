// QuantizeTests: the stage on small models: scales, SmoothQuant's identity, --keep, the file round trip, agreement.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Quantize

enum Fixture {
    nonisolated(unsafe) static let text: TaskData = try! TaskData.load("shakespeare")
    nonisolated(unsafe) static let fashion: TaskData = try! TaskData.load("fashion-mnist")

    /// A GPT that fits Shakespeare (V 84), with larger-than-init weights so logits are O(1).
    static func gpt(tie: Bool = true) -> ModelFile {
        let c = GPTConfig(n_layer: 2, n_head: 4, head_dim: 8, n_embd: 32, ffn_hidden: 64, block_size: 16, vocab_size: 84,
                          bias: true, tie_embeddings: tie)
        let m = makeNetwork(.gpt(c), seed: 3).modelFile()
        var rng = RNG(seed: 11)
        for (name, t) in m.parameters where !name.contains("/ln_") {
            t.fillNormal(std: name.hasSuffix("/bias") ? 0.1 : 1 / Float(t.shape.last!).squareRoot(), rng: &rng)
        }
        return m
    }

    static func mlp() -> ModelFile {
        makeNetwork(.mlp(MLPConfig(inputs: 784, hidden: [48, 24], classes: 10, activation: .relu)), seed: 2).modelFile()
    }

    static var quick: QuantizeConfig {
        var c = QuantizeConfig()
        c.calibration_batches = 2
        c.calibration_batch_size = 8
        c.val_batches = 2
        c.latency = false
        return c
    }

    static func details(_ r: StageReport) throws -> QuantizeDetails {
        try JSONDecoder().decode(QuantizeDetails.self, from: JSONEncoder().encode(r.details))
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }
}

@Suite struct ActivationScaleTests {
    @Test func minmaxMapsTheLargestValueTo127() {
        #expect(activationScale(method: .minmax, tensorMax: 12.7, samples: [1, 2], percentile: 99) == 12.7 / 127)
        #expect(activationScale(method: .minmax, tensorMax: 0, samples: [], percentile: 99) == 1, "an all-zero tensor")
    }

    @Test func percentileClipsTheRareOutliers() {
        let samples = (0..<1000).map { Float($0) / 1000 } + [100]
        let s = activationScale(method: .percentile, tensorMax: 100, samples: samples, percentile: 99)
        // Not a rounding tolerance: the 99th percentile of these 1001 samples lies within a sample spacing or two
        // (1/1000) of 0.99, by the interpolation rule; 0.01 is ten spacings, and clipping at the outlier gives 100.
        #expect(abs(s * 127 - 0.99) < 0.01, "clip at the 99th percentile, not at the outlier: \(s * 127)")
    }

    @Test func mseBeatsMinmaxWhenOneOutlierStretchesTheRange() {
        var rng = RNG(seed: 1)
        var samples = (0..<20_000).map { _ in abs(rng.normal()) }
        samples.append(60)
        let mm = activationScale(method: .minmax, tensorMax: 60, samples: samples, percentile: 99)
        let ms = activationScale(method: .mse, tensorMax: 60, samples: samples, percentile: 99)
        #expect(ms < mm)
        #expect(quantizationMSE(samples, scale: ms) < quantizationMSE(samples, scale: mm))
    }
}

@Suite struct SmoothQuantTests {
    /// X·Wᵀ = (X / s)·(W·diag(s))ᵀ: dequantized smoothed weights undo the divisors, so the model with SmoothQuant
    /// computes the same function up to quantization error, and moving an activation outlier into the weights
    /// improves that layer's output SQNR.
    @Test func divisorsFollowTheFormulaAndHelpAnOutlierChannel() throws {
        let w = Tensor(zeros: [3, 2])
        for (i, v) in [Float(1), 4, -2, 1, 0.5, -8].enumerated() { w[i] = v }
        let s = smoothingDivisors(columnMax: [16, 0], weight: w.data, n: 3, k: 2, alpha: 0.5)
        // √16 / √max|W[:,0]| = 4/√2, computed as pow(a, α) / pow(w, 1 − α): two powf (≤ 1 ulp = 2u each) and a division
        let want = 4 / 2.0.squareRoot()
        #expect(abs(Double(s[0]) - want) <= 5 * FloatBounds.u * want)
        #expect(s[1] == 1, "a channel that never fired is left alone")

        // A GPT whose residual stream has one channel 30× larger: SmoothQuant must raise c_attn's output SQNR.
        let m = Fixture.gpt()
        for l in 0..<2 {
            let ln = m.parameters["transformer/h/\(l)/ln_1/weight"]!
            ln[5] = 30
        }
        var cfg = Fixture.quick
        cfg.activations = "static"
        let (plain, r0) = try quantize(m, config: cfg, data: Fixture.text)
        cfg.smoothquant = .alpha(0.5)
        let (smooth, r1) = try quantize(m, config: cfg, data: Fixture.text)
        let d0 = try Fixture.details(r0), d1 = try Fixture.details(r1)
        let layer = "transformer/h/0/attn/c_attn"
        let a = d0.layers.first { $0.layer == layer }!.output_sqnr_db!, b = d1.layers.first { $0.layer == layer }!.output_sqnr_db!
        #expect(b > a + 3, "SmoothQuant SQNR \(b) dB vs \(a) dB without")
        #expect(plain.quantized[layer]!.smoothScale == nil)
        let sm = smooth.quantized[layer]!.smoothScale!
        #expect(sm[5] == sm.max()!, "the outlier channel gets the largest divisor")
        // the dequantized smoothed weight stands for the original one: rounding W·s to the grid of step sw_r moves each
        // element by at most sw_r/2, so after dividing by s_i, |Ŵ_ri − W_ri| ≤ sw_r / (2·s_i), plus float rounding:
        // W·s and its division by sw_r (2u·|W| once scaled back), and dequantizing q·sw_r / s_i (2u·|Ŵ|)
        let ql = smooth.quantized[layer]!, deq = ql.dequantized(), orig = m.parameters[layer + "/weight"]!
        var violations = 0
        for r in 0..<ql.n {
            for i in 0..<ql.k {
                let bound = Double(ql.weightScale[r] / (2 * sm[i])) * (1 + 2 * FloatBounds.u)
                    + 2 * FloatBounds.u * (abs(Double(orig[r * ql.k + i])) + abs(Double(deq[r * ql.k + i])))
                if abs(Double(deq[r * ql.k + i]) - Double(orig[r * ql.k + i])) > bound { violations += 1 }
            }
        }
        #expect(violations == 0)
    }
}

@Suite struct QuantizeStageTests {
    @Test func mlpRoundTripsThroughTheFileAndRunsTheSame() throws {
        let m = Fixture.mlp()
        let before = m.parameters["layers/0/weight"]!.array
        let (q, r) = try quantize(m, config: Fixture.quick, data: Fixture.fashion)
        #expect(m.parameters["layers/0/weight"]!.array == before, "the input model is not modified")
        #expect(m.quantized.isEmpty)
        #expect(Set(q.quantized.keys) == ["layers/0", "layers/1", "layers/2"])
        #expect(q.parameters["layers/0/weight"] == nil && q.parameters["layers/0/bias"] != nil)
        let path = TestSupport.tempDir("q").appendingPathComponent("m.int8.h5").path
        try q.write(to: path)
        let back = try ModelFile.read(path)
        #expect(back.quantized == q.quantized)
        #expect(back.history.last?["stage"]?.string == "quantize")
        var rng = RNG(seed: 4)
        let x = Tensor(zeros: [7, 784])
        x.fillUniform(0, 1, rng: &rng)
        let netA = makeNetwork(q), netB = makeNetwork(back)   // the logits live in the network's buffers
        let a = Array(UnsafeBufferPointer(start: netA.predict(.features(x.data, batch: 7)), count: 70))
        let b = Array(UnsafeBufferPointer(start: netB.predict(.features(x.data, batch: 7)), count: 70))
        withExtendedLifetime((netA, netB)) {}
        #expect(a == b, "bit-identical after the round trip")
        let d = try Fixture.details(r)
        #expect(d.agreement.top1_agreement > 0.9)
        #expect(d.layers.allSatisfy { ($0.weight_sqnr_db ?? 0) > 30 && ($0.output_sqnr_db ?? 0) > 25 })
        #expect(Double(d.linear_bytes_after) < 0.27 * Double(d.linear_bytes_float))
    }

    @Test func keptLayersStayFloatAndTiedHeadIsNeverQuantized() throws {
        var cfg = Fixture.quick
        cfg.keep = ["*/c_proj"]
        let (q, r) = try quantize(Fixture.gpt(), config: cfg, data: Fixture.text)
        #expect(q.quantized.keys.sorted() == ["transformer/h/0/attn/c_attn", "transformer/h/0/mlp/c_fc",
                                              "transformer/h/1/attn/c_attn", "transformer/h/1/mlp/c_fc"])
        #expect(q.parameters["transformer/h/0/mlp/c_proj/weight"] != nil)
        #expect(q.parameters["transformer/wte/weight"] != nil, "embeddings (and the tied head) stay float")
        let d = try Fixture.details(r)
        #expect(d.kept.count == 4)
        #expect(d.layers.filter(\.kept_float).allSatisfy { $0.scheme == "float32" && $0.output_sqnr_db == nil })
        // untied: lm_head is an ordinary linear layer
        let (u, _) = try quantize(Fixture.gpt(tie: false), config: Fixture.quick, data: Fixture.text)
        #expect(u.quantized["lm_head"] != nil)
    }

    /// weight_bits 7: per-channel scale max|w|/63, so every stored weight lies in [−63, 63] (narrow: the 3-op AVX2
    /// kernel runs them), each channel's largest weight maps to ±63, and the stage still reports its agreement.
    @Test func sevenBitWeightsStayWithin63AndAgreementIsReported() throws {
        var cfg = Fixture.quick
        cfg.weight_bits = 7
        let m = Fixture.mlp()
        let (q, r) = try quantize(m, config: cfg, data: Fixture.fashion)
        #expect(!q.quantized.isEmpty)
        for (path, l) in q.quantized {
            #expect(l.qweight.allSatisfy { (-63...63).contains($0) }, "\(path)")
            for j in 0..<l.n { #expect(l.qweight[(j * l.k)..<((j + 1) * l.k)].map { abs(Int($0)) }.max() == 63, "\(path) row \(j)") }
        }
        #expect(q.history.last?["config"]?["weight_bits"]?.number == 7, "recorded in the quantize history record")
        let d = try Fixture.details(r)
        #expect(d.weight_bits == 7)
        #expect(d.agreement.rows > 0 && (0...1).contains(d.agreement.top1_agreement), "\(d.agreement)")
        #expect(quantizeMarkdown(r).contains("7-bit weights"))
    }

    @Test func weightBitsOtherThan8Or7IsAConfigError() {
        for bits in [0, 6, 9, 16] {
            var cfg = Fixture.quick
            cfg.weight_bits = bits
            let msg = Fixture.message { try cfg.validate() }
            #expect(msg.contains("weight_bits") && msg.contains("8 or 7") && !msg.contains("\n"), "\(msg)")
        }
    }

    @Test func int8GPTStaysCloseToFloat() throws {
        let m = Fixture.gpt()
        let (_, r) = try quantize(m, config: Fixture.quick, data: Fixture.text)
        let d = try Fixture.details(r)
        #expect(d.agreement.rows > 100)
        #expect(d.agreement.top1_agreement > 0.9, "\(d.agreement)")
        #expect(abs((r.metric_after ?? 0) - (r.metric_before ?? 0)) < 0.05)
    }

    @Test func quantizedNetworksRefuseToTrain() throws {
        let (q, _) = try quantize(Fixture.mlp(), config: Fixture.quick, data: Fixture.fashion)
        let net = makeNetwork(q)
        #expect(net.isQuantized)
        #expect(!makeNetwork(Fixture.mlp()).isQuantized)
        var o = TrainingOptions()
        o.steps = 1; o.epochs = 0
        let run = TestSupport.tempDir("q-train").path
        let msg = Fixture.message { _ = try Trainer(net: net, data: Fixture.fashion, options: o, seed: 1, runDir: run, config: .null).run(resume: false) }
        #expect(msg.contains("layers/0") && msg.contains("quantized model cannot be trained"), "\(msg)")
        let again = Fixture.message { _ = try quantize(q, config: Fixture.quick, data: Fixture.fashion) }
        #expect(again.contains("already quantized"), "\(again)")
    }

    @Test func globMatchesWholePaths() {
        #expect(globMatch("*/c_proj", "transformer/h/0/attn/c_proj"))
        #expect(globMatch("layers/?", "layers/3"))
        #expect(!globMatch("layers/?", "layers/12"))
        #expect(!globMatch("c_proj", "transformer/h/0/attn/c_proj"))
        #expect(globMatch("transformer/h/*/mlp/*", "transformer/h/10/mlp/c_fc"))
    }
}
