// HDF5Tests: attributes, datasets, hard links and errors of the libhdf5 wrapper.
import Foundation
import Testing
import TestSupport
import HDF5

@Suite struct HDF5Tests {
    @Test func attributesAndDatasetsRoundTrip() throws {
        let path = TestSupport.tempDir("h5").appendingPathComponent("a.h5").path
        do {
            let f = try File(create: path)
            let root = try f.root
            try root.setAttribute("s", string: "héllo {\"json\": [1, 2]}")
            try root.setAttribute("n", int: -42)
            try root.createDataset("g/x", shape: [2, 3], values: [Float](arrayLiteral: 1, 2, 3, 4, 5, 6))
            try root.createDataset("g/q", shape: [3], values: [Int8](arrayLiteral: -127, 0, 127))
            try root.createHardLink("alias/x", to: "g/x")
        }
        let f = try File(openReadOnly: path)
        let root = try f.root
        #expect(try root.stringAttribute("s") == "héllo {\"json\": [1, 2]}")
        #expect(try root.intAttribute("n") == -42)
        #expect(try root.allDatasetPaths() == ["alias/x", "g/q", "g/x"])
        let x = try root.dataset("g/x")
        #expect(x.shape == [2, 3] && x.dtype == .float32)
        #expect(try x.read(as: Float.self) == [1, 2, 3, 4, 5, 6])
        #expect(try root.dataset("g/q").read(as: Int8.self) == [-127, 0, 127])
        #expect(try root.dataset("alias/x").objectAddress == x.objectAddress)
        // Reading with the wrong element type is refused, not converted.
        #expect { _ = try x.read(as: Int8.self) } throws: { "\($0)".contains("expected dtype int8, found float32") }
        #expect { _ = try root.dataset("g/missing") } throws: { "\($0)".contains("/g/missing: missing dataset") }
        #expect { _ = try root.stringAttribute("n") } throws: { "\($0)".contains("expected a string") }
    }

    @Test func createRefusesToOverwrite() throws {
        let path = TestSupport.tempDir("h5").appendingPathComponent("a.h5").path
        _ = try File(create: path)
        #expect { _ = try File(create: path) } throws: { "\($0)".contains("cannot create HDF5 file") }
    }
}
