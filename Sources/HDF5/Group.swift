// Group: an HDF5 group (owner of its hid_t): children, nested paths, datasets and attributes.
import CHDF5

public final class Group {
    public let file: File
    /// Absolute path inside the file, e.g. "/" or "/transformer/h/0".
    public let path: String
    let handle: Handle

    init(file: File, path: String) throws {
        self.file = file
        self.path = path
        Library.prepare()
        let id = H5Gopen2(file.handle.id, path, ch5_p_default())
        guard id >= 0 else { throw HDF5Error(file: file.path, path: path, "cannot open group") }
        handle = Handle(id, close: H5Gclose)
    }

    private init(file: File, path: String, id: hid_t) {
        self.file = file
        self.path = path
        handle = Handle(id, close: H5Gclose)
    }

    func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    public enum ChildKind: Equatable { case group, dataset, other }

    /// Names of the direct children, in name order.
    public func childNames() throws -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(handle.id, &info) >= 0 else {
            throw HDF5Error(file: file.path, path: path, "cannot list group")
        }
        guard info.nlinks <= hsize_t(StructureLimits.maxLinks) else {
            throw HDF5Error(file: file.path, path: path, "group claims \(info.nlinks) links (at most \(StructureLimits.maxLinks))")
        }
        var names: [String] = []
        for i in 0..<info.nlinks {
            let n = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ch5_p_default())
            guard n >= 0 else { throw HDF5Error(file: file.path, path: path, "cannot read link name #\(i)") }
            guard n <= StructureLimits.maxNameLength else {
                throw HDF5Error(file: file.path, path: path, "link name #\(i) is \(n) bytes long (at most \(StructureLimits.maxNameLength))")
            }
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, ch5_p_default())
            names.append(String(cString: buf))
        }
        return names
    }

    /// Whether a (possibly nested, relative) path exists, following each link in turn.
    public func exists(_ relative: String) -> Bool {
        var prefix = ""
        for part in relative.split(separator: "/") {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            if H5Lexists(handle.id, prefix, ch5_p_default()) <= 0 { return false }
            if H5Oexists_by_name(handle.id, prefix, ch5_p_default()) <= 0 { return false }
        }
        return true
    }

    /// The kind of object at a relative path (which must exist).
    public func kind(of relative: String) -> ChildKind {
        let oid = H5Oopen(handle.id, relative, ch5_p_default())
        guard oid >= 0 else { return .other }
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    public func group(_ relative: String) throws -> Group {
        guard exists(relative) else { throw HDF5Error(file: file.path, path: childPath(relative), "missing group") }
        guard kind(of: relative) == .group else {
            throw HDF5Error(file: file.path, path: childPath(relative), "expected a group, found another kind of object")
        }
        return try Group(file: file, path: childPath(relative))
    }

    public func dataset(_ relative: String) throws -> Dataset {
        guard exists(relative) else { throw HDF5Error(file: file.path, path: childPath(relative), "missing dataset") }
        guard kind(of: relative) == .dataset else {
            throw HDF5Error(file: file.path, path: childPath(relative), "expected a dataset, found a group or other object")
        }
        return try Dataset(file: file, path: childPath(relative))
    }

    /// Creates a child group, and any missing intermediate groups.
    @discardableResult
    public func createGroup(_ relative: String) throws -> Group {
        let lcpl = H5Pcreate(H5P_CLS_LINK_CREATE_ID_g)
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        let id = H5Gcreate2(handle.id, relative, lcpl, ch5_p_default(), ch5_p_default())
        guard id >= 0 else { throw HDF5Error(file: file.path, path: childPath(relative), "cannot create group") }
        return Group(file: file, path: childPath(relative), id: id)
    }

    /// Every dataset below this group, as paths relative to it, in depth-first name order.
    public func allDatasetPaths() throws -> [String] {
        var out: [String] = []
        func walk(_ g: Group, _ prefix: String) throws {
            for name in try g.childNames() {
                let rel = prefix.isEmpty ? name : prefix + "/" + name
                switch g.kind(of: name) {
                case .dataset: out.append(rel)
                case .group: try walk(try g.group(name), rel)
                case .other: break
                }
            }
        }
        try walk(self, "")
        return out
    }
}

extension Group {
    /// Makes `link` (relative, intermediate groups created) a hard link to the existing object at `target`:
    /// one array on disk, two names (how a tied weight is stored).
    public func createHardLink(_ link: String, to target: String) throws {
        let lcpl = H5Pcreate(H5P_CLS_LINK_CREATE_ID_g)
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        guard H5Lcreate_hard(handle.id, target, handle.id, link, lcpl, ch5_p_default()) >= 0 else {
            throw HDF5Error(file: file.path, path: childPath(link), "cannot create hard link to \(target)")
        }
    }
}
