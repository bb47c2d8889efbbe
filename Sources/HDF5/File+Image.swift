// File+Image: HDF5 files held in memory (libhdf5's core driver), opened from bytes or created without a disk file.
import CHDF5
import Foundation

extension File {
    /// Opens an HDF5 file image held in memory, read-only; `name` labels errors (e.g. "a.keras:model.weights.h5").
    /// libhdf5 copies the bytes, so `image` may go away afterwards.
    public convenience init(image: [UInt8], name: String) throws {
        Library.prepare()
        guard image.count >= 8, image.prefix(8).elementsEqual([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw HDF5Error(file: name, "not an HDF5 file (no HDF5 signature at the start of its \(image.count) bytes)")
        }
        let fapl = try File.coreAccessList(name: name)
        defer { H5Pclose(fapl) }
        let set = image.withUnsafeBytes { H5Pset_file_image(fapl, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count) }
        guard set >= 0 else { throw HDF5Error(file: name, "cannot hand the \(image.count)-byte image to libhdf5") }
        CrashGuard.opened(name)  // the same containment as a file on disk; deinit disarms it once wrapped
        let id = H5Fopen(name, ch5_f_acc_rdonly(), fapl)
        guard id >= 0 else {
            CrashGuard.closed()
            throw HDF5Error(file: name, "HDF5 signature present but the image cannot be opened: it is truncated or corrupt (\(image.count) bytes)")
        }
        self.init(path: name, id: id, size: image.count, readOnly: true)
        try validateStructure()
    }

    /// Creates an empty file that lives only in memory; `image()` returns its bytes once written.
    public static func createInMemory(name: String) throws -> File {
        Library.prepare()
        let fapl = try coreAccessList(name: name)
        defer { H5Pclose(fapl) }
        let id = H5Fcreate(name, ch5_f_acc_trunc(), ch5_p_default(), fapl)
        guard id >= 0 else { throw HDF5Error(file: name, "cannot create an in-memory HDF5 file") }
        return File(path: name, id: id, size: 0, readOnly: false)
    }

    /// The file's current bytes (flushes first): what would be on disk had it been a disk file.
    public func image() throws -> [UInt8] {
        try flush()
        let n = H5Fget_file_image(handle.id, nil, 0)
        guard n > 0 else { throw HDF5Error(file: path, "cannot read the file image") }
        var bytes = [UInt8](repeating: 0, count: n)
        let got = bytes.withUnsafeMutableBytes { H5Fget_file_image(handle.id, $0.baseAddress, n) }
        guard got == n else { throw HDF5Error(file: path, "file image read returned \(got) of \(n) bytes") }
        return bytes
    }

    /// A file-access list for the core (memory) driver, with no backing file on disk.
    private static func coreAccessList(name: String) throws -> hid_t {
        let fapl = H5Pcreate(ch5_p_file_access())
        guard fapl >= 0, H5Pset_fapl_core(fapl, 1 << 20, false) >= 0 else {
            throw HDF5Error(file: name, "cannot set up libhdf5's in-memory (core) driver")
        }
        return fapl
    }
}
