// QuantizedFormatTests: int8 layers in the model file: the round trip, and every malformed layout as a clear error.
import CondenseCore
import Foundation
import Testing
import TestSupport

@Suite struct QuantizedFormatTests {
    /// A 6-5-3 MLP whose first layer is int8-static with SmoothQuant divisors and whose second is int8-dynamic.
    static func model() throws -> ModelFile {
        let net = makeNetwork(.mlp(MLPConfig(inputs: 6, hidden: [5], classes: 3, activation: .relu)), seed: 9)
        var m = net.modelFile()
        for (layer, n, k, scheme) in [("layers/0", 5, 6, QuantizedLinear.Scheme.static), ("layers/1", 3, 5, .dynamic)] {
            let (q, s) = try Int8Linear.quantizePerChannel(m.parameters[layer + "/weight"]!.data, n: n, k: k)
            m.quantized[layer] = QuantizedLinear(scheme: scheme, n: n, k: k, qweight: q, weightScale: s,
                                                 inputScale: scheme == .static ? 0.02 : nil,
                                                 smoothScale: scheme == .static ? [1, 2, 0.5, 1, 1, 3] : nil)
            m.parameters[layer + "/weight"] = nil
        }
        return m
    }

    static func written() throws -> String {
        let path = TestSupport.tempDir("qformat").appendingPathComponent("m.h5").path
        try model().write(to: path)
        return path
    }

    @Test func roundTripKeepsEveryField() throws {
        let path = try Self.written()
        let back = try ModelFile.read(path)
        #expect(back.quantized == (try Self.model()).quantized)
        let h = try ModelFile.readHeader(path)
        #expect(h.quantization == ["layers/0": .static, "layers/1": .dynamic])
        #expect(h.datasets.map(\.path).contains("layers/0/smooth_scale"))
        #expect(h.datasets.first { $0.path == "layers/1/qweight" }?.dtype == "int8")
    }

    /// Edits the written file with h5py, then expects reading to fail with every fragment in the message.
    func expectBroken(_ edit: String, _ fragments: [String]) throws {
        let path = try Self.written()
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", "import h5py, numpy as np, sys\nf = h5py.File(sys.argv[1], 'r+')\n" + edit, path])
        #expect(r.status == 0, "\(r.stderr)")
        do {
            _ = try ModelFile.read(path)
            Issue.record("expected an error for: \(edit)")
        } catch {
            for f in fragments { #expect("\(error)".contains(f), "expected \(f.debugDescription) in \(error)") }
        }
    }

    @Test func malformedLayersAreClearErrors() throws {
        try expectBroken("d = f['layers/1/qweight']; a = d[()]; a[0, 0] = -128; d[...] = a", ["layers/1/qweight", "−128", "[−127, 127]"])
        try expectBroken("del f['layers/1/weight_scale']", ["layers/1/weight_scale", "missing dataset", "float32 of shape [3]"])
        try expectBroken("f['layers/1'].attrs['quant'] = 'int4'", ["layers/1", "\"int4\"", "int8-dynamic"])
        try expectBroken("del f['layers/0/input_scale']", ["layers/0/input_scale", "missing dataset", "int8-static"])
        try expectBroken("d = f['layers/0/weight_scale']; a = d[()]; a[2] = 0; d[...] = a", ["layers/0/weight_scale", "element 2", "> 0"])
        try expectBroken("f['layers/1/weight'] = np.zeros((3, 5), np.float32)", ["layers/1/weight", "not a float weight"])
        try expectBroken("del f['layers/0/qweight']; f['layers/0/qweight'] = np.zeros((5, 6), np.int16)", ["layers/0/qweight", "expected dtype int8", "int16"])
        try expectBroken("del f['layers/0/smooth_scale']; f['layers/0/smooth_scale'] = np.ones(4, np.float32)", ["layers/0/smooth_scale", "[6]"])
    }
}
