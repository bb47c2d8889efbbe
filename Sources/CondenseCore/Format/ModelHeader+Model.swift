// ModelHeader+Model: the header of a model read from another format (its tensors as a Condense file would hold them).
import Foundation

extension ModelHeader {
    /// The header a Condense file holding `model` would have; `fileBytes` is the size of the file it came from.
    public init(model: ModelFile, file: String, fileBytes: Int) {
        let infos = model.parameters.keys.sorted().map { p in
            DatasetInfo(path: p, shape: model.parameters[p]!.shape, dtype: "float32", bytes: model.parameters[p]!.count * 4, tiedTo: nil)
        }
        self.init(file: file, fileBytes: fileBytes, architecture: model.architecture, vocabulary: model.vocabulary,
                  history: model.history, datasets: infos, quantization: model.quantized.mapValues(\.scheme))
    }
}
