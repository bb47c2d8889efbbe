// Dataset: an HDF5 dataset (owner of its hid_t): shape, dtype, validated reads, and creation with data.
import CHDF5

public final class Dataset {
    public let file: File
    public let path: String
    let handle: Handle
    public let shape: [Int]
    public let dtype: DType

    init(file: File, path: String) throws {
        self.file = file
        self.path = path
        Library.prepare()
        let id = H5Dopen2(file.handle.id, path, ch5_p_default())
        guard id >= 0 else { throw HDF5Error(file: file.path, path: path, "cannot open dataset") }
        handle = Handle(id, close: H5Dclose)
        let tid = H5Dget_type(id)
        guard tid >= 0 else { throw HDF5Error(file: file.path, path: path, "cannot read the datatype") }
        dtype = DType.of(type: tid)
        H5Tclose(tid)
        (shape, count) = try Self.readShape(id, file: file.path, path: path)
    }

    /// The extent, each dimension and the element count checked to fit in an Int.
    private static func readShape(_ id: hid_t, file: String, path: String) throws -> ([Int], Int) {
        let sid = H5Dget_space(id)
        guard sid >= 0 else { throw HDF5Error(file: file, path: path, "cannot read the dataspace") }
        defer { H5Sclose(sid) }
        let rank = H5Sget_simple_extent_ndims(sid)
        guard rank >= 0, rank <= 32 else { throw HDF5Error(file: file, path: path, "unsupported dataspace (rank \(rank))") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(sid, &dims, nil) }
        var shape: [Int] = []
        var count = 1
        for d in dims {
            guard let v = Int(exactly: d) else {
                throw HDF5Error(file: file, path: path, "dimension \(d) does not fit in a signed 64-bit integer")
            }
            let (c, o) = count.multipliedReportingOverflow(by: v)
            guard !o else { throw HDF5Error(file: file, path: path, "shape \(dims) has more elements than a 64-bit count holds") }
            shape.append(v)
            count = c
        }
        return (shape, count)
    }

    /// Element count (checked against overflow when the dataset was opened).
    public let count: Int

    /// Bytes the dataset's storage occupies in the file (compressed size when filtered).
    public var storageSize: Int { Int(clamping: H5Dget_storage_size(handle.id)) }

    /// Reads the whole dataset as `T`, which must match the stored dtype exactly (no silent conversion).
    public func read<T: HDF5Scalar>(as: T.Type = T.self) throws -> [T] {
        guard dtype == T.dtype else {
            throw HDF5Error(file: file.path, path: path, "expected dtype \(T.dtype), found \(dtype)")
        }
        return try readConverting(as: T.self)
    }

    /// Reads the whole dataset converted to `T` by libhdf5 (e.g. any integer type into Int64).
    public func readConverting<T: HDF5Scalar>(as: T.Type = T.self) throws -> [T] {
        try validateStorage()
        guard let mem = T.dtype.nativeType else {
            throw HDF5Error(file: file.path, path: path, "cannot read as \(T.dtype)")
        }
        let n = count
        var out = [T](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        if n == 0 { return out }
        let status = out.withUnsafeMutableBytes { buf in
            H5Dread(handle.id, mem, ch5_s_all(), ch5_s_all(), ch5_p_default(), buf.baseAddress)
        }
        guard status >= 0 else {
            throw HDF5Error(file: file.path, path: path, "read failed: the data is corrupt or truncated")
        }
        return out
    }

    /// Reads into caller-owned memory of exactly `count` elements of `T` (dtype must match).
    public func read<T: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<T>) throws {
        guard dtype == T.dtype else {
            throw HDF5Error(file: file.path, path: path, "expected dtype \(T.dtype), found \(dtype)")
        }
        guard buffer.count == count else {
            throw HDF5Error(file: file.path, path: path, "expected \(buffer.count) elements, found \(count)")
        }
        try validateStorage()
        if count == 0 { return }
        guard H5Dread(handle.id, T.dtype.nativeType!, ch5_s_all(), ch5_s_all(), ch5_p_default(), buffer.baseAddress) >= 0 else {
            throw HDF5Error(file: file.path, path: path, "read failed: the data is corrupt or truncated")
        }
    }
}

extension Group {
    /// Writes a new dataset (creating intermediate groups) from `count(shape)` elements at `data`.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(_ relative: String, shape: [Int], data: UnsafeBufferPointer<T>) throws -> Dataset {
        let full = childPath(relative)
        guard data.count == shape.reduce(1, *) else {
            throw HDF5Error(file: file.path, path: full, "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(data.count)")
        }
        var dims = shape.map { hsize_t($0) }
        let sid = H5Screate_simple(Int32(dims.count), &dims, nil)
        guard sid >= 0 else { throw HDF5Error(file: file.path, path: full, "cannot create dataspace \(shape)") }
        defer { H5Sclose(sid) }
        let lcpl = H5Pcreate(H5P_CLS_LINK_CREATE_ID_g)
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        let did = H5Dcreate2(handle.id, relative, T.dtype.fileType!, sid, lcpl, ch5_p_default(), ch5_p_default())
        guard did >= 0 else { throw HDF5Error(file: file.path, path: full, "cannot create dataset") }
        let ds = Handle(did, close: H5Dclose)
        if data.count > 0 {
            guard H5Dwrite(ds.id, T.dtype.nativeType!, ch5_s_all(), ch5_s_all(), ch5_p_default(), data.baseAddress) >= 0 else {
                throw HDF5Error(file: file.path, path: full, "write failed")
            }
        }
        return try Dataset(file: file, path: full)
    }

    @discardableResult
    public func createDataset<T: HDF5Scalar>(_ relative: String, shape: [Int], values: [T]) throws -> Dataset {
        try values.withUnsafeBufferPointer { try createDataset(relative, shape: shape, data: $0) }
    }
}

extension Dataset {
    /// The object's address in the file: two paths with the same address are hard links to one array.
    public var objectAddress: UInt64 {
        var info = H5O_info_t()
        guard H5Oget_info(handle.id, &info) >= 0 else { return 0 }
        return UInt64(info.addr)
    }
}
