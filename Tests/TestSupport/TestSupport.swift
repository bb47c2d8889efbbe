// TestSupport: temp folders, the package root, and running tools/ scripts or the built `condense` binary.
import Foundation

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
}
