// TestSupport: temp folders, the package root, and running tools/ scripts or the built `condense` binary.
import Foundation
import HDF5

public enum TestSupport {
    /// The package root (the folder holding Package.swift), found from this source file's location.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// A fresh empty folder under the system temp folder.
    public static func tempDir(_ label: String = "t") -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("condense-test-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// True when the process ended by a signal (a crash), not by exit.
        public let signaled: Bool
    }

    /// Runs an executable with arguments, capturing its output.
    public static func run(_ executable: String, _ args: [String], cwd: URL? = nil,
                           environment: [String: String]? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self),
                      signaled: p.terminationReason == .uncaughtSignal)
    }

    /// Runs `python3 tools/NAME ARGS...` from the package root; throws with its stderr if it fails.
    @discardableResult
    public static func tool(_ name: String, _ args: [String]) throws -> String {
        let r = try run("/usr/bin/env", ["python3", packageRoot.appendingPathComponent("tools/\(name)").path] + args,
                        cwd: packageRoot)
        guard r.status == 0 else { throw ToolFailed(message: "tools/\(name) \(args) failed (\(r.status)):\n\(r.stderr)") }
        return r.stdout
    }

    public struct ToolFailed: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The `condense` binary built beside the test bundle.
    public static var condenseBinary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for dir in candidates {
            let p = dir.appendingPathComponent("condense").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return packageRoot.appendingPathComponent(".build/debug/condense").path
    }

    /// Runs the built `condense` with arguments.
    public static func condense(_ args: [String], environment: [String: String]? = nil) throws -> Result {
        try run(condenseBinary, args, cwd: packageRoot, environment: environment)
    }

    /// step → train loss, from a training run's log.jsonl (one JSON object per logged step).
    public static func trainLosses(_ log: URL) throws -> [Int: Double] {
        let text = try String(contentsOf: log, encoding: .utf8)
        var out: [Int: Double] = [:]
        for line in text.split(separator: "\n") {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            out[o["step"] as! Int] = (o["train_loss"] as! NSNumber).doubleValue
        }
        return out
    }

    /// What `killAndResume` observed.
    public struct KillResume {
        public let reference: [Int: Double]
        public let resumed: [Int: Double]
        /// The interrupted run ended by SIGKILL (not by finishing first).
        public let killed: Bool
        public let outputExistedAfterKill: Bool
        /// A second start without --resume: it must refuse.
        public let restartWithoutResume: Result
        public let resume: Result

        /// What keeps the resumed run from being the uninterrupted one (empty when nothing does): the second run was
        /// killed, the resume succeeded, both logged all `steps` losses, and each loss is within `margin` of the
        /// reference's (bit-identical in principle, as TrainCommandTests explains; 1e-6 is a margin, not a rounding bound).
        public func trajectoryProblems(steps: Int, margin: Double = 1e-6) -> [String] {
            var out: [String] = []
            if !killed { out.append("the run finished before it could be killed") }
            if resume.status != 0 || !resume.stderr.contains("resumed from") { out.append("the resume failed: \(resume.stderr)") }
            if reference.count != steps || resumed.count != steps {
                out.append("logged \(reference.count) and \(resumed.count) losses, expected \(steps)")
            }
            let worst = reference.map { abs($0.value - (resumed[$0.key] ?? .infinity)) }.max() ?? .infinity
            if !(worst <= margin) { out.append("largest train-loss difference between the runs: \(worst)") }
            return out
        }
    }

    /// The training options of the kill-and-resume tests: `steps` steps of `batch` rows, a checkpoint every 40 steps,
    /// every loss logged, no evaluation during the run, seed 7.
    public static func resumeRunOptions(steps: Int = 400, batch: Int) -> [String] {
        ["--steps", "\(steps)", "--batch-size", "\(batch)", "--checkpoint-every", "40", "--eval-every", "0",
         "--eval-batches", "2", "--log-every", "1", "--warmup-steps", "10", "--seed", "7"]
    }

    /// Runs `condense ARGS -o a.h5` uninterrupted; then `condense ARGS -o b.h5`, killed with SIGKILL once its log
    /// (at `log(runDir)`) passes `killAfter` steps; then the same without and with --resume. The run folders are
    /// OUT without .h5 plus .run, as the commands make them.
    public static func killAndResume(_ args: [String], in dir: URL, killAfter: Int = 130,
                                     log: (URL) -> URL) throws -> KillResume {
        let a = try condense(args + ["-o", dir.appendingPathComponent("a.h5").path])
        guard a.status == 0 else { throw ToolFailed(message: "reference run failed: \(a.stderr)") }
        let reference = try trainLosses(log(dir.appendingPathComponent("a.run")))
        let out = dir.appendingPathComponent("b.h5").path, runLog = log(dir.appendingPathComponent("b.run"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: condenseBinary)
        p.arguments = args + ["-o", out]
        p.currentDirectoryURL = packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let l = try? trainLosses(runLog), (l.keys.max() ?? 0) >= killAfter { break }
            usleep(2_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let killed = p.terminationReason == .uncaughtSignal
        let existed = FileManager.default.fileExists(atPath: out)
        let refused = try condense(args + ["-o", out])
        let resumed = try condense(args + ["-o", out, "--resume"])
        return KillResume(reference: reference, resumed: (try? trainLosses(runLog)) ?? [:], killed: killed,
                          outputExistedAfterKill: existed, restartWithoutResume: refused, resume: resumed)
    }

    /// Dataset `logits` of an HDF5 file (as `condense predict` and tools/reference_forward.py write it).
    public static func readLogits(_ path: String) throws -> (shape: [Int], values: [Float]) {
        let ds = try File(openReadOnly: path).root.dataset("logits")
        return (ds.shape, try ds.read(as: Float.self))
    }

    /// The largest per-element relative error of `a` against the reference `b`, taken against max(|b|, 1) so
    /// that near-zero logits do not divide by ~0.
    public static func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        var worst: Float = 0
        for i in b.indices { worst = max(worst, abs(a[i] - b[i]) / max(abs(b[i]), 1)) }
        return worst
    }
}
