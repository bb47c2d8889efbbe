// ArchitectureDefaultsTests: optional architecture fields take their documented defaults; required ones and unknown
// ones stay errors naming the key.
import Testing
@testable import CondenseCore

@Suite struct ArchitectureDefaultsTests {
    @Test func gptOptionalFieldsTakeNanoGPTDefaults() throws {
        let a = try Architecture(json: #"{"family":"gpt","n_layer":2,"n_head":4,"n_embd":32,"block_size":16,"vocab_size":37}"#, file: "f.h5")
        #expect(a == .gpt(GPTConfig(n_layer: 2, n_head: 4, head_dim: 8, n_embd: 32, ffn_hidden: 128, block_size: 16, vocab_size: 37,
                                    bias: true, tie_embeddings: true, dropout: 0)))
        let given = try Architecture(json: #"{"family":"gpt","n_layer":1,"n_head":2,"head_dim":3,"n_embd":8,"ffn_hidden":5,"block_size":4,"vocab_size":3,"bias":false,"tie_embeddings":false,"dropout":0.1}"#, file: "f.h5")
        #expect(given == .gpt(GPTConfig(n_layer: 1, n_head: 2, head_dim: 3, n_embd: 8, ffn_hidden: 5, block_size: 4, vocab_size: 3,
                                        bias: false, tie_embeddings: false, dropout: 0.1)))
    }

    @Test func mlpOptionalFieldsTakeDefaults() throws {
        let a = try Architecture(json: #"{"family":"mlp","inputs":4,"hidden":[8],"classes":3}"#, file: "f.h5")
        #expect(a == .mlp(MLPConfig(inputs: 4, hidden: [8], classes: 3, activation: .relu, dropout: 0)))
    }

    @Test func requiredAndUnknownFieldsStayErrors() {
        func message(_ json: String) -> String? {
            do { _ = try Architecture(json: json, file: "f.h5"); return nil } catch { return "\(error)" }
        }
        #expect(message(#"{"family":"gpt","n_layer":2,"n_head":4,"n_embd":32,"block_size":16}"#)
                == #"f.h5: architecture: malformed gpt architecture: missing key "vocab_size""#)
        #expect(message(#"{"family":"gpt","n_layer":2,"n_head":3,"n_embd":32,"block_size":16,"vocab_size":5}"#)?
            .contains("head_dim: absent, and its default n_embd / n_head is not whole (n_embd 32, n_head 3); give head_dim") == true)
        #expect(message(#"{"family":"mlp","inputs":4,"hidden":[8],"classes":3,"dropuot":0}"#)
                == #"f.h5: architecture: unknown architecture key "dropuot"; did you mean "dropout"?"#)
        #expect(message(#"{"family":"mlp","hidden":[8],"classes":3}"#) == #"f.h5: architecture: malformed mlp architecture: missing key "inputs""#)
    }
}
