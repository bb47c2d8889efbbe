// ModelSource: the one model loader every command and the Pipeline call; it tells formats apart by content.
import CondenseCore
import Foundation
import HDF5

/// The formats a model file may be in, told apart by their first bytes and root attributes, never by extension.
public enum ModelFormat: String, Codable, Sendable {
    case condense
    /// A Keras 3 `.keras` zip archive (config.json + model.weights.h5).
    case kerasArchive = "keras"
    /// A legacy Keras full-model HDF5 file (root attribute model_config, group model_weights).
    case kerasH5 = "keras-h5"
}

public enum ModelSource {
    /// Reads a model in any supported format, fully validated.
    public static func read(_ path: String) throws -> ModelFile {
        switch try detect(path) {
        case .condense: return try ModelFile.read(path)
        case .kerasArchive: return try KerasImport.readArchive(try bytes(path), file: path)
        case .kerasH5: return try KerasImport.readLegacy(try HDF5.File(openReadOnly: path), file: path)
        }
    }

    /// The header: for a Condense file without reading the parameters; for Keras the model is read and mapped.
    public static func readHeader(_ path: String) throws -> ModelHeader {
        if try detect(path) == .condense { return try ModelFile.readHeader(path) }
        return ModelHeader(model: try read(path), file: path, fileBytes: (try? fileSize(path)) ?? 0)
    }

    /// The format of the file at `path`, from its content: a zip signature, or an HDF5 file whose root attributes
    /// say Condense (`condense_format`) or Keras (`model_config`).
    public static func detect(_ path: String) throws -> ModelFormat {
        // Only a readable regular file is sniffed; for anything else (missing, a folder, a device) the Condense
        // reader names the problem. Foundation's FileHandle.readData traps on a folder, so this reads with POSIX.
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .condense }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .condense }
        var buf = [UInt8](repeating: 0, count: 4)
        let got = Glibc.read(fd, &buf, 4)
        Glibc.close(fd)
        let head = Array(buf.prefix(max(0, got)))
        if head == [0x50, 0x4B, 0x03, 0x04] || head == [0x50, 0x4B, 0x05, 0x06] { return .kerasArchive }
        // Anything that is neither a zip archive nor a Keras HDF5 file goes to the Condense reader, whose errors
        // name the problem (not an HDF5 file, truncated, no condense_format attribute).
        guard let file = try? HDF5.File(openReadOnly: path), let root = try? file.root else { return .condense }
        if !root.hasAttribute("condense_format"), root.hasAttribute("model_config") { return .kerasH5 }
        return .condense
    }

    static func bytes(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw FormatError(file: path, "cannot be read: \(error.localizedDescription)")
        }
    }

    static func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
