// Launch: how a process finds out whether mpirun started it, and the job's start and end: libmpi is loaded only
// then, so a single-process run never touches MPI.
import CMPI
import CondenseCore
import Foundation

public enum Launch {
    /// The job's reducer once `start` ran (nil before, and in a single-process run).
    nonisolated(unsafe) public private(set) static var job: MPIReducer?

    /// The number of ranks mpirun announced to this process (OMPI_COMM_WORLD_SIZE), or nil when not launched by it.
    public static func announcedSize(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        env["OMPI_COMM_WORLD_SIZE"].flatMap { Int($0) }
    }

    /// The reducer for this process: `SingleProcess` unless mpirun launched it, else MPI over every rank, after the
    /// ranks checked that they run the same binary and the same inputs (`digests`, name → hex digest). Under mpirun
    /// each rank uses CONDENSE_THREADS threads (default: the cores divided by the ranks on this node), and a rank that
    /// the launcher stops (another rank died) says so before it ends.
    public static func start(digests: [(name: String, digest: String)]) throws -> GradientReducer {
        let env = ProcessInfo.processInfo.environment
        guard announcedSize(env) != nil else { return SingleProcess.shared }
        if let job { return job }
        // 2^21 floats = 8 MiB per MPI_Allreduce call, unless CONDENSE_MPI_BUCKET_FLOATS says otherwise.
        let bucket = try positive(env, "CONDENSE_MPI_BUCKET_FLOATS", default: 1 << 21, max: 1 << 28)
        let r = try MPIReducer(libraryPath: env["CONDENSE_LIBMPI"], bucketFloats: bucket)
        job = r
        let local = env["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? r.size
        let threads = try positive(env, "CONDENSE_THREADS", default: max(1, ProcessInfo.processInfo.activeProcessorCount / max(local, 1)),
                                   max: 4096)
        Parallel.workers = threads
        BLAS.threads = threads
        StopNotice.install(rank: r.rank, size: r.size)
        try exchange(digests, on: r)
        return r
    }

    /// Ends the job's MPI session (every rank, at its normal end).
    public static func finish() {
        job?.finalize()
        job = nil
    }

    /// Ends a job after an error: an error every rank agreed on is printed by rank 0 alone and every rank ends
    /// normally; any other error is this rank's own, so it is printed with the rank and the whole job is aborted,
    /// since the others may be waiting for this rank in a collective. Returns (single process) the line to print.
    public static func fail(_ line: String, agreed: Bool) -> Never {
        StopNotice.disarm()
        guard let r = job, r.size > 1 else {
            FileHandle.standardError.write(Data("condense: error: \(line)\n".utf8))
            finish()
            Foundation.exit(1)
        }
        if agreed {
            if r.isWriter { FileHandle.standardError.write(Data("condense: error: \(line)\n".utf8)) }
            finish()
            Foundation.exit(1)
        }
        FileHandle.standardError.write(Data("condense: error: rank \(r.rank) of \(r.size): \(line)\n".utf8))
        r.abort(1)
    }

    private static func positive(_ env: [String: String], _ key: String, default value: Int, max: Int) throws -> Int {
        guard let text = env[key] else { return value }
        guard let n = Int(text), n >= 1, n <= max else {
            throw DistributedError.environment(key: key, expected: "an integer in 1…\(max)", found: text)
        }
        return n
    }
}
