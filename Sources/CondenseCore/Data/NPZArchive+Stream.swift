// NPZArchive+Stream: an .npz member's x array converted once into the array cache while it is inflated, chunk by
// chunk (memory bounded by one chunk), with its header checked first and every value checked for being finite.
import Foundation
import ZIPFoundation

extension NPZArchive {
    /// Member `name.npy` as a mapped matrix of the array cache (converted on first use), nil when the archive has no
    /// such member; a member of rank < 2 or with no elements comes back unread, for the caller's shape checks.
    func mappedArray(_ name: String) throws -> FeatureArray? {
        guard let entry = archive[name + ".npy"] else { return nil }
        let source = "\(path): \(name)"
        let (header, declared) = try memberHeader(entry, source: "\(path): \(name).npy")
        guard header.shape.count >= 2, header.count > 0 else { return .values([], shape: header.shape) }
        let rows = header.shape[0], features = header.count / rows
        let key = try ArrayCache.key(reader: "npz-member", parameters: [name], sources: [path])
        let entryFile = try ArrayCache.open(key, source: source) ?? ArrayCache.write(key, features: features, source: source) { w in
            try convert(entry, header: header, declared: declared, source: source, into: w)
        }
        return .mapped(entryFile.x, shape: header.shape)
    }

    /// The member's .npy header, from its first inflated bytes, checked against its declared (capped) size.
    func memberHeader(_ entry: Entry, source: String) throws -> (NPYHeader, Int) {
        let declared = try checkedSize(entry, source: source).declared
        struct Enough: Error {}
        var prefix = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: true) { chunk in
                prefix.append(chunk.prefix(NPYHeader.maxPrefixBytes - prefix.count))
                if prefix.count >= NPYHeader.maxPrefixBytes { throw Enough() }
            }
        } catch is Enough {} catch {
            throw DataError(source, expected: "an intact zip member", found: "\(error)")
        }
        return (try NPYHeader.parse(prefix, fileBytes: declared, source: source), declared)
    }

    /// Inflates the member again and appends its payload as float32 to `w`, naming the first value that is not
    /// finite by row and column; the inflated size must be the declared one and the CRC-32 must match.
    private func convert(_ entry: Entry, header: NPYHeader, declared: Int, source: String, into w: ArrayCacheWriter) throws {
        let coding = header.coding, size = coding.itemSize, features = header.count / header.shape[0]
        var seen = 0, element = 0, pending: [UInt8] = []
        var floats = [Float](repeating: 0, count: MappedFile.chunkBytes / 4 + 1)
        func emit(_ raw: UnsafeRawPointer, _ n: Int) throws {
            if floats.count < n { floats = [Float](repeating: 0, count: n) }
            try floats.withUnsafeMutableBufferPointer { out in
                coding.floats(raw, n, to: out.baseAddress!)
                if let bad = MappedMatrix.firstNonFinite(out.baseAddress!, n) {
                    let e = element + bad
                    throw DataError(source, expected: "finite features", found: "\(out[bad]) at row \(e / features), column \(e % features)")
                }
                try w.append(features: UnsafeBufferPointer(rebasing: out[0..<n]))
            }
            element += n
        }
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard seen + chunk.count <= declared else {
                    throw DataError(source, expected: "a member of \(declared) bytes inflated (as declared)", found: "more")
                }
                let skip = max(0, min(chunk.count, header.payloadOffset - seen))
                seen += chunk.count
                var bytes = [UInt8](chunk.dropFirst(skip))
                if !pending.isEmpty { bytes = pending + bytes; pending = [] }
                let whole = bytes.count / size
                try bytes.withUnsafeBytes { if whole > 0 { try emit($0.baseAddress!, whole) } }
                pending = Array(bytes[(whole * size)...])
            }
        } catch let e as DataError { throw e } catch {
            throw DataError(source, expected: "an intact zip member", found: "\(error)")
        }
        guard seen == declared, element == header.count else {
            throw DataError(source, expected: "\(declared) bytes inflated (as declared)", found: "\(seen) (truncated)")
        }
    }

    /// Member `name.npy`'s header, or nil when absent (for the memory estimate; nothing is converted).
    func header(_ name: String) throws -> NPYHeader? {
        guard let entry = archive[name + ".npy"] else { return nil }
        return try memberHeader(entry, source: "\(path): \(name).npy").0
    }
}
