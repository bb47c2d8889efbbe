// TestSupport+MPI: runs the built `condense` under Open MPI's mpirun on this machine, bounded by a timeout.
import Foundation

extension TestSupport {
    /// What Open MPI needs to start ranks inside a container on one machine: more ranks than cores
    /// (--oversubscribe), root (the two OMPI_ALLOW_RUN_AS_ROOT variables), shared memory without the CMA
    /// single-copy path (which needs ptrace rights a container often lacks), and no remote agent.
    public static let mpiEnvironment: [String: String] = [
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_btl": "self,vader", "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
        "OMPI_MCA_plm_rsh_agent": "", "OMPI_MCA_rmaps_base_oversubscribe": "1",
        "OMPI_MCA_hwloc_base_binding_policy": "none",
        "CONDENSE_THREADS": "1",
    ]

    /// Whether mpirun is on the PATH (tools/bootstrap installs openmpi-bin).
    public static var mpirunPath: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/mpirun"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// `mpirun -np N condense ARGS`, or with several `apps`, Open MPI's MPMD form (`-np 1 A : -np 1 B`), each app an
    /// executable and its arguments. `timeout` (seconds) kills the whole job, so a hang fails a test instead of
    /// blocking it: the result's status is then 124.
    public static func mpirun(_ ranks: Int, _ args: [String], timeout: Int = 120, environment: [String: String] = [:]) throws -> Result {
        try mpirun(apps: Array(repeating: [condenseBinary] + args, count: 1), ranksEach: ranks, timeout: timeout,
                   environment: environment)
    }

    public static func mpirun(apps: [[String]], ranksEach: Int = 1, timeout: Int = 120,
                              environment: [String: String] = [:]) throws -> Result {
        guard let mpirun = mpirunPath else { throw ToolFailed(message: "mpirun is not installed: run tools/bootstrap") }
        var line = ["-k", "5", "\(timeout)", mpirun, "--oversubscribe"]
        for (i, app) in apps.enumerated() {
            if i > 0 { line.append(":") }
            line += ["-np", "\(ranksEach)"] + app
        }
        return try run("/usr/bin/timeout", line, cwd: packageRoot, environment: mpiEnvironment.merging(environment) { $1 })
    }
}

extension TestSupport {
    /// What `mpirunKillingOneRank` observed.
    public struct KilledJob {
        /// Whether the chosen rank was found and sent SIGKILL before the job ended by itself.
        public let killed: Bool
        public let status: Int32
        public let stderr: String
    }

    /// Starts `mpirun -np N condense ARGS`, waits until the training log `log` passes `afterStep`, then sends SIGKILL
    /// to rank `rank` alone and waits (bounded by `timeout`) for the job to end.
    public static func mpirunKillingOneRank(_ ranks: Int, _ args: [String], rank: Int, log: URL, afterStep: Int,
                                            timeout: Int = 120) throws -> KilledJob {
        guard let mpirun = mpirunPath else { throw ToolFailed(message: "mpirun is not installed: run tools/bootstrap") }
        let tag = UUID().uuidString
        let errFile = tempDir("mpi-kill").appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-k", "5", "\(timeout)", mpirun, "--oversubscribe", "-np", "\(ranks)", condenseBinary] + args
        p.currentDirectoryURL = packageRoot
        p.environment = ProcessInfo.processInfo.environment.merging(mpiEnvironment) { $1 }.merging(["CONDENSE_TEST_JOB": tag]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        var killed = false
        let deadline = Date().addingTimeInterval(Double(timeout))
        while Date() < deadline && p.isRunning {
            if let l = try? trainLosses(log), (l.keys.max() ?? 0) >= afterStep, let pid = rankProcess(tag: tag, rank: rank) {
                killed = kill(pid, SIGKILL) == 0
                break
            }
            usleep(2_000)
        }
        p.waitUntilExit()
        return KilledJob(killed: killed, status: p.terminationStatus,
                         stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// The pid of the process whose environment holds CONDENSE_TEST_JOB=tag and OMPI_COMM_WORLD_RANK=rank.
    static func rankProcess(tag: String, rank: Int) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for e in entries {
            guard let pid = pid_t(e), let env = FileManager.default.contents(atPath: "/proc/\(e)/environ") else { continue }
            let vars = Set(env.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
            if vars.contains("CONDENSE_TEST_JOB=\(tag)") && vars.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }
}

extension TestSupport {
    /// Starts `condense ARGS` (one process), sends SIGKILL once the log passes `afterStep`, and says whether it was
    /// killed before it finished.
    public static func runKilled(_ args: [String], log: URL, afterStep: Int) throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: condenseBinary)
        p.arguments = args
        p.currentDirectoryURL = packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && p.isRunning {
            if let l = try? trainLosses(log), (l.keys.max() ?? 0) >= afterStep { break }
            usleep(2_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return p.terminationReason == .uncaughtSignal
    }
}
