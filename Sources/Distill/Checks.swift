// Checks: a teacher and student must fit each other and the data: same family, classes or vocabulary.
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
