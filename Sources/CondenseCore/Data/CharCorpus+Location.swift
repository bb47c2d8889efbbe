// CharCorpus+Location: where the corpus lives by default: $CONDENSE_DATA_DIR, else <package root>/data/shakespeare.
import Foundation

extension CharCorpus {
    /// Names the directory that holds SPLITS.json and the three split files.
    public static let environmentVariable = "CONDENSE_DATA_DIR"

    /// $CONDENSE_DATA_DIR if set; otherwise `data/shakespeare` under the nearest ancestor of `currentDirectory`
    /// that holds Package.swift; otherwise under the package the running executable was built in
    /// (<root>/.build/<config>/condense); otherwise `data/shakespeare` under `currentDirectory`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        currentDirectory: String = FileManager.default.currentDirectoryPath) -> String {
        if let env = environment[environmentVariable], !env.isEmpty { return env }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for start in [URL(fileURLWithPath: currentDirectory), executable] {
            var url = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                    return url.appendingPathComponent("data/shakespeare").path
                }
                let parent = url.deletingLastPathComponent()
                if parent.path == url.path { break }
                url = parent
            }
        }
        return URL(fileURLWithPath: currentDirectory).appendingPathComponent("data/shakespeare").path
    }
}
