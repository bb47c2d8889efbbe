// DataBacking: whether a labelled data set's features are held in memory or read from a memory-mapped file, chosen by
// the memory estimate (or forced by CONDENSE_DATA_BACKING), and the shape of what a mapping would serve.
import Foundation
import HDF5

public enum DataBacking: String, Sendable {
    case memory, mapped

    /// Forces a backing for every labelled data set: "memory", "mapped", or "auto" (the default).
    public static let environmentKey = "CONDENSE_DATA_BACKING"

    /// The forced backing, nil for auto; an unknown value is an error naming the variable.
    public static func forced() throws -> DataBacking? {
        guard let v = ProcessInfo.processInfo.environment[environmentKey], !v.isEmpty, v != "auto" else { return nil }
        guard let b = DataBacking(rawValue: v) else {
            throw DataError(environmentKey, expected: "memory, mapped or auto", found: "\"\(v)\"")
        }
        return b
    }

    /// A data set fits comfortably when its in-memory estimate is at most this fraction of the memory limit.
    public static let comfortableFraction = 0.25
}

/// What a mapping of a data set's x arrays would serve: their rows in total and their bytes in the file.
public struct MappableArrays: Equatable, Sendable {
    public var rows: Int
    public var bytes: Int
}

extension DataSpec {
    /// The x arrays of `path` that can be mapped (a .npy folder's x*.npy; an HDF5 file's contiguous, unfiltered x*; a
    /// plain IDX images file; and once converted into the array cache, an .npz's x* members, an HDF5 file's other
    /// numeric x*, a gzip IDX images file, and a CSV, its rows bounded from its size and header), nil when the file
    /// does not parse.
    public func mappableArrays(family: String?) -> MappableArrays? {
        guard !path.isEmpty, let format = DataFormat(rawValue: self.format) ?? (try? DataFormat.detect(path, family: family)) else { return nil }
        var total = MappableArrays(rows: 0, bytes: 0)
        for s in ArrayReaders.suffixes {
            switch format {
            case .npy:
                let header: NPYHeader?
                if let dir = TaskData.isDirectory(path) ? path : TaskData.npyFolder(ofFile: path) {
                    let p = (dir as NSString).appendingPathComponent("x\(s).npy")
                    guard FileManager.default.fileExists(atPath: p) else { continue }
                    header = try? NPYHeader.read(p)
                } else {
                    // An .npz: each x member is converted once into the array cache (float32).
                    guard let zip = try? NPZArchive(path) else { return nil }
                    let member: NPYHeader?
                    do { member = try zip.header("x\(s)") } catch { return nil }
                    guard let h = member else { continue }
                    header = NPYHeader(coding: .float32, shape: h.shape, payloadOffset: 0)
                }
                guard let h = header, h.shape.count >= 2 else { return nil }
                total.rows += h.shape[0]; total.bytes += h.count * h.coding.itemSize
            case .hdf5:
                guard let f = try? HDF5.File(openReadOnly: path), let root = try? f.root else { return nil }
                guard root.exists("x\(s)") else { continue }
                guard root.kind(of: "x\(s)") == .dataset, let d = try? root.dataset("x\(s)"), d.shape.count >= 2, d.count > 0,
                      d.dtype.size != nil else { return nil }
                // Mapped in place, or converted once into the array cache as float32 (chunked, compressed, …).
                let region: ContiguousRegion?
                do { region = try d.contiguousRegion() } catch { return nil }
                total.rows += d.shape[0]; total.bytes += region?.bytes ?? 4 * d.count
            case .idx:
                // A plain images file is mapped in place, a gzip one converted into the array cache: a byte a pixel.
                guard s.isEmpty else { continue }
                guard let files = try? ArrayReaders.idxFiles(path) else { return nil }
                for pair in [files.train] + (files.test.map { [$0] } ?? []) {
                    guard let h = try? IDXHeader.read(pair.images, ranks: IDXHeader.imageRanks), h.rows > 0 else { return nil }
                    total.rows += h.rows; total.bytes += h.payloadBytes
                }
            case .csv:
                // Converted once into the array cache: at most one row per two bytes a column ("0," each).
                guard s.isEmpty else { continue }
                guard let columns = CSVTable.columns(path), columns >= 2 else { return nil }
                let rows = Self.bytesOnDisk(path) / (2 * columns)
                total.rows += rows; total.bytes += rows * (columns - 1) * 4
            default: return nil
            }
        }
        return total.rows > 0 ? total : nil
    }

    /// The backing `TaskData.load` gives labelled arrays: forced by CONDENSE_DATA_BACKING, else mapped when they can be
    /// mapped and their in-memory estimate exceeds a quarter of the memory limit.
    public func backing(family: String?) throws -> DataBacking {
        if let b = try DataBacking.forced() { return b }
        let limit = Double(SizeLimits.memoryLimit)
        guard limit > 0, inMemoryEstimate(family: family) > DataBacking.comfortableFraction * limit,
              mappableArrays(family: family) != nil else { return .memory }
        return .mapped
    }
}
