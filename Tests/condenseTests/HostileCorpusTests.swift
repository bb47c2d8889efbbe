// HostileCorpusTests: every case of tools/make_hostile_corpus.py through the built binary, with bounded time and memory.
import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct HostileCorpusTests {
    struct Case: Decodable {
        let name: String
        let args: [String]
        let expect: String
        let contains: [String]
        let env: [String: String]
        let absent: [String]
        let serial: Bool
        let present: [String]
    }

    /// Address space per run (ulimit -v, KiB): 6 GiB. A Swift binary maps ~1 GiB at start; the largest honest
    /// case (Fashion-MNIST eval) needs well under 1 GiB more. A 40 GB allocation, or a bomb inflated in memory,
    /// fails inside this limit instead of succeeding.
    static let memoryKiB = 6 << 20
    /// CPU seconds per run (ulimit -t): the slowest case, a Fashion-MNIST eval, takes about 2 s.
    static let cpuSeconds = 60
    /// Wall seconds past which a case counts as hung: ulimit -t bounds a spinning run at 60 CPU seconds, but on a
    /// shared 2-core machine at load 10 those take several times as long in wall time; 300 s is past any honest case
    /// there and still catches a run that waits forever on a lock or a pipe.
    static let wallSeconds = 300.0

    /// Runs `condense ARGS` under `ulimit -v` and `ulimit -t` in a shell that then execs it, killed (exit 137)
    /// after `wallSeconds` by coreutils' timeout, so that a hang fails the case instead of blocking the suite.
    func runBounded(_ args: [String], env: [String: String]) throws -> TestSupport.Result {
        let script = "ulimit -v \(Self.memoryKiB) && ulimit -t \(Self.cpuSeconds) && " +
            "exec timeout -s KILL \(Int(Self.wallSeconds)) \"$0\" \"$@\""
        return try TestSupport.run("/bin/sh", ["-c", script, TestSupport.condenseBinary] + args,
                                   cwd: TestSupport.packageRoot, environment: env)
    }

    @Test func everyHostileCaseHasItsExpectedOutcome() throws {
        let dir = TestSupport.tempDir("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestSupport.tool("make_hostile_corpus.py", [dir.path])
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: dir.appendingPathComponent("cases.json")))
        #expect(cases.count >= 100)
        // Independent cases run two at a time (the machine's cores); serial ones after them, in order.
        final class Failures: @unchecked Sendable {
            var list: [String] = []
            let lock = NSLock()
            func add(_ f: [String]) { lock.lock(); list += f; lock.unlock() }
        }
        let failures = Failures()
        let parallel = cases.filter { !$0.serial }
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for c in stride(from: lane, to: parallel.count, by: 2).map({ parallel[$0] }) {
                failures.add(outcome(c))
            }
        }
        for c in cases where c.serial { failures.add(outcome(c)) }
        #expect(failures.list.isEmpty, "\(failures.list.count) of \(cases.count) cases failed:\n\(failures.list.joined(separator: "\n"))")
    }

    func outcome(_ c: Case) -> [String] {
        let t0 = Date()
        do {
            let r = try runBounded(c.args, env: c.env)
            return check(c, r, seconds: Date().timeIntervalSince(t0))
        } catch {
            return ["\(c.name): could not run: \(error)"]
        }
    }

    /// What went wrong with one case (empty when it held).
    func check(_ c: Case, _ r: TestSupport.Result, seconds: Double) -> [String] {
        var bad: [String] = []
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        if r.signaled { bad.append("signal (exit \(r.status))") }
        if seconds > Self.wallSeconds { bad.append("took \(Int(seconds)) s of wall time") }
        if c.expect == "ok" {
            if r.status != 0 { bad.append("exit \(r.status), expected 0: \(r.stderr.prefix(300))") }
            for f in c.contains where !r.stdout.contains(f) { bad.append("stdout lacks \(f.debugDescription): \(r.stdout.prefix(200))") }
        } else {
            if r.status != 1 { bad.append("exit \(r.status), expected 1") }
            let errorLines = lines.filter { $0.hasPrefix("condense: error: ") }
            if errorLines.count != 1 { bad.append("expected one error line, found \(errorLines.count)") }
            let nonProgress = lines.filter { !$0.hasPrefix("condense: error: ") && !$0.hasPrefix("[") && !$0.hasPrefix("teacher") }
            if !nonProgress.isEmpty { bad.append("other stderr lines: \(nonProgress.prefix(2))") }
            for f in c.contains where !r.stderr.contains(f) { bad.append("stderr lacks \(f.debugDescription)") }
        }
        for p in c.absent where FileManager.default.fileExists(atPath: p) { bad.append("wrote \(p)") }
        for p in c.present where !FileManager.default.fileExists(atPath: p) { bad.append("deleted \(p)") }
        return bad.isEmpty ? [] : ["\(c.name): " + bad.joined(separator: "; ") + " — stderr: \(r.stderr.prefix(240))"]
    }
}
