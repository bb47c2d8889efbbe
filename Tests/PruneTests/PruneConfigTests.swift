// PruneConfigTests: the config round-trips through JSON, and every field is a `condense prune` option of the same name.
import CondenseCore
import Foundation
import Testing
import TestSupport
@testable import Prune

@Suite struct PruneConfigTests {
    @Test func roundTripsThroughJSON() throws {
        var c = PruneConfig()
        c.drop_layers = [2, 3]; c.ffn = "50%"; c.target_params = "1000"; c.seed = 42
        let back = try JSONDecoder().decode(PruneConfig.self, from: JSONEncoder().encode(c))
        #expect(back == c)
    }

    @Test func everyFieldIsACLIOption() throws {
        guard case .object(let fields) = try JSONValue(encoding: PruneConfig()) else { Issue.record("not an object"); return }
        let help = try TestSupport.condense(["prune", "--help"]).stdout
        for key in fields.keys.sorted() {
            let option = key == "latency" ? "--no-latency" : "--" + key.replacingOccurrences(of: "_", with: "-")
            #expect(help.contains(option), "\(key): no \(option) in `condense prune --help`")
        }
    }

    @Test func targetsParseAsCountsOrRatios() throws {
        #expect(try SizeTarget.parse("512", option: "ffn") == .count(512))
        #expect(try SizeTarget.parse("50%", option: "ffn") == .ratio(0.5))
        #expect(try SizeTarget.parse("0.25", option: "ffn") == .ratio(0.25))
        #expect(try SizeTarget.parse(" ", option: "ffn") == nil)
        #expect(try SizeTarget.ratio(0.5).resolve(full: 7, option: "heads", what: "heads") == 4)
    }
}
