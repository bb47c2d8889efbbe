// Support: synthetic classification data and small MLPs for the Distill tests.
import CondenseCore
import Foundation
@testable import Distill

enum Synthetic {
    /// x ~ N(0, 1) (count, features); the clean label is argmax(W·x) for a fixed random W (classes, features).
    /// A fraction `noise` of the labels is replaced by a uniformly random class.
    static func images(count: Int, features: Int, classes: Int, w: [Float], noise: Double, seed: UInt64) -> LabeledImages {
        var rng = RNG(seed: seed)
        let x = Tensor(zeros: [count, features])
        var y = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            for j in 0..<features { x.data[i * features + j] = rng.normal() }
            var best = 0, bv = -Float.infinity
            for c in 0..<classes {
                var s: Float = 0
                for j in 0..<features { s += w[c * features + j] * x.data[i * features + j] }
                if s > bv { bv = s; best = c }
            }
            y[i] = Int32(best)
            if Double(rng.uniform()) < noise { y[i] = Int32(rng.below(classes)) }
        }
        return try! LabeledImages(images: x, labels: y, classes: classes)
    }

    static func weights(features: Int, classes: Int, seed: UInt64) -> [Float] {
        var rng = RNG(seed: seed)
        return (0..<(features * classes)).map { _ in rng.normal() }
    }

    /// Train labels with `noise`, clean validation labels.
    static func task(features: Int = 16, classes: Int = 4, train: Int = 1024, val: Int = 512, noise: Double = 0,
                     w: [Float]) -> TaskData {
        .classification(train: images(count: train, features: features, classes: classes, w: w, noise: noise, seed: 11),
                        val: images(count: val, features: features, classes: classes, w: w, noise: 0, seed: 12),
                        directory: nil)
    }

    /// A linear model (no hidden layer) whose logits are scale·W·x: it knows the clean labelling.
    static func oracle(w: [Float], features: Int, classes: Int, scale: Float = 3) -> ModelFile {
        ModelFile(architecture: .mlp(MLPConfig(inputs: features, hidden: [], classes: classes)),
                  parameters: ["layers/0/weight": Tensor(shape: [classes, features], values: w.map { $0 * scale }),
                               "layers/0/bias": Tensor(zeros: [classes])])
    }

    static func mlp(_ inputs: Int, _ hidden: [Int], _ classes: Int, seed: UInt64) -> ModelFile {
        makeNetwork(.mlp(MLPConfig(inputs: inputs, hidden: hidden, classes: classes)), seed: seed).modelFile()
    }

    static func randoms(_ n: Int, seed: UInt64, scale: Float = 3) -> [Float] {
        var rng = RNG(seed: seed)
        return (0..<n).map { _ in rng.normal() * scale }
    }
}
