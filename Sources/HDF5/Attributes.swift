// Attributes: read and write string and integer attributes on groups and datasets.
import CHDF5
import Glibc

/// Bounds on attribute values a model file may carry.
public enum AttributeLimits {
    /// Bytes in one string attribute (a 1,000-layer history is well under 1 MiB).
    public static let maxStringBytes = 64 << 20
    /// Attributes on one object.
    public static let maxAttributes = 1_024
}

/// An HDF5 object that can carry attributes.
public protocol AttributeHolder {
    var file: File { get }
    var path: String { get }
}

extension Group: AttributeHolder {}
extension Dataset: AttributeHolder {}

extension AttributeHolder {
    fileprivate var objectID: hid_t {
        if let g = self as? Group { return g.handle.id }
        return (self as! Dataset).handle.id
    }

    public func hasAttribute(_ name: String) -> Bool { H5Aexists(objectID, name) > 0 }

    public func attributeNames() -> [String] {
        var oinfo = H5O_info_t()
        guard H5Oget_info(objectID, &oinfo) >= 0 else { return [] }
        guard oinfo.num_attrs <= hsize_t(AttributeLimits.maxAttributes) else { return [] }
        var names: [String] = []
        for i in 0..<oinfo.num_attrs {
            let n = H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ch5_p_default())
            guard n >= 0 else { continue }
            var buf = [CChar](repeating: 0, count: n + 1)
            _ = H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, ch5_p_default())
            names.append(String(cString: buf))
        }
        return names
    }

    private func openAttribute(_ name: String) throws -> Handle {
        guard hasAttribute(name) else {
            throw HDF5Error(file: file.path, path: path, "missing attribute '\(name)'")
        }
        let aid = H5Aopen(objectID, name, ch5_p_default())
        guard aid >= 0 else { throw HDF5Error(file: file.path, path: path, "cannot open attribute '\(name)'") }
        return Handle(aid, close: H5Aclose)
    }

    /// Reads a scalar string attribute, fixed- or variable-length (as h5py writes them).
    public func stringAttribute(_ name: String) throws -> String {
        let a = try openAttribute(name)
        let tid = H5Aget_type(a.id)
        defer { H5Tclose(tid) }
        guard H5Tget_class(tid) == H5T_STRING else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': expected a string, found \(DType.of(type: tid))")
        }
        let sid = H5Aget_space(a.id)
        defer { H5Sclose(sid) }
        guard H5Sget_simple_extent_npoints(sid) == 1 else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': expected a single string")
        }
        if H5Tis_variable_str(tid) > 0 {
            try checkVariableString(a.id, name: name)
            let mem = H5Tcopy(ch5_c_s1())
            defer { H5Tclose(mem) }
            H5Tset_size(mem, ch5_variable())
            H5Tset_cset(mem, H5Tget_cset(tid))
            var ptr: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(a.id, mem, &ptr) >= 0 else {
                throw HDF5Error(file: file.path, path: path, "attribute '\(name)': read failed")
            }
            defer { if let ptr { H5free_memory(ptr) } }
            guard let ptr else { return "" }
            let n = strnlen(ptr, AttributeLimits.maxStringBytes + 1)
            guard n <= AttributeLimits.maxStringBytes else {
                throw HDF5Error(file: file.path, path: path, "attribute '\(name)': string longer than \(AttributeLimits.maxStringBytes) bytes")
            }
            return String(decoding: UnsafeRawBufferPointer(start: ptr, count: n), as: UTF8.self)
        }
        let size = H5Tget_size(tid)
        guard size >= 1, size <= AttributeLimits.maxStringBytes else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': fixed-length string of \(size) bytes (at most \(AttributeLimits.maxStringBytes))")
        }
        let mem = H5Tcopy(tid)
        defer { H5Tclose(mem) }
        var buf = [CChar](repeating: 0, count: size + 1)
        guard H5Aread(a.id, mem, &buf) >= 0 else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': read failed")
        }
        return String(cString: buf)
    }

    /// Reads a one-dimensional array of strings, fixed-length (Keras 2's `weight_names`) or variable-length (Keras 3's,
    /// h5py's object strings). An empty array of any type reads as []. At most `AttributeLimits.maxAttributes` entries.
    public func stringArrayAttribute(_ name: String) throws -> [String] {
        let a = try openAttribute(name)
        let tid = H5Aget_type(a.id), sid = H5Aget_space(a.id)
        defer { H5Tclose(tid); H5Sclose(sid) }
        let n = Int(H5Sget_simple_extent_npoints(sid))
        if n == 0 { return [] }
        guard H5Tget_class(tid) == H5T_STRING else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': expected strings, found \(DType.of(type: tid))")
        }
        guard n > 0, n <= AttributeLimits.maxAttributes, H5Sget_simple_extent_ndims(sid) <= 1 else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': expected a list of at most \(AttributeLimits.maxAttributes) strings, found \(n) elements")
        }
        return H5Tis_variable_str(tid) > 0 ? try variableStrings(a.id, tid, n, name) : try fixedStrings(a.id, tid, n, name)
    }

    private func fixedStrings(_ aid: hid_t, _ tid: hid_t, _ n: Int, _ name: String) throws -> [String] {
        let size = H5Tget_size(tid)
        guard size >= 1, size <= 65_536, n * size <= AttributeLimits.maxStringBytes else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': \(n) fixed-length strings of \(size) bytes exceed the limit")
        }
        var buf = [UInt8](repeating: 0, count: n * size)
        guard H5Aread(aid, tid, &buf) >= 0 else { throw HDF5Error(file: file.path, path: path, "attribute '\(name)': read failed") }
        return (0..<n).map { i in
            let item = buf[(i * size)..<((i + 1) * size)]
            return String(decoding: item.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private func variableStrings(_ aid: hid_t, _ tid: hid_t, _ n: Int, _ name: String) throws -> [String] {
        // Each element is a 16-byte global-heap reference; anything else is not what h5py writes.
        let stored = Int(H5Aget_storage_size(aid))
        guard stored >= n, stored <= 64 * n, [H5T_CSET_ASCII, H5T_CSET_UTF8].contains(H5Tget_cset(tid)) else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': variable-length strings store \(stored) bytes for \(n) entries")
        }
        let mem = H5Tcopy(ch5_c_s1())
        defer { H5Tclose(mem) }
        H5Tset_size(mem, ch5_variable())
        H5Tset_cset(mem, H5Tget_cset(tid))
        var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
        guard H5Aread(aid, mem, &ptrs) >= 0 else { throw HDF5Error(file: file.path, path: path, "attribute '\(name)': read failed") }
        defer { for p in ptrs { if let p { H5free_memory(p) } } }
        var total = 0
        return try ptrs.map { p in
            guard let p else { return "" }
            let len = strnlen(p, AttributeLimits.maxStringBytes + 1)
            total += len
            guard total <= AttributeLimits.maxStringBytes else {
                throw HDF5Error(file: file.path, path: path, "attribute '\(name)': strings longer than \(AttributeLimits.maxStringBytes) bytes in all")
            }
            return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
        }
    }

    /// Reads a scalar integer attribute (any integer width, converted to Int64).
    public func intAttribute(_ name: String) throws -> Int64 {
        let a = try openAttribute(name)
        let tid = H5Aget_type(a.id)
        defer { H5Tclose(tid) }
        guard H5Tget_class(tid) == H5T_INTEGER else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': expected an integer, found \(DType.of(type: tid))")
        }
        let sid = H5Aget_space(a.id)
        defer { H5Sclose(sid) }
        guard H5Sget_simple_extent_npoints(sid) == 1 else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': expected a single integer")
        }
        var v: Int64 = 0
        guard H5Aread(a.id, ch5_native_int64(), &v) >= 0 else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': read failed")
        }
        return v
    }

    /// Writes (or replaces) a scalar variable-length UTF-8 string attribute, as h5py does.
    public func setAttribute(_ name: String, string value: String) throws {
        if hasAttribute(name) { H5Adelete(objectID, name) }
        let tid = H5Tcopy(ch5_c_s1())
        defer { H5Tclose(tid) }
        H5Tset_size(tid, ch5_variable())
        H5Tset_cset(tid, H5T_CSET_UTF8)
        let sid = H5Screate(H5S_SCALAR)
        defer { H5Sclose(sid) }
        let aid = H5Acreate2(objectID, name, tid, sid, ch5_p_default(), ch5_p_default())
        guard aid >= 0 else { throw HDF5Error(file: file.path, path: path, "cannot create attribute '\(name)'") }
        defer { H5Aclose(aid) }
        let ok = value.withCString { cstr -> Bool in
            var p: UnsafePointer<CChar>? = cstr
            return H5Awrite(aid, tid, &p) >= 0
        }
        guard ok else { throw HDF5Error(file: file.path, path: path, "cannot write attribute '\(name)'") }
    }

    /// Writes (or replaces) a scalar int64 attribute.
    public func setAttribute(_ name: String, int value: Int64) throws {
        if hasAttribute(name) { H5Adelete(objectID, name) }
        let sid = H5Screate(H5S_SCALAR)
        defer { H5Sclose(sid) }
        let aid = H5Acreate2(objectID, name, ch5_std_i64le(), sid, ch5_p_default(), ch5_p_default())
        guard aid >= 0 else { throw HDF5Error(file: file.path, path: path, "cannot create attribute '\(name)'") }
        defer { H5Aclose(aid) }
        var v = value
        guard H5Awrite(aid, ch5_native_int64(), &v) >= 0 else {
            throw HDF5Error(file: file.path, path: path, "cannot write attribute '\(name)'")
        }
    }
}

extension AttributeHolder {
    /// What can be checked of a variable-length string before libhdf5 follows its heap reference: a scalar (or
    /// one-element) space, a stored reference of the size a heap ID has, and an ASCII or UTF-8 character set.
    fileprivate func checkVariableString(_ aid: hid_t, name: String) throws {
        let stored = H5Aget_storage_size(aid)
        // A global-heap ID is a 4-byte length, an 8-byte collection address and a 4-byte index.
        guard stored >= 1, stored <= 64 else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': variable-length string stores \(stored) bytes (a heap reference is 16)")
        }
        let tid = H5Aget_type(aid)
        defer { H5Tclose(tid) }
        let cset = H5Tget_cset(tid)
        guard cset == H5T_CSET_ASCII || cset == H5T_CSET_UTF8 else {
            throw HDF5Error(file: file.path, path: path, "attribute '\(name)': unknown character set \(cset.rawValue)")
        }
    }
}
