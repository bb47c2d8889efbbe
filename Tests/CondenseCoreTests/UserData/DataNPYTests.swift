// DataNPYTests: the .npy parser on arrays NumPy itself wrote, on hand-made headers, and on truncated, corrupted and
// oversized-header inputs (a clear error naming the file, never a crash or an allocation sized by the header).
import Foundation
import Testing
import TestSupport
@testable import CondenseCore

@Suite struct DataNPYTests {
    typealias F = UserDataFixtures

    @Test func readsWhatNumPyWrites() throws {
        let dir = TestSupport.tempDir("npy")
        let script = """
            import numpy as np, sys
            d = sys.argv[1]
            np.save(d + '/f4.npy', np.arange(12, dtype='<f4').reshape(3, 4) / 8)
            np.save(d + '/f8be.npy', (np.arange(6) - 2.5).reshape(2, 3).astype('>f8'))
            np.save(d + '/i2.npy', np.array([-3, 0, 7, 32767], dtype='<i2'))
            np.save(d + '/u1.npy', np.array([0, 1, 255], dtype='u1'))
            np.save(d + '/i8be.npy', np.array([-(2**40), 5], dtype='>i8'))
            """
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, dir.path])
        try #require(r.status == 0, "numpy is needed (tools/bootstrap installs it): \(r.stderr)")
        let f4 = try NPYArray.read(dir.path + "/f4.npy")
        #expect(f4.shape == [3, 4] && f4.dtype == "<f4")
        #expect(f4.floats() == (0..<12).map { Float($0) / 8 })
        let f8 = try NPYArray.read(dir.path + "/f8be.npy")
        #expect(f8.bigEndian && f8.doubles() == (0..<6).map { Double($0) - 2.5 })
        #expect(try NPYArray.read(dir.path + "/i2.npy").doubles() == [-3, 0, 7, 32767])
        #expect(try NPYArray.read(dir.path + "/u1.npy").doubles() == [0, 1, 255])
        #expect(try NPYArray.read(dir.path + "/i8be.npy").doubles() == [-1_099_511_627_776, 5])
    }

    @Test func versionTwoHeadersParse() throws {
        let bytes = F.npy("<f4", shape: [2], payload: F.floats([1.5, -2]), version: 2)
        #expect(try NPYArray.parse(Data(bytes), source: "v2.npy").floats() == [1.5, -2])
    }

    @Test func badHeadersAreClearErrors() {
        let good = F.npy("<f4", shape: [2, 2], payload: F.floats([1, 2, 3, 4]))
        let cases: [(String, [UInt8], String)] = [
            ("magic", Array("PK\u{3}\u{4}not npy".utf8), "expected a .npy file (magic \\x93NUMPY)"),
            ("version", Array(good.prefix(6)) + [9, 0] + Array(good.dropFirst(8)), "expected .npy format version 1, 2 or 3, found version 9.0"),
            ("fortran", F.npy("<f4", shape: [2, 2], payload: F.floats([1, 2, 3, 4]), fortran: true), "expected C order"),
            ("dtype", F.npy("<c8", shape: [1], payload: [0, 0, 0, 0, 0, 0, 0, 0]), "expected a numeric dtype"),
            ("negative", F.npy("<f4", shape: [-1], payload: []), "expected non-negative dimensions"),
            ("too few bytes", Array(good.dropLast(3)), "expected 16 payload bytes for shape [2, 2] of <f4, found 13 (truncated)"),
            ("too many bytes", good + [0], "expected 16 payload bytes for shape [2, 2] of <f4, found 17"),
        ]
        for (name, bytes, expected) in cases {
            let m = F.error { _ = try NPYArray.parse(Data(bytes), source: "x.npy") }
            #expect(m?.hasPrefix("x.npy: ") == true && m?.contains(expected) == true, "\(name): \(m ?? "no error")")
        }
    }

    /// A header may claim any shape; the payload must match it exactly before anything is allocated.
    @Test func oversizedHeadersAreRefusedBeforeAllocating() {
        let huge = F.npy("<f8", shape: [1 << 40, 1 << 20], payload: [])
        #expect(F.error { _ = try NPYArray.parse(Data(huge), source: "h.npy") }?.contains("expected a shape whose size fits in memory") == true)
        let big = F.npy("<f4", shape: [1 << 30, 4], payload: F.floats([1]))
        #expect(F.error { _ = try NPYArray.parse(Data(big), source: "h.npy") }?.contains("found 4 (truncated)") == true)
        var longHeader: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0]
        longHeader += [0, 0, 0, 0x7F]   // a declared 2 GiB header
        longHeader += Array("{'descr': '<f4'".utf8)
        #expect(F.error { _ = try NPYArray.parse(Data(longHeader), source: "h.npy") }?.contains("expected a .npy header of at most 65536 bytes") == true)
    }

    /// Every prefix of a valid file, and every single-byte corruption of its header, is an error or a valid parse.
    @Test func truncationsAndCorruptionsNeverCrash() {
        let good = F.npy("<i8", shape: [3], payload: F.int64s([1, 2, 3]))
        for n in 0..<good.count {
            #expect(F.error { _ = try NPYArray.parse(Data(good.prefix(n)), source: "t.npy") } != nil, "prefix \(n)")
        }
        var rng = RNG(seed: 5)
        for i in 0..<(good.count - 24) {
            var bad = good
            bad[i] = UInt8(truncatingIfNeeded: Int(bad[i]) + 1 + rng.below(255))
            if let a = try? NPYArray.parse(Data(bad), source: "c.npy") { #expect(a.count * a.itemSize == a.payload.count) }
        }
    }
}
