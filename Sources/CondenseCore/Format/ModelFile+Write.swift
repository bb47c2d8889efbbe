// ModelFile+Write: writes a model atomically (temp file in the same folder, fsync, then rename).
import Foundation
import HDF5

extension ModelFile {
    /// Writes the model to `path`. Nothing appears at `path` unless the whole file was written.
    public func write(to path: String) throws {
        try validateParameters(file: path)
        try writeAtomically(to: path) { tmp in
            let file = try HDF5.File(create: tmp)
            let root = try file.root
            try root.setAttribute("condense_format", string: Condense.formatTag)
            try root.setAttribute("condense_version", int: Condense.formatVersion)
            try root.setAttribute("architecture", string: architecture.json())
            if let vocabulary {
                let data = try JSONEncoder().encode(vocabulary)
                try root.setAttribute("vocabulary", string: String(decoding: data, as: UTF8.self))
            }
            try root.setAttribute("history", string: JSONValue.array(history).description)
            for spec in architecture.parameterSpecs {
                if spec.path.hasSuffix("/weight"), let q = quantized[String(spec.path.dropLast("/weight".count))] {
                    let layer = String(spec.path.dropLast("/weight".count))
                    let g = root.exists(layer) ? try root.group(layer) : try root.createGroup(layer)
                    try g.setAttribute("quant", string: q.scheme.rawValue)
                    try root.createDataset(layer + "/qweight", shape: [q.n, q.k], values: q.qweight)
                    try root.createDataset(layer + "/weight_scale", shape: [q.n], values: q.weightScale)
                    if let sx = q.inputScale { try root.createDataset(layer + "/input_scale", shape: [1], values: [sx]) }
                    if let sm = q.smoothScale { try root.createDataset(layer + "/smooth_scale", shape: [q.k], values: sm) }
                    continue
                }
                let t = parameters[spec.path]!
                try root.createDataset(spec.path, shape: spec.shape, data: UnsafeBufferPointer(t.buffer))
            }
            // A tied weight is one array with two names, so nanoGPT's state_dict keys are all present.
            for (alias, target) in architecture.tiedAliases.sorted(by: { $0.key < $1.key }) {
                try root.createHardLink(alias, to: target)
            }
            try file.flush()
        }
    }
}

/// Runs `body` on a fresh temporary path beside `path`, then renames it into place. On any error the
/// temporary file is removed and whatever was at `path` before is untouched.
/// When the folder is the tool's (OwnedFolder), the name is recorded in its manifest unless `recording` is false.
public func writeAtomically(to path: String, recording: Bool = true, _ body: (String) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
        throw FormatError(file: path, "cannot write: folder \(dir) does not exist")
    }
    let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    var renamed = false
    defer { if !renamed { unlink(tmp) } }
    // Recorded before it exists, so a kill between the rename and the record cannot leave an unlisted file.
    if recording { try? OwnedFolder.claim(dir, [url.lastPathComponent]) }
    do { try body(tmp) } catch let e as HDF5Error {
        throw FormatError(file: path, "cannot write: \(e.message) (is the disk full or the folder read-only?)")
    }
    let fd = open(tmp, O_RDONLY)
    if fd >= 0 { fsync(fd); close(fd) }
    guard rename(tmp, path) == 0 else {
        throw FormatError(file: path, "cannot write: rename from temporary file failed (\(String(cString: strerror(errno))))")
    }
    renamed = true
}
