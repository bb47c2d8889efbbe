// SoftMethod: logit distillation, L = α·T²·D(teacher ‖ student at T) + (1−α)·CE, with α and T searched, the
// optional hidden-state term (its projections the run's extra parameters) and image augmentation.
import CondenseCore

struct SoftMethod: DistillMethod {
    func candidates(_ config: DistillConfig) -> [Candidate] { config.candidates }
    func searches(_ config: DistillConfig) -> Bool { true }

    func makeRun(_ s: MethodSetup, candidate: Candidate) throws -> MethodRun {
        let c = s.config
        let objective = DistillObjective(loss: DistillLoss(alpha: candidate.alpha, temperature: candidate.temperature,
                                                           divergence: c.divergence, beta: c.jsd_beta), teacher: s.teacher)
        var extra: ParameterStore?
        if c.hidden_loss != .none, let gpt = s.student as? GPT, let t = s.teacher.hiddenStates {
            let m = try HiddenMatcher(config: c, student: gpt, teacher: t.config)
            m.gradScale = 1 / Float(s.options.grad_accum)
            objective.hidden = m
            extra = m.projections
        }
        let (batches, aug) = try augmentedBatches(s)
        objective.augmenter = aug
        return MethodRun(objective: objective, batches: batches, extra: extra)
    }
}
