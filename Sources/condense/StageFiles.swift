// StageFiles: what the stage commands share around the library call: file sizes and writing the report files.
import CondenseCore
import Foundation

/// Bytes of the file at `path`, or nil if it cannot be read.
func fileSize(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
}

/// Writes the report as JSON at `path` and, when `markdown` is given, as Markdown beside it (`.json` → `.md`);
/// each file atomically.
func writeStageReport(_ r: StageReport, to path: String, markdown: ((StageReport) -> String)? = nil) throws {
    try Data(r.json.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    guard let markdown else { return }
    let md = (path.hasSuffix(".json") ? String(path.dropLast(5)) : path) + ".md"
    try Data(markdown(r).utf8).write(to: URL(fileURLWithPath: md), options: .atomic)
}
