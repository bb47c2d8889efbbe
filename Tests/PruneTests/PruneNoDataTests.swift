// PruneNoDataTests: explicit block indices and magnitude-ranked widths prune with no data, exactly as the same request
// with data does; targets that need data say which data and why.
import CondenseCore
import Testing
@testable import Prune

@Suite struct PruneNoDataTests {
    @Test func dropLayersWithoutDataEqualsWithData() throws {
        let teacher = Fixture.gpt(layers: 3)
        var cfg = Fixture.quick
        cfg.drop_layers = [1]
        cfg.ffn = "32"
        cfg.criterion = "magnitude"
        let (free, r) = try prune(teacher, config: cfg, data: nil)
        let (withData, _) = try prune(teacher, config: cfg, data: Fixture.text)
        #expect(free.architecture == withData.architecture)
        #expect(Fixture.logits(free) == Fixture.logits(withData), "the same kept indices, the same weights")
        #expect(r.metric_before == nil && r.metric_after == nil)
        #expect(r.details["kept_gpt"]?["layers"] == .array([.number(0), .number(2)]))
        #expect(free.history.last?["config"]?["data"]?.string?.hasPrefix("none") == true)
    }

    @Test func mlpMagnitudeWidthsWithoutData() throws {
        let teacher = Fixture.mlp()
        var cfg = Fixture.quick
        cfg.hidden = "12,6"
        cfg.criterion = "magnitude"
        let (free, _) = try prune(teacher, config: cfg, data: nil)
        let (withData, _) = try prune(teacher, config: cfg, data: Fixture.fashion)
        #expect(Fixture.logits(free) == Fixture.logits(withData))
    }

    @Test func targetsThatNeedDataSayWhy() {
        func message(_ edit: (inout PruneConfig) -> Void, _ model: ModelFile = Fixture.gpt()) -> String? {
            var c = Fixture.quick
            edit(&c)
            do { _ = try prune(model, config: c, data: nil); return nil } catch { return "\(error)" }
        }
        #expect(message { $0.layers = "2" } == "prune needs data here: layers ranks blocks by block_influence on calibration batches; name the blocks with drop_layers instead; give --data PATH (or data.path)")
        #expect(message { $0.ffn = "32" }?.contains("criterion activation ranks units by their activations or gradients on calibration batches; use criterion magnitude") == true)
        #expect(message { $0.target_params = "50%" }?.contains("target_params scores each candidate architecture on the validation split") == true)
    }
}
