// NPZArchive: the arrays of a NumPy .npz (a zip of .npy files), read through ZIPFoundation with a size cap.
import Foundation
import ZIPFoundation

struct NPZArchive {
    let path: String
    let archive: Archive
    /// No member is inflated past this many bytes, nor past 1,024× the archive's size (a zip bomb stops here).
    static let maxMemberBytes = 1 << 34

    init(_ path: String) throws {
        self.path = path
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw DataError(path, expected: "a .npz (zip) archive", found: FileManager.default.fileExists(atPath: path) ? "a file that is not a readable zip" : "no such file")
        }
    }

    /// Member `name.npy`, parsed, or nil when the archive has none.
    func array(_ name: String) throws -> NPYArray? {
        guard let entry = archive[name + ".npy"] else { return nil }
        let source = "\(path): \(name).npy"
        let cap = try checkedSize(entry, source: source).cap
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard data.count + chunk.count <= cap else {
                    throw DataError(source, expected: "a member of at most \(cap) bytes inflated", found: "more")
                }
                data.append(chunk)
            }
        } catch let e as DataError { throw e } catch {
            throw DataError(source, expected: "an intact zip member", found: "\(error)")
        }
        return try NPYArray.parse(data, source: source)
    }

    /// The member's declared inflated size, refused past the cap (`maxMemberBytes` and 1,024× the archive's size).
    func checkedSize(_ entry: Entry, source: String) throws -> (declared: Int, cap: Int) {
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let cap = min(Self.maxMemberBytes, max(fileBytes, 1) * 1024)
        guard entry.uncompressedSize <= UInt64(cap) else {
            throw DataError(source, expected: "a member of at most \(cap) bytes", found: "a declared size of \(entry.uncompressedSize)")
        }
        return (Int(entry.uncompressedSize), cap)
    }
}
