// DataFormat+Detect: which reader a data path needs, from its content (magic bytes, folder contents), the file
// extension only where content cannot tell (CSV versus plain text), and the model family as the last hint.
import Foundation

extension DataFormat {
    public static func detect(_ path: String, family: String?) throws -> DataFormat {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DataError(path, expected: "a data file or folder", found: "no such file")
        }
        if isDir.boolValue {
            let names = Set((try? fm.contentsOfDirectory(atPath: path)) ?? [])
            if names.contains("train.bin") { return .nanogpt }
            if names.contains("x.npy") { return .npy }
            if names.contains(where: { $0.contains("idx") && $0.contains("ubyte") }) { return .idx }
            if names.contains(where: { $0.hasSuffix(".txt") }) { return .text }
            throw DataError(path, expected: "a data folder (train.bin, x.npy, IDX files or .txt files)",
                            found: names.isEmpty ? "an empty folder" : "\(names.sorted().prefix(8).joined(separator: ", "))")
        }
        // A FIFO or device would block or trap on read: only regular files are sniffed.
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw DataError(path, expected: "a regular data file or a folder", found: "a special file (device, FIFO or socket)")
        }
        if path.hasSuffix(".bin") { return .nanogpt }
        guard let h = FileHandle(forReadingAtPath: path) else { throw DataError(path, expected: "a readable file", found: "a file that cannot be read") }
        let head = [UInt8](h.readData(ofLength: 8))
        try? h.close()
        if head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) { return .hdf5 }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .npy }
        if head.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
            // x.npy with y.npy beside it is unambiguous: the folder's arrays (x_val.npy … too, when present).
            if TaskData.npyFolder(ofFile: path) != nil { return .npy }
            throw DataError(path, expected: "labelled arrays: an .npz holding x and y, a folder of x.npy and y.npy, or x.npy with y.npy beside it",
                            found: "a single .npy array\((path as NSString).lastPathComponent == "x.npy" ? " with no y.npy beside it" : "") (it holds no labels)",
                            hint: "pass the folder, or save both arrays with numpy.savez(\"data.npz\", x=x, y=y)")
        }
        if head.count >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 { return .idx }
        if head.starts(with: [0x1F, 0x8B]) {
            if path.contains("idx") || path.contains("ubyte") { return .idx }
            throw DataError(path, expected: "a data file", found: "a gzip file that is not an IDX file", hint: "decompress it first")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "csv" { return .csv }
        if ext == "txt" { return .text }
        return family == "mlp" ? .csv : .text
    }
}
