// ArrayReaders: labelled arrays from HDF5 (x, y, x_val, …), NumPy (.npz, or a folder of .npy) and IDX pairs; every x
// read whole or memory-mapped (`DataBacking`): in place, or once converted into the array cache.
import Foundation
import HDF5

/// An x array as a reader found it: its values read whole, or a matrix over the mapped file.
enum FeatureArray {
    case values([Float], shape: [Int])
    case mapped(MappedMatrix, shape: [Int])

    var shape: [Int] {
        switch self { case .values(_, let s), .mapped(_, let s): return s }
    }
}

enum ArrayReaders {
    /// The split suffixes of the array names: x/y, x_val/y_val, x_test/y_test.
    static let suffixes = ["", "_val", "_test"]

    /// Builds the splits from named (x, y) arrays; `fetch(name)` returns the array or nil when absent.
    static func splits(source: String, fetch: (String) throws -> (values: [Float], shape: [Int])?,
                       labels: (String) throws -> (values: [Double], shape: [Int])?) throws -> RawSplits {
        try splits(source: source, features: { try fetch($0).map { FeatureArray.values($0.values, shape: $0.shape) } }, labels: labels)
    }

    /// Builds the splits from named (x, y) arrays, x read whole or mapped.
    static func splits(source: String, features fetch: (String) throws -> FeatureArray?,
                       labels: (String) throws -> (values: [Double], shape: [Int])?) throws -> RawSplits {
        var found: [RawExamples?] = []
        for s in suffixes {
            let xs = try fetch("x" + s), ys = try labels("y" + s)
            if xs == nil && ys == nil {
                if s.isEmpty { throw DataError(source, expected: "arrays \"x\" (N, features) and \"y\" (N)", found: "neither") }
                found.append(nil); continue
            }
            guard let x = xs else { throw DataError(source, expected: "an array \"x\(s)\" beside \"y\(s)\"", found: "none") }
            guard let y = ys else { throw DataError(source, expected: "an array \"y\(s)\" (labels) beside \"x\(s)\"", found: "none") }
            guard x.shape.count >= 2 else {
                throw DataError("\(source): x\(s)", expected: "shape (N, features) (or (N, …), flattened)", found: "shape \(x.shape)")
            }
            guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else {
                throw DataError("\(source): y\(s)", expected: "shape (N,) of class labels", found: "shape \(y.shape)")
            }
            let f = x.shape.dropFirst().reduce(1, *)
            switch x {
            case .values(let v, _):
                found.append(try RawExamples(x: v, rows: x.shape[0], features: f, y: y.values,
                                             source: "\(source): x\(s)", ySource: "\(source): y\(s)"))
            case .mapped(let m, _):
                found.append(try RawExamples(mapped: m, y: y.values, ySource: "\(source): y\(s)"))
            }
        }
        return RawSplits(train: found[0]!, val: found[1], test: found[2])
    }

    // MARK: HDF5

    static func hdf5(_ path: String, backing: DataBacking = .memory) throws -> RawSplits {
        let file: HDF5.File
        do { file = try HDF5.File(openReadOnly: path) } catch { throw DataError(path, expected: "an HDF5 file", found: "\(error)") }
        let root = try file.root
        func dataset(_ name: String) throws -> Dataset? {
            guard root.exists(name) else { return nil }
            guard root.kind(of: name) == .dataset else { throw DataError("\(path): \(name)", expected: "a dataset", found: "a group") }
            return try root.dataset(name)
        }
        func wrap<T>(_ name: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as DataError { throw e } catch {
                throw DataError("\(path): \(name)", expected: "a readable numeric dataset", found: "\(error)")
            }
        }
        return try splits(source: path, features: { name in
            guard let d = try dataset(name) else { return nil }
            guard d.dtype.size != nil else { throw DataError("\(path): \(name)", expected: "a numeric dataset", found: "dtype \(d.dtype)") }
            if backing == .mapped, d.shape.count >= 2, d.count > 0 {
                if let m = try wrap(name, { try mapped(d, path: path, name: name) }) { return .mapped(m, shape: d.shape) }
                // Converted into the array cache: the labels' length is checked first, so a mismatch converts nothing.
                let yName = "y" + name.dropFirst()
                if let y = try dataset(yName), let n = y.shape.first {
                    try RawExamples.checkShape(rows: d.shape[0], features: d.rowElements, labels: n, source: "\(path): \(name)", ySource: "\(path): \(yName)")
                }
                return .mapped(try ArrayCache.hdf5Dataset(d, path: path, name: name), shape: d.shape)
            }
            return .values(try wrap(name) { try d.readConverting(as: Float.self) }, shape: d.shape)
        }, labels: { name in
            guard let d = try dataset(name) else { return nil }
            guard d.dtype.size != nil else { throw DataError("\(path): \(name)", expected: "integer labels", found: "dtype \(d.dtype)") }
            return (try wrap(name) { try d.readConverting(as: Double.self) }, d.shape)
        })
    }

    /// Elements of the numeric x* datasets of an HDF5 file (for the memory estimate), nil when it does not open.
    static func hdf5FeatureElements(_ path: String) -> Int? {
        guard let f = try? HDF5.File(openReadOnly: path), let root = try? f.root else { return nil }
        return suffixes.reduce(0) { total, s in
            guard root.exists("x" + s), root.kind(of: "x" + s) == .dataset, let d = try? root.dataset("x" + s), d.dtype.size != nil else { return total }
            return total + d.count
        }
    }

    /// A matrix over a contiguous, unfiltered dataset's bytes in the file (nil when it is stored otherwise).
    static func mapped(_ d: Dataset, path: String, name: String) throws -> MappedMatrix? {
        guard let region = try d.contiguousRegion(), let coding = ElementCoding(d.dtype) else { return nil }
        let rows = d.shape[0], columns = d.shape.dropFirst().reduce(1, *)
        precondition(region.bytes == rows * columns * coding.itemSize)
        return try MappedMatrix(path: path, offset: region.offset, rows: rows, columns: columns, coding: coding, source: "\(path): \(name)")
    }

    // MARK: CSV

    /// A CSV converted once into the array cache (streamed: memory bounded by a chunk of text and the labels), then
    /// mapped; a later read of the same bytes with the same label column maps the entry without parsing.
    static func csvCached(_ path: String, label: String) throws -> RawSplits {
        let key = try ArrayCache.key(reader: "csv", parameters: [label], sources: [path])
        let entry = try ArrayCache.open(key, source: path) ?? ArrayCache.write(key, source: path) { w in
            try CSVTable.forEachRow(path, label: label) { x, y in try w.append(x, label: y) }
        }
        return RawSplits(train: try RawExamples(mapped: entry.x, y: entry.y, ySource: "\(path): column \"\(label)\""))
    }

    // MARK: NumPy

    /// A folder holding x.npy and y.npy (and x_val.npy, …); mapped, each x's payload is the matrix (its header
    /// checked against the file's size first), and only the labels are read.
    static func npyFolder(_ dir: String, backing: DataBacking = .memory) throws -> RawSplits {
        func file(_ name: String) -> String? {
            let p = (dir as NSString).appendingPathComponent(name + ".npy")
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        return try splits(source: dir, features: { name in
            guard let p = file(name) else { return nil }
            guard backing == .mapped else { let a = try NPYArray.read(p); return .values(a.floats(), shape: a.shape) }
            let h = try NPYHeader.read(p)
            guard h.shape.count >= 2 else { return .values([], shape: h.shape) }   // refused by its shape, unread
            let m = try MappedMatrix(path: p, offset: h.payloadOffset, rows: h.shape[0], columns: h.shape.dropFirst().reduce(1, *),
                                     coding: h.coding, source: "\(dir): \(name)")
            return .mapped(m, shape: h.shape)
        }, labels: { try file($0).map { p in let a = try NPYArray.read(p); return (a.doubles(), a.shape) } })
    }

    /// An .npz; mapped, each x member is converted once into the array cache as it is inflated, and only the labels
    /// are read whole.
    static func npz(_ path: String, backing: DataBacking = .memory) throws -> RawSplits {
        let zip = try NPZArchive(path)
        let labels = { (name: String) in try zip.array(name).map { ($0.doubles(), $0.shape) } }
        guard backing == .mapped else {
            return try splits(source: path, fetch: { try zip.array($0).map { ($0.floats(), $0.shape) } }, labels: labels)
        }
        return try splits(source: path, features: { try zip.mappedArray($0) }, labels: labels)
    }

    // MARK: IDX

    /// An IDX image file (any rank ≥ 2, uint8, scaled to [0, 1]) and its label file. `path` is the images file, or a
    /// folder holding `*images*` and `*labels*` files, as `train-`/`t10k-` pairs (train and test) or a single pair.
    /// Mapped, the images are mapped in place (plain) or converted once into the array cache (gzip); labels are read.
    static func idx(_ path: String, backing: DataBacking = .memory) throws -> RawSplits {
        let files = try idxFiles(path)
        return RawSplits(train: try idxPair(files.train.images, files.train.labels, backing: backing),
                         test: try files.test.map { try idxPair($0.images, $0.labels, backing: backing) })
    }

    /// The (images, labels) files of `path`: train and, in a folder of `train-`/`t10k-` (or `test-`) pairs, test.
    static func idxFiles(_ path: String) throws -> (train: (images: String, labels: String), test: (images: String, labels: String)?) {
        var isDir: ObjCBool = false
        FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
        if !isDir.boolValue {
            let dir = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
            guard name.contains("images") else {
                throw DataError(path, expected: "an IDX images file (its name holds \"images\"; the labels file beside it holds \"labels\")", found: name)
            }
            let labels = (dir as NSString).appendingPathComponent(name.replacingOccurrences(of: "images", with: "labels")
                .replacingOccurrences(of: "idx3", with: "idx1"))
            return ((path, labels), nil)
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        func pair(_ prefix: String) -> (images: String, labels: String)? {
            guard let i = names.first(where: { $0.hasPrefix(prefix) && $0.contains("images") }),
                  let l = names.first(where: { $0.hasPrefix(prefix) && $0.contains("labels") }) else { return nil }
            return ((path as NSString).appendingPathComponent(i), (path as NSString).appendingPathComponent(l))
        }
        if let train = pair("train") { return (train, pair("t10k") ?? pair("test")) }
        guard let any = pair("") else {
            throw DataError(path, expected: "an IDX images file and a labels file (names holding \"images\" and \"labels\")", found: "none")
        }
        return (any, nil)
    }

    /// Pixels the IDX images files of `path` declare in all (for the memory estimate), nil when a header does not read.
    static func idxPixels(_ path: String) -> Int? {
        guard let files = try? idxFiles(path) else { return nil }
        var total = 0
        for pair in [files.train] + (files.test.map { [$0] } ?? []) {
            guard let h = try? IDXHeader.read(pair.images, ranks: IDXHeader.imageRanks) else { return nil }
            total += h.payloadBytes
        }
        return total
    }

    static func idxPair(_ images: String, _ labels: String, backing: DataBacking = .memory) throws -> RawExamples {
        guard backing == .memory else {
            // The labels first (one byte an image), so that a pair of unequal lengths converts nothing.
            let lab = try IDXArray.read(labels, rank: 1)
            let h = try IDXHeader.read(images, ranks: IDXHeader.imageRanks)
            try RawExamples.checkShape(rows: h.rows, features: h.features, labels: lab.dims[0], source: images, ySource: labels)
            let m = try ArrayCache.idxImages(images, header: h)
            return try RawExamples(mapped: m, y: lab.payload.map { Double($0) }, ySource: labels)
        }
        let bytes = try Gzip.readFile(images)
        guard bytes.count >= 4, bytes[2] == 0x08, (2...4).contains(Int(bytes[3])) else {
            throw DataError(images, expected: "an IDX file of uint8 images (magic 0x0000080{2,3,4})",
                            found: bytes.count < 4 ? "\(bytes.count) bytes" : "magic bytes \(bytes.prefix(4).map { String($0) })")
        }
        let img = try IDXArray.parse(bytes, rank: Int(bytes[3]), source: images)
        let lab = try IDXArray.read(labels, rank: 1)
        let n = img.dims[0], f = img.dims.dropFirst().reduce(1, *)
        var x = [Float](repeating: 0, count: n * f)
        img.raw.withUnsafeBufferPointer { raw in
            for i in 0..<(n * f) { x[i] = Float(raw[img.payloadOffset + i]) / 255 }
        }
        return try RawExamples(x: x, rows: n, features: f, y: lab.payload.map { Double($0) }, source: images, ySource: labels)
    }
}

extension ElementCoding {
    /// The little-endian coding of an HDF5 numeric dtype (nil for strings and other types).
    init?(_ d: DType) {
        switch d {
        case .float32, .float64: self.init(kind: .float, itemSize: d.size!, bigEndian: false)
        case .int8, .int16, .int32, .int64: self.init(kind: .int, itemSize: d.size!, bigEndian: false)
        case .uint8, .uint16, .uint32, .uint64: self.init(kind: .uint, itemSize: d.size!, bigEndian: false)
        default: return nil
        }
    }
}
