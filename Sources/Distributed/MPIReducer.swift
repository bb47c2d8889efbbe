// MPIReducer: the GradientReducer of a job launched by mpirun: sums over MPI_COMM_WORLD through libmpi loaded at run
// time (CMPI), gradients in fixed-size buckets.
import CMPI
import CondenseCore
import Foundation

public final class MPIReducer: GradientReducer {
    public let rank: Int
    public let size: Int
    /// Floats per MPI_Allreduce: tensors are packed into a bucket until it is full, so a model with many small tensors
    /// is not one call per tensor and a large tensor is several calls of a bounded size.
    public let bucketFloats: Int
    private let bucket: UnsafeMutablePointer<Float>
    /// Seconds spent inside the reductions (gradients, losses, metrics), for the throughput bench.
    public private(set) var reduceSeconds = 0.0
    /// Bytes of gradients reduced, summed over calls.
    public private(set) var reducedBytes = 0

    /// Loads libmpi (`libraryPath`, or libmpi.so.40), initialises MPI and reads this process's rank.
    init(libraryPath: String?, bucketFloats: Int) throws {
        var err = [CChar](repeating: 0, count: 1024)
        guard cmpi_load(libraryPath, &err, err.count) == 0 else {
            throw DistributedError.load(String(cString: err))
        }
        var r: Int32 = 0, n: Int32 = 0
        try Self.check(cmpi_init(&r, &n), "MPI_Init_thread")
        rank = Int(r); size = Int(n)
        self.bucketFloats = bucketFloats
        bucket = .allocate(capacity: bucketFloats)
    }

    deinit { bucket.deallocate() }

    public func sum(_ tensors: [Tensor]) throws {
        let t0 = Date()
        defer { reduceSeconds += Date().timeIntervalSince(t0) }
        // Pieces (tensor, offset, count) waiting in the bucket, flushed when it is full and at the end.
        var pending: [(Tensor, Int, Int)] = [], used = 0
        func flush() throws {
            guard used > 0 else { return }
            try Self.check(cmpi_allreduce_sum_float(bucket, Int32(used)), "MPI_Allreduce")
            var at = 0
            for (t, off, n) in pending { (t.data + off).update(from: bucket + at, count: n); at += n }
            reducedBytes += used * 4
            pending.removeAll(keepingCapacity: true); used = 0
        }
        for t in tensors {
            var off = 0
            while off < t.count {
                let n = min(t.count - off, bucketFloats - used)
                (bucket + used).update(from: t.data + off, count: n)
                pending.append((t, off, n)); used += n; off += n
                if used == bucketFloats { try flush() }
            }
        }
        try flush()
    }

    public func sum(_ values: inout [Double]) throws {
        let t0 = Date()
        defer { reduceSeconds += Date().timeIntervalSince(t0) }
        let n = Int32(values.count)
        try values.withUnsafeMutableBufferPointer { try Self.check(cmpi_allreduce_sum_double($0.baseAddress!, n), "MPI_Allreduce") }
    }

    public func barrier() throws { try Self.check(cmpi_barrier(), "MPI_Barrier") }

    /// Open MPI's MPI_Barrier polls while it waits (a full core per waiting rank; `mpi_yield_when_idle` only adds
    /// sched_yield to the polling), so the waiting ranks here test a non-blocking barrier every millisecond and sleep
    /// in between: a rank that works alone keeps the cores, at the cost of up to 1 ms on leaving.
    public func barrierQuietly() throws { try Self.check(cmpi_barrier_sleeping(1_000), "MPI_Ibarrier") }

    /// CONDENSE_THREADS when set, else every core of this node: while rank 0 works alone the other ranks sleep.
    public var threadsAlone: Int {
        ProcessInfo.processInfo.environment["CONDENSE_THREADS"].flatMap { Int($0) }.map { max(1, $0) }
            ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Every rank's outcome is gathered (a flag and the first 1,000 bytes of its message); the lowest failing rank's
    /// message is what every rank throws, as an `AgreedError` (so only rank 0 prints it).
    public func agree(_ failure: Error?) throws {
        let width = 1024
        var mine = [UInt8](repeating: 0, count: width)
        if let failure {
            let text = Array(Self.oneLine(failure).utf8.prefix(width - 2))
            mine[0] = 1
            mine.replaceSubrange(1..<(1 + text.count), with: text)
        }
        var all = [UInt8](repeating: 0, count: width * size)
        try Self.check(cmpi_allgather_bytes(mine, &all, Int32(width)), "MPI_Allgather")
        guard let bad = (0..<size).first(where: { all[$0 * width] == 1 }) else { return }
        let bytes = all[(bad * width + 1)..<((bad + 1) * width)].prefix { $0 != 0 }
        let message = String(decoding: bytes, as: UTF8.self)
        throw AgreedError(message: bad == rank ? message : RankFailure(rank: bad, size: size, message: message).description)
    }

    /// MPI_Finalize, once at the end of a job.
    func finalize() { _ = cmpi_finalize() }

    /// Ends every rank of the job (after this rank printed why).
    func abort(_ code: Int32) -> Never {
        cmpi_abort(code)
        Foundation.exit(code)
    }

    static func oneLine(_ e: Error) -> String { "\(e)".split(whereSeparator: \.isNewline).joined(separator: " ") }

    static func check(_ code: Int32, _ call: String) throws {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        cmpi_error_string(code, &text, text.count)
        throw DistributedError.mpi(call: call, message: String(cString: text))
    }
}

/// A failure that every rank of the job agreed on (each throws it): rank 0 prints it, the others end quietly.
public struct AgreedError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

public enum DistributedError: Error, CustomStringConvertible {
    case load(String)
    case mpi(call: String, message: String)
    case environment(key: String, expected: String, found: String)

    public var description: String {
        switch self {
        case .load(let m):
            return "mpirun launched this process (OMPI_COMM_WORLD_SIZE is set) but libmpi could not be loaded: \(m); install openmpi-bin and libopenmpi-dev (tools/bootstrap) or set CONDENSE_LIBMPI to the library's path"
        case .mpi(let call, let m): return "\(call) failed: \(m)"
        case .environment(let k, let e, let f): return "\(k): expected \(e), found \"\(f)\""
        }
    }
}
