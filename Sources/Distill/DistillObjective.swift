// DistillObjective: the Trainer's loss for distillation: asks the teacher for its logits on the batch input (at the
// loss's temperature), then DistillLoss, plus the optional hidden-state term.
import CondenseCore

final class DistillObjective: Objective {
    let loss: DistillLoss
    let teacher: Teacher
    /// Set with --augment on images: supplies the mixup partner labels of the current batch.
    var augmenter: AugmentedBatches?
    /// Set with hidden_loss: matches block outputs (GPT), adding α·w·H to the loss.
    var hidden: HiddenMatcher?
    /// The last batch's terms (for logs and tests).
    private(set) var last = DistillLossValue(loss: 0, divergence: 0, crossEntropy: 0)

    init(loss: DistillLoss, teacher: Teacher) {
        self.loss = loss; self.teacher = teacher
    }

    func lossAndGradient(logits: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>,
                         targets: UnsafePointer<Int32>, input: NetworkInput, rows: Int, cols: Int) -> Double {
        // logits, dlogits (rows, cols); the teacher's logits (rows, cols) come from the same input.
        let t = loss.alpha > 0 ? teacher.logits(for: input, temperature: loss.temperature) : logits
        if let aug = augmenter, aug.mixed {
            last = aug.mixTargets.withUnsafeBufferPointer { mt in
                aug.mixLambda.withUnsafeBufferPointer { ml in
                    loss.compute(student: logits, teacher: t, targets: targets, rows: rows, cols: cols, dlogits: dlogits,
                                 mix: (mt.baseAddress!, ml.baseAddress!))
                }
            }
        } else {
            last = loss.compute(student: logits, teacher: t, targets: targets, rows: rows, cols: cols, dlogits: dlogits)
        }
        // L = α·(T²·D + w·H) + (1−α)·CE: with α = 0 the step stays exactly a task-loss step.
        if let h = hidden {
            if loss.alpha > 0, let tnet = teacher.hiddenStates {
                let factor = loss.alpha * h.weight
                last.loss += factor * h.compute(teacher: tnet, targets: targets, rows: rows, factor: factor)
            } else {
                h.skip()
            }
        }
        return last.loss
    }
}
