// File+Structure: one walk over every link of a file that refuses what a self-contained file cannot hold safely.
import CHDF5

/// Bounds on a file's link tree: a model has a few hundred links at a depth of at most 6.
public enum StructureLimits {
    /// Links visited in all (a 6-layer GPT has ~120; 1,000 layers would have ~20,000).
    public static let maxLinks = 100_000
    /// Group nesting depth.
    public static let maxDepth = 32
    /// Characters in one link name.
    public static let maxNameLength = 1_024
}

extension File {
    /// Walks every link from the root. Only hard links are allowed: soft links, external links (into another file)
    /// and user-defined links are errors naming the link. A group reached twice (a loop through an ancestor, or a
    /// second name for a group) is an error, so no later traversal can loop; a dataset may have several names (a
    /// tied weight). Every dataset's storage is checked (`Dataset.validateStorage`).
    public func validateStructure() throws {
        var seenGroups: Set<UInt64> = []
        var links = 0
        let root = try self.root
        seenGroups.insert(root.objectAddress)
        try walk(root, depth: 0, seenGroups: &seenGroups, links: &links)
    }

    private func walk(_ g: Group, depth: Int, seenGroups: inout Set<UInt64>, links: inout Int) throws {
        guard depth < StructureLimits.maxDepth else {
            throw HDF5Error(file: path, path: g.path, "groups nested deeper than \(StructureLimits.maxDepth) levels")
        }
        for name in try g.childNames() {
            links += 1
            let full = g.childPath(name)
            guard links <= StructureLimits.maxLinks else {
                throw HDF5Error(file: path, path: full, "more than \(StructureLimits.maxLinks) links in the file")
            }
            let address = try g.hardLinkAddress(name)
            switch g.kind(of: name) {
            case .group:
                guard seenGroups.insert(address).inserted else {
                    throw HDF5Error(file: path, path: full,
                                    "hard link to a group already reached by another path (a loop or a second name for a group)")
                }
                try walk(try g.group(name), depth: depth + 1, seenGroups: &seenGroups, links: &links)
            case .dataset:
                try g.dataset(name).validateStorage()
            case .other:
                throw HDF5Error(file: path, path: full, "object is neither a group nor a dataset (a named datatype?)")
            }
        }
    }
}

extension Group {
    /// The address a direct child's link points to; throws unless the link is a hard link inside this file.
    func hardLinkAddress(_ name: String) throws -> UInt64 {
        let full = childPath(name)
        var info = H5L_info_t()
        guard H5Lget_info(handle.id, name, &info, ch5_p_default()) >= 0 else {
            throw HDF5Error(file: file.path, path: full, "cannot read the link")
        }
        switch info.type {
        case H5L_TYPE_HARD:
            return UInt64(info.u.address)
        case H5L_TYPE_SOFT:
            throw HDF5Error(file: file.path, path: full,
                            "soft link to \(linkValue(name, size: info.u.val_size).debugDescription): the format allows hard links only")
        case H5L_TYPE_EXTERNAL:
            throw HDF5Error(file: file.path, path: full,
                            "external link into another file: a model file must be self-contained (hard links only)")
        default:
            throw HDF5Error(file: file.path, path: full, "user-defined link type \(info.type.rawValue): the format allows hard links only")
        }
    }

    /// A soft link's target path, for the error message (at most 200 characters).
    private func linkValue(_ name: String, size: Int) -> String {
        let n = min(max(size, 1), 4_096)
        var buf = [CChar](repeating: 0, count: n + 1)
        guard H5Lget_val(handle.id, name, &buf, n, ch5_p_default()) >= 0 else { return "?" }
        return String(String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).prefix(200))
    }

    /// The group's own object address (the root's included).
    public var objectAddress: UInt64 {
        var info = H5O_info_t()
        guard H5Oget_info(handle.id, &info) >= 0 else { return 0 }
        return UInt64(info.addr)
    }
}
