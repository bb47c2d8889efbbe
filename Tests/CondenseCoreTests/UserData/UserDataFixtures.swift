// UserDataFixtures: small user data files written in the tests: .npy bytes, .npz archives, CSV, HDF5 arrays, IDX pairs.
import Foundation
import HDF5
import ZIPFoundation
@testable import CondenseCore

enum UserDataFixtures {
    /// A .npy file: magic, version, little-endian header length, the padded dict header, then `payload`.
    static func npy(_ descr: String, shape: [Int], payload: [UInt8], version: UInt8 = 1, fortran: Bool = false) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (\(dims)), }"
        let lenBytes = version == 1 ? 2 : 4
        while (10 + lenBytes - 2 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let n = header.utf8.count
        for i in 0..<lenBytes { out.append(UInt8((n >> (8 * i)) & 0xFF)) }
        return out + Array(header.utf8) + payload
    }

    static func floats(_ v: [Float]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }
    static func int64s(_ v: [Int64]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }

    /// A separable 3-class set: class c has features near (c, −c, 2c) (with seeded noise); `n` rows.
    static func blobs(_ n: Int, features: Int = 3, seed: UInt64 = 1) -> (x: [Float], y: [Int64]) {
        var rng = RNG(seed: seed)
        var x: [Float] = [], y: [Int64] = []
        for i in 0..<n {
            let c = i % 3
            y.append(Int64(c))
            for j in 0..<features { x.append(Float(c) * Float(j % 2 == 0 ? 1 : -1) + 0.1 * rng.normal()) }
        }
        return (x, y)
    }

    /// An .npz (zip) of named .npy members.
    static func npz(_ path: String, _ members: [String: [UInt8]]) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, bytes) in members.sorted(by: { $0.key < $1.key }) {
            let data = Data(bytes)
            try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
                data.subdata(in: Int(pos)..<(Int(pos) + size))
            }
        }
    }

    /// An HDF5 file of named float or int64 arrays.
    static func hdf5(_ path: String, floats: [String: ([Float], [Int])], ints: [String: ([Int64], [Int])] = [:]) throws {
        let f = try HDF5.File(create: path)
        for (k, v) in floats { _ = try f.root.createDataset(k, shape: v.1, values: v.0) }
        for (k, v) in ints { _ = try f.root.createDataset(k, shape: v.1, values: v.0) }
        try f.flush()
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func csv(_ x: [Float], _ y: [Int64], features: Int) -> String {
        var s = (0..<features).map { "f\($0)" }.joined(separator: ",") + ",label\n"
        for (i, label) in y.enumerated() {
            s += (0..<features).map { "\(x[i * features + $0])" }.joined(separator: ",") + ",\(label)\n"
        }
        return s
    }

    /// The message of the DataError (or any error) `body` throws, or nil.
    static func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    /// The files of a folder, for checking that a failed read wrote nothing.
    static func listing(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }
}
