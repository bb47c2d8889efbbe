// Checks: a teacher and student must fit each other and the data (same family, classes or vocabulary), and an
// ensemble's teachers each other.
import CondenseCore

func checkPair(student: ModelFile, teacher: ModelFile, data: TaskData) throws {
    try data.check(teacher.architecture, model: "teacher")
    switch (student.architecture, teacher.architecture) {
    case (.mlp(let s), .mlp(let t)):
        if s.classes != t.classes {
            throw FormatError(file: "student", path: "architecture.classes",
                              "the student has \(s.classes) classes but the teacher has \(t.classes); distillation needs the same classes")
        }
        if s.inputs != t.inputs {
            throw FormatError(file: "student", path: "architecture.inputs",
                              "the student takes \(s.inputs) features but the teacher takes \(t.inputs)")
        }
    case (.gpt(let s), .gpt(let t)):
        if s.vocab_size != t.vocab_size {
            throw FormatError(file: "student", path: "architecture.vocab_size",
                              "the student's vocabulary has \(s.vocab_size) tokens but the teacher's has \(t.vocab_size); distillation needs the same vocabulary")
        }
        if let sv = student.vocabulary, let tv = teacher.vocabulary, sv != tv {
            let i = zip(sv, tv).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
            throw FormatError(file: "student", path: "vocabulary",
                              "the student's vocabulary differs from the teacher's at token \(i) (\(sv[i].debugDescription) vs \(tv[i].debugDescription)); distillation needs the same vocabulary")
        }
        if s.block_size > t.block_size {
            throw FormatError(file: "student", path: "architecture.block_size",
                              "the student's context (\(s.block_size)) exceeds the teacher's (\(t.block_size))")
        }
    default:
        throw FormatError(file: "student", path: "architecture.family",
                          "the student is a \(student.architecture.family) model but the teacher is a \(teacher.architecture.family) model; distillation needs the same family")
    }
    try data.check(student.architecture, model: "student")
}

/// An ensemble's teachers must agree with each other: family, outputs (classes or vocabulary size), inputs and
/// vocabulary. Teacher i is named by its position (1-based), as given.
func checkTeachers(_ teachers: [ModelFile]) throws {
    guard let first = teachers.first else {
        throw ConfigError("distill", key: "teachers", expected: "at least one teacher", found: "none")
    }
    for (i, t) in teachers.enumerated().dropFirst() {
        let name = "teacher \(i + 1)"
        switch (first.architecture, t.architecture) {
        case (.mlp(let a), .mlp(let b)):
            if a.classes != b.classes {
                throw FormatError(file: name, path: "architecture.classes",
                                  "teacher 1 has \(a.classes) classes but \(name) has \(b.classes); an ensemble's teachers must have the same outputs")
            }
            if a.inputs != b.inputs {
                throw FormatError(file: name, path: "architecture.inputs",
                                  "teacher 1 takes \(a.inputs) features but \(name) takes \(b.inputs); an ensemble's teachers must take the same inputs")
            }
        case (.gpt(let a), .gpt(let b)):
            if a.vocab_size != b.vocab_size {
                throw FormatError(file: name, path: "architecture.vocab_size",
                                  "teacher 1's vocabulary has \(a.vocab_size) tokens but \(name)'s has \(b.vocab_size); an ensemble's teachers must have the same outputs")
            }
            if let va = first.vocabulary, let vb = t.vocabulary, va != vb {
                let j = zip(va, vb).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                throw FormatError(file: name, path: "vocabulary",
                                  "\(name)'s vocabulary differs from teacher 1's at token \(j) (\(vb[j].debugDescription) vs \(va[j].debugDescription)); an ensemble's teachers must share one vocabulary")
            }
        default:
            throw FormatError(file: name, path: "architecture.family",
                              "teacher 1 is a \(first.architecture.family) model but \(name) is a \(t.architecture.family) model; an ensemble's teachers must be of one family")
        }
    }
}

/// The hidden-state loss needs a GPT student and one GPT teacher, and a block map that fits both.
func checkHidden(_ config: DistillConfig, student: ModelFile, teachers: [ModelFile]) throws {
    guard config.hidden_loss != .none else { return }
    guard case .gpt(let sc) = student.architecture, case .gpt(let tc) = teachers[0].architecture else {
        throw FormatError(file: "distill", path: "hidden_loss",
                          "the hidden-state loss is implemented for GPT students (block outputs); this is a \(student.architecture.family) model, so set hidden_loss: none")
    }
    guard teachers.count == 1 else {
        throw ConfigError("distill", key: "hidden_loss", expected: "none with an ensemble (it matches one teacher's hidden states)",
                          found: "\(config.hidden_loss.rawValue) with \(teachers.count) teachers")
    }
    _ = try hiddenPairs(config, student: sc, teacher: tc)
}
