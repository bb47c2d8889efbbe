// Progress: a one-line progress bar on a terminal (step, loss, speed, ETA), plain log lines otherwise.
import Foundation

public final class Progress {
    public let total: Int
    public let unit: String
    private let tty: Bool
    private let start = Date()
    private let startStep: Int
    private var lastDraw = Date.distantPast
    public var quiet = false

    public init(total: Int, startStep: Int, unit: String) {
        self.total = total
        self.startStep = startStep
        self.unit = unit
        tty = isatty(STDERR_FILENO) != 0
    }

    private func write(_ s: String) {
        if !quiet { FileHandle.standardError.write(Data(s.utf8)) }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t / 60 % 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }

    /// Reports a finished step; `rate` is units (examples or tokens) per second.
    public func update(step: Int, loss: Double, rate: Double, log: Bool) {
        let done = step - startStep
        let secs = Date().timeIntervalSince(start)
        let eta = Double(total - step) * secs / Double(max(done, 1))
        let text = "step \(step)/\(total) loss \(String(format: "%.4f", loss)) \(String(format: "%.0f", rate)) \(unit)/s ETA \(Self.duration(eta))"
        if tty {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || step == total else { return }
            lastDraw = Date()
            let width = 24, filled = Int(Double(width) * Double(step) / Double(max(total, 1)))
            write("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + text + "\u{1B}[K")
        } else if log {
            write(text + "\n")
        }
    }

    /// A line that must not be overwritten by the bar (evaluations, checkpoints).
    public func note(_ s: String) {
        write((tty ? "\r\u{1B}[K" : "") + s + "\n")
    }
}
