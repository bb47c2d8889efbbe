// File: an open HDF5 file (owner of its hid_t), opened read-only or created new.
import CHDF5
import Foundation

public final class File {
    public let path: String
    let handle: Handle
    /// The file's size on disk when it was opened (0 for a file being written).
    public let sizeOnDisk: Int
    /// Opened read-only (an input), as opposed to created.
    let readOnly: Bool

    /// Opens an existing file read-only. Throws a clear error for a missing, non-HDF5 or truncated file.
    public init(openReadOnly path: String) throws {
        Library.prepare()
        self.path = path
        readOnly = true
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw HDF5Error(file: path, "no such file")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw HDF5Error(file: path, "not a regular file")
        }
        sizeOnDisk = Int(st.st_size)
        guard access(path, R_OK) == 0 else {
            throw HDF5Error(file: path, "not readable (permission denied)")
        }
        // Guarded from the first libhdf5 call on the file; until `handle` is set, this init disarms it on error.
        CrashGuard.opened(path)
        var owned = false
        defer { if !owned { CrashGuard.closed() } }
        let isHDF5 = H5Fis_hdf5(path)
        guard isHDF5 > 0 else {
            throw HDF5Error(file: path, "not an HDF5 file (no HDF5 signature found; \(sizeOnDisk) bytes)")
        }
        let id = H5Fopen(path, ch5_f_acc_rdonly(), ch5_p_default())
        guard id >= 0 else {
            throw HDF5Error(file: path, "HDF5 signature present but the file cannot be opened: it is truncated or corrupt (\(sizeOnDisk) bytes on disk)")
        }
        handle = Handle(id, close: H5Fclose)
        owned = true    // from here deinit disarms the guard, also when validateStructure throws
        try validateStructure()
    }

    deinit { if readOnly { CrashGuard.closed() } }

    /// Creates a new file at `path`; fails if it exists (callers write to a fresh temp path, then rename).
    public init(create path: String) throws {
        Library.prepare()
        self.path = path
        readOnly = false
        sizeOnDisk = 0
        let id = H5Fcreate(path, ch5_f_acc_excl(), ch5_p_default(), ch5_p_default())
        guard id >= 0 else {
            throw HDF5Error(file: path, "cannot create HDF5 file (does the folder exist and is it writable?)")
        }
        handle = Handle(id, close: H5Fclose)
    }

    /// Wraps an id opened elsewhere (the in-memory images of File+Image.swift). A read-only one must have armed
    /// the crash guard before opening; from here deinit disarms it.
    init(path: String, id: hid_t, size: Int, readOnly: Bool) {
        self.path = path
        sizeOnDisk = size
        self.readOnly = readOnly
        handle = Handle(id, close: H5Fclose)
    }

    /// The root group "/".
    public var root: Group {
        get throws { try Group(file: self, path: "/") }
    }

    /// Flushes buffered data to disk.
    public func flush() throws {
        guard H5Fflush(handle.id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw HDF5Error(file: path, "flush failed")
        }
    }
}
