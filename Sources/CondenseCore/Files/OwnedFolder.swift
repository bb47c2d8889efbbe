// OwnedFolder: folders the tool writes into carry a manifest of what it wrote, an advisory lock, and a --force that
// deletes exactly those entries.
import Foundation

/// A run folder or output folder. Its manifest (`.condense-manifest.json`) lists the top-level names the tool
/// created there; `--force` removes exactly those (and the tool's stale temp files of them), and refuses a non-empty
/// folder without a manifest, since the tool did not create it. One process at a time holds the folder's lock
/// (`.condense.lock`, flock); a second gets an error naming the holder's pid.
public enum OwnedFolder {
    public static let manifestName = ".condense-manifest.json"
    public static let lockName = ".condense.lock"

    struct Manifest: Codable {
        var tool = "condense"
        var kind: String
        var entries: [String]
    }

    /// Prepares `dir` for a run of `kind`: with `force`, clears what an earlier run wrote (refusing a folder the
    /// tool did not create); creates the folder and its manifest when missing; takes the lock; removes stale temp
    /// files of earlier, killed runs; and records `entries` (names the run will write) in the manifest.
    public static func prepare(_ dir: String, kind: String, force: Bool, entries: [String] = []) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            throw FormatError(file: dir, "expected a folder, found an existing file")
        }
        if force { try clear(dir) }
        let created = !fm.fileExists(atPath: dir)
        if created {
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw FormatError(file: dir, "cannot create the folder (\(error.localizedDescription))")
            }
        }
        try FolderLock.acquire(dir)
        if created || isEmpty(dir, ignoring: [lockName]) {
            try writeManifest(dir, Manifest(kind: kind, entries: [lockName]))
        }
        removeStaleTemps(dir)
        try claim(dir, entries)
    }

    /// Records names written into `dir`, when it is the tool's (has a manifest); otherwise does nothing.
    public static func claim(_ dir: String, _ names: [String]) throws {
        guard var m = readManifest(dir) else { return }
        let new = names.filter { !$0.isEmpty && !$0.contains("/") && !m.entries.contains($0) }
        if new.isEmpty { return }
        m.entries += new
        try writeManifest(dir, m)
    }

    /// Removes what the manifest lists, the tool's temp files of them and the manifest; a non-empty folder
    /// without a manifest is refused. A listed subfolder with its own manifest is cleared the same way.
    public static func clear(_ dir: String) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: dir) else { return }
        guard let m = readManifest(dir) else {
            if isEmpty(dir, ignoring: []) { return }
            throw FormatError(file: dir, "--force refused: this folder was not created by condense (it has no \(manifestName)), so nothing in it is deleted; choose another folder or empty it yourself")
        }
        try FolderLock.acquire(dir)
        for name in m.entries where name != lockName {
            let p = dir + "/" + name
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if isDir.boolValue && readManifest(p) != nil { try clear(p); try? fm.removeItem(atPath: p) }
            else { try fm.removeItem(atPath: p) }
        }
        for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where isTemp(name, of: m.entries) {
            try? fm.removeItem(atPath: dir + "/" + name)
        }
        try? fm.removeItem(atPath: dir + "/" + manifestName)
    }

    /// Clears `dir` (as `--force` does) and removes the folder itself, with its lock, when nothing else is left.
    public static func remove(_ dir: String) throws {
        guard FileManager.default.fileExists(atPath: dir) else { return }
        try clear(dir)
        if isEmpty(dir, ignoring: [lockName]) {
            unlink(dir + "/" + lockName)
            rmdir(dir)
            FolderLock.release(dir)
        }
    }

    /// `.NAME.tmp-PID-N` is the temp file `writeAtomically` makes for NAME.
    static func isTemp(_ name: String, of entries: [String]) -> Bool {
        guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards) else { return false }
        return entries.contains(String(name[name.index(after: name.startIndex)..<r.lowerBound]))
    }

    /// Temp files of listed names whose writer process is gone (the lock is held, so no live run of ours writes).
    static func removeStaleTemps(_ dir: String) {
        guard let m = readManifest(dir) else { return }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where isTemp(name, of: m.entries) {
            let parts = name.split(separator: "-")
            if parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid == getpid() { continue }
            unlink(dir + "/" + name)
        }
    }

    static func isEmpty(_ dir: String, ignoring: Set<String>) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).allSatisfy { ignoring.contains($0) }
    }

    static func readManifest(_ dir: String) -> Manifest? {
        guard let d = FileManager.default.contents(atPath: dir + "/" + manifestName) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: d)
    }

    static func writeManifest(_ dir: String, _ m: Manifest) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(m)
        try writeAtomically(to: dir + "/" + manifestName, recording: false) { tmp in try data.write(to: URL(fileURLWithPath: tmp)) }
    }
}
