// BestOfScore: what ranks the N samples of a prompt for best-of-N: a model's mean log-likelihood per continuation
// token (the teacher's or the student's), or a user's script.
import CondenseCore
import Foundation

enum BestOfScore {
    /// A model's (1 / (L − P))·Σ log p(x_t | x_<t) over the continuation; higher is kept.
    case likelihood(Teacher)
    /// A user's executable: `SCRIPT CANDIDATES.jsonl` prints one finite number per candidate; higher is kept.
    case script(path: String, vocabulary: Vocabulary, workDir: String)

    func scores(_ candidates: [[Int32]], promptLength p: Int) throws -> [Double] {
        switch self {
        case .likelihood(let model): return try TransferSet.score(candidates, scorer: model, promptLength: p)
        case .script(let path, let vocabulary, let dir):
            return try Self.runScript(path, candidates, vocabulary: vocabulary, promptLength: p, dir: dir)
        }
    }

    /// Writes the candidates as JSON lines into `dir` (removed afterwards: the file is ours), runs the script on them
    /// without a shell, and reads one number per candidate from its stdout. Its stderr is the user's terminal's.
    static func runScript(_ path: String, _ candidates: [[Int32]], vocabulary: Vocabulary, promptLength p: Int,
                          dir: String) throws -> [Double] {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw FormatError(file: path, "expected an executable best-of-N scoring script, found \(FileManager.default.fileExists(atPath: path) ? "a file that is not executable" : "no such file")")
        }
        let input = dir + "/best-of-candidates.jsonl"
        var lines = ""
        for c in candidates {
            let line: [String: String] = ["prompt": try vocabulary.decode(Array(c[..<p])),
                                          "continuation": try vocabulary.decode(Array(c[p...]))]
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            lines += String(decoding: try encoder.encode(line), as: UTF8.self) + "\n"
        }
        try writeAtomically(to: input) { tmp in try Data(lines.utf8).write(to: URL(fileURLWithPath: tmp)) }
        defer { try? FileManager.default.removeItem(atPath: input) }
        let out = try run(path, input)
        return try parse(out, count: candidates.count, script: path)
    }

    /// Runs `path input` and returns its stdout; a non-zero exit is an error naming the script and its status.
    private static func run(_ path: String, _ input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [input]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            throw FormatError(file: path, "cannot run the best-of-N scoring script: \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()  // read before waiting: a full pipe would block it
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw FormatError(file: path, "expected the best-of-N scoring script to exit with status 0, found \(process.terminationReason == .exit ? "status" : "signal") \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// One finite number per line, exactly `count` lines (a final newline is optional).
    static func parse(_ out: String, count: Int, script: String) throws -> [Double] {
        var lines = out.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.last == "" { lines.removeLast() }
        guard lines.count == count else {
            throw FormatError(file: script, "expected \(count) scores (one line per candidate), found \(lines.count) lines")
        }
        return try lines.enumerated().map { i, s in
            guard let v = Double(s), v.isFinite else {
                throw FormatError(file: script, "line \(i + 1) of its output: expected a finite number, found \(String(s.prefix(40)).debugDescription)")
            }
            return v
        }
    }
}
