// CachedTeacher+Open: opening a teacher cache file, or building it from the teacher's forwards over the inputs.
import CondenseCore
import Foundation
import HDF5

extension CachedTeacher {
    /// What the cache holds per input: images (the whole training split, in order) or the windows of the first
    /// `textBatches` training batches of the run's sampler (batch size `batch`, the student's `context`, `seed`),
    /// which are the very windows the search and the final run draw.
    struct Plan {
        var topK: Int?
        var batch: Int
        var context: Int
        var seed: UInt64
        var textBatches: Int
    }

    /// Opens the cache at `path`, or builds it there from `teacher`. An existing cache made from another teacher
    /// (digest), or holding another kind of output (full vs top-k), is an error.
    static func open(path: String, teacher: Teacher, data: TaskData, plan: Plan) throws -> CachedTeacher {
        let rowsPerKey: Int
        if case .text = data { rowsPerKey = plan.context } else { rowsPerKey = 1 }
        let t = FileManager.default.fileExists(atPath: path)
            ? try read(path: path, teacher: teacher, topK: plan.topK, rowsPerKey: rowsPerKey)
            : try build(path: path, teacher: teacher, data: data, plan: plan, rowsPerKey: rowsPerKey)
        if case .classification(let train, _, _) = data { t.featureWidth = train.features }
        return t
    }

    /// The ensemble's members whose T = 1 logits a full cache stores (the teacher itself when it is not an ensemble
    /// of several).
    static func storedMembers(_ teacher: Teacher) -> (members: [Teacher], weights: [Double]) {
        if let e = teacher as? EnsembleTeacher, e.members.count > 1 { return (e.members, e.weights) }
        return ([teacher], [1])
    }

    private static func read(path: String, teacher: Teacher, topK: Int?, rowsPerKey: Int) throws -> CachedTeacher {
        let digest = teacher.digest, c = teacher.outputs
        let file = try HDF5.File(openReadOnly: path)
        let root = try file.root
        let found = (try? root.stringAttribute("teacher_digest")) ?? "none"
        guard found == digest else {
            throw FormatError(file: path, path: "teacher_digest",
                              "this teacher cache was made from a different teacher (cache digest \(found), teacher digest \(digest)); delete it or give another --cache-path")
        }
        let kind = (try? root.stringAttribute("kind")) ?? "full"
        let k = kind == "topk" ? Int((try? root.intAttribute("k")) ?? 0) : nil
        guard k == topK else {
            let has = k.map { "top-\($0) log-probabilities" } ?? "the full distribution"
            let wants = topK.map { "top-\($0) log-probabilities" } ?? "the full distribution"
            throw FormatError(file: path, path: "kind",
                              "this teacher cache holds \(has) but the run asks for \(wants) (cache_top_k); delete it, give another --cache-path or match --cache-top-k")
        }
        let keys = try root.dataset("keys").read(as: Int64.self).map { UInt64(bitPattern: $0) }
        let n = keys.count * rowsPerKey
        if let k {
            let v = try root.dataset("logprobs"), ix = try root.dataset("indices")
            guard v.shape == [n, k], ix.shape == [n, k] else {
                throw FormatError(file: path, path: "logprobs", "expected shape [\(n), \(k)] (\(keys.count) keys × \(rowsPerKey) rows), found \(v.shape) and indices \(ix.shape)")
            }
            let t = CachedTeacher(online: teacher, topK: k, full: [], values: try v.read(as: Float.self),
                                  indices: try ix.read(as: Int32.self), members: 1, weights: [1], rowsPerKey: rowsPerKey, keys: keys)
            t.reused = true
            return t
        }
        let (members, weights) = storedMembers(teacher)
        let ds = try root.dataset("logits")
        let shape = members.count == 1 ? [n, c] : [members.count, n, c]
        guard ds.shape == shape else {
            throw FormatError(file: path, path: "logits", "expected shape \(shape) (\(members.count) teacher(s) × \(keys.count) keys × \(rowsPerKey) rows), found \(ds.shape)")
        }
        let t = CachedTeacher(online: teacher, topK: nil, full: try ds.read(as: Float.self), values: [], indices: [],
                              members: members.count, weights: weights, rowsPerKey: rowsPerKey, keys: keys)
        t.reused = true
        return t
    }
}

extension CachedTeacher {
    /// Runs the teacher's inference forwards over the inputs and writes the cache atomically.
    fileprivate static func build(path: String, teacher: Teacher, data: TaskData, plan: Plan, rowsPerKey: Int) throws -> CachedTeacher {
        let t0 = Date(), c = teacher.outputs
        let (members, weights) = storedMembers(teacher)
        var keys: [UInt64] = [], full = [[Float]](repeating: [], count: members.count), values: [Float] = [], indices: [Int32] = []
        var lp = [Float](repeating: 0, count: c)
        /// Stores the rows [first, first + rows) of a batch whose input is `input`.
        func store(_ input: NetworkInput, units: [(first: Int, rows: Int)]) {
            if let k = plan.topK {
                let z = teacher.logits(for: input, temperature: 1)
                var v = [Float](repeating: 0, count: k), ix = [Int32](repeating: 0, count: k)
                for u in units {
                    for r in u.first..<(u.first + u.rows) {
                        Ops.logSoftmaxRows(&lp, z + r * c, rows: 1, cols: c)
                        topKOf(lp, k: k, values: &v, indices: &ix)
                        values += v; indices += ix
                    }
                }
            } else {
                for (m, member) in members.enumerated() {
                    let z = member.logits(for: input, temperature: 1)
                    for u in units { full[m] += UnsafeBufferPointer(start: z + u.first * c, count: u.rows * c) }
                }
            }
        }
        switch data {
        case .classification(let train, _, _):
            let n = train.count, f = train.features
            let buffer = Tensor(uninitialized: [256, f])
            var start = 0
            while start < n {
                let b = min(256, n - start)
                train.rows.copyRows(start, b, to: buffer.data)
                let x = buffer.data
                for r in 0..<b { keys.append(fnv1a(UnsafeRawBufferPointer(start: x + r * f, count: f * 4))) }
                store(.features(x, batch: b), units: [(0, b)])
                start += b
            }
        case .text:
            var seen: Set<UInt64> = []
            let batches = try TrainBatches(data, batchSize: plan.batch, context: plan.context, seed: plan.seed)
            for _ in 0..<plan.textBatches {
                try batches.next()
                batches.withInput { input in
                    guard case .tokens(let ids, let b, let t) = input else { return }
                    var units: [(first: Int, rows: Int)] = []
                    for u in 0..<b {
                        let h = fnv1a(UnsafeRawBufferPointer(start: ids + u * t, count: t * 4))
                        guard seen.insert(h).inserted else { continue }
                        keys.append(h)
                        units.append((u * t, t))
                    }
                    if !units.isEmpty { store(input, units: units) }
                }
            }
        }
        try write(path: path, teacher: teacher, data: data, plan: plan, rowsPerKey: rowsPerKey, keys: keys,
                  full: full.flatMap { $0 }, values: values, indices: indices, weights: weights)
        let t = CachedTeacher(online: teacher, topK: plan.topK, full: plan.topK == nil ? full.flatMap { $0 } : [],
                              values: values, indices: indices, members: members.count, weights: weights,
                              rowsPerKey: rowsPerKey, keys: keys)
        t.buildSeconds = Date().timeIntervalSince(t0)
        return t
    }

    private static func write(path: String, teacher: Teacher, data: TaskData, plan: Plan, rowsPerKey: Int, keys: [UInt64],
                              full: [Float], values: [Float], indices: [Int32], weights: [Double]) throws {
        let n = keys.count * rowsPerKey, c = teacher.outputs
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try writeAtomically(to: path) { tmp in
            let file = try HDF5.File(create: tmp)
            let root = try file.root
            try root.setAttribute("teacher_digest", string: teacher.digest)
            try root.setAttribute("kind", string: plan.topK == nil ? "full" : "topk")
            if let k = plan.topK { try root.setAttribute("k", int: Int64(k)) }
            try root.setAttribute("data", string: data.name)
            try root.setAttribute("rows_per_key", int: Int64(rowsPerKey))
            if plan.topK == nil && weights.count > 1 {
                try root.setAttribute("members", int: Int64(weights.count))
                try root.setAttribute("weights", string: JSONValue.array(weights.map { .number($0) }).description)
            }
            _ = try root.createDataset("keys", shape: [keys.count], values: keys.map { Int64(bitPattern: $0) })
            if let k = plan.topK {
                _ = try root.createDataset("logprobs", shape: [n, k], values: values)
                _ = try root.createDataset("indices", shape: [n, k], values: indices)
            } else {
                _ = try root.createDataset("logits", shape: weights.count == 1 ? [n, c] : [weights.count, n, c], values: full)
            }
            try file.flush()
        }
    }
}
