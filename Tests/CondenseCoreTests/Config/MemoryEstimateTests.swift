// MemoryEstimateTests: the memory estimate's parts follow from the architecture (4 bytes a weight, 12 of AdamW state),
// a distillation adds its teacher, a data set its bytes (nothing for a memory-mapped .bin), and the limit refuses.
import Foundation
import Testing
@testable import CondenseCore

@Suite struct MemoryEstimateTests {
    let mlp = Architecture.mlp(MLPConfig(inputs: 20, hidden: [8], classes: 3))

    @Test func partsFollowFromTheArchitecture() throws {
        let p = Double(mlp.parameterCount)   // 20·8 + 8 + 8·3 + 3 = 195
        #expect(p == 195)
        let t = mlp.trainingMemory(batchSize: 4)
        #expect(t.parameters == 4 * p && t.optimizer == 12 * p)
        // every layer's input and output (widths 20 + 8 + 3), kept, with their gradients and one scratch copy:
        // 3 float32s per value of a batch of 4
        #expect(t.activations == 3 * 4 * 4 * 31)
        let i = mlp.inferenceMemory(rows: 4)
        #expect(i.parameters == 4 * p && i.optimizer == 0 && i.teacher == 0)
        let teacher = Architecture.mlp(MLPConfig(inputs: 20, hidden: [64], classes: 3))
        let d = mlp.distillMemory(teacher: teacher, batchSize: 4)
        #expect(d.teacher == teacher.inferenceMemory(rows: 4).total && d.parameters == t.parameters)
        #expect(d.total == d.parameters + d.optimizer + d.activations + d.teacher + d.data)
    }

    @Test func dataIsCountedByFormatAndAMappedBinIsNot() throws {
        let dir = NSTemporaryDirectory() + "memory-estimate-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(repeating: 97, count: 1000).write(to: URL(fileURLWithPath: dir + "/t.txt"))
        #expect(DataSpec(path: dir + "/t.txt").memoryEstimate(family: "gpt") == 9 * 1000)
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try Data(count: 2000).write(to: URL(fileURLWithPath: bin + "/train.bin"))
        #expect(DataSpec(path: bin).memoryEstimate(family: "gpt") == 0)
        #expect(DataSpec(name: "fashion-mnist").memoryEstimate(family: "mlp") == 70_000 * 785 * 4)
    }

    @Test func anEstimateOverTheLimitIsRefusedNamingEveryPart() throws {
        let m = MemoryEstimate(parameters: 1, optimizer: 2, activations: 3, teacher: 4, data: Double(SizeLimits.memoryLimit))
        struct Refused: Error { let message: String }
        #expect(throws: Refused.self) { try m.check("this stage") { Refused(message: $0) } }
        do { try m.check("this stage") { Refused(message: $0) } } catch let e as Refused {
            for part in ["this stage needs an estimated", "parameters", "optimizer state", "activations per batch", "teacher", "data"] {
                #expect(e.message.contains(part), "\(e.message)")
            }
        }
        try MemoryEstimate(parameters: 1).check("a tiny stage") { Refused(message: $0) }
    }
}
