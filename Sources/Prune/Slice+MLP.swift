// Slice+MLP: builds the smaller MLP that keeps exactly the given hidden units of each layer.
import CondenseCore

func sliceMLP(_ model: ModelFile, _ c: MLPConfig, kept: MLPKept) -> ModelFile {
    var n = c
    n.hidden = kept.hidden.map(\.count)
    var out: [String: Tensor] = [:]
    for i in 0...c.hidden.count {
        var w = model.parameters["layers/\(i)/weight"]!, b = model.parameters["layers/\(i)/bias"]!   // (out, in), (out)
        if i < c.hidden.count { w = takeRows(w, kept.hidden[i]); b = takeRows(b, kept.hidden[i]) }
        if i > 0 { w = takeColumns(w, kept.hidden[i - 1]) }
        out["layers/\(i)/weight"] = w === model.parameters["layers/\(i)/weight"]! ? w.copy() : w   // never share with the input
        out["layers/\(i)/bias"] = b === model.parameters["layers/\(i)/bias"]! ? b.copy() : b
    }
    return ModelFile(architecture: .mlp(n), vocabulary: model.vocabulary, history: model.history, parameters: out)
}
