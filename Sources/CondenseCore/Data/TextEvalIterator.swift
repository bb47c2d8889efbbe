// TextEvalIterator: walks a token split in non-overlapping windows of T, scoring every next-token target once.
/// Window k covers inputs tokens[kT ..< kT+T] and targets tokens[kT+1 ... kT+T]. When the count − 1 targets do not
/// divide into windows of T, one last window is aligned to the end of the split, and its targets already scored by
/// the window before are set to −1 (`BatchBuffers.ignoreIndex`), so every target counts exactly once.
public struct TextEvalIterator {
    public let tokens: TokenSequence
    public let batchSize: Int
    public let context: Int
    /// Index of the next window.
    public private(set) var window = 0

    public init(tokens: [Int32], batchSize: Int, context: Int) throws {
        try self.init(tokens: TokenSequence(tokens), batchSize: batchSize, context: context)
    }

    public init(tokens: TokenSequence, batchSize: Int, context: Int) throws {
        try BatchBuffers.checkSize(batchSize, "batch size", "TextEvalIterator")
        try BatchBuffers.checkSize(context, "context length", "TextEvalIterator")
        guard tokens.count > context else {
            throw DataError("TextEvalIterator", expected: "at least \(context + 1) tokens for one window of \(context)",
                            found: "\(tokens.count)")
        }
        self.tokens = tokens
        self.batchSize = batchSize
        self.context = context
    }

    /// Targets in the split, each scored once: count − 1.
    public var scoredTokens: Int { tokens.count - 1 }
    private var fullWindows: Int { scoredTokens / context }
    private var remainder: Int { scoredTokens % context }
    public var windowCount: Int { fullWindows + (remainder > 0 ? 1 : 0) }
    public var batchCount: Int { (windowCount + batchSize - 1) / batchSize }

    public mutating func reset() { window = 0 }

    /// Fills x and y (each B·T, row-major (B, T)) and returns the number of real rows, or nil when done.
    /// Padding rows are token 0 with targets −1.
    public mutating func next(x: inout [Int32], y: inout [Int32]) throws -> Int? {
        try BatchBuffers.check(x, count: batchSize * context, name: "input", "TextEvalIterator")
        try BatchBuffers.check(y, count: batchSize * context, name: "target", "TextEvalIterator")
        guard window < windowCount else { return nil }
        let rows = min(batchSize, windowCount - window)
        let t = context
        x.withUnsafeMutableBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                for r in 0..<rows {
                    let k = window + r
                    let last = k == fullWindows
                    let start = last ? tokens.count - 1 - t : k * t
                    tokens.copy(from: start, count: t, to: xb.baseAddress! + r * t)
                    tokens.copy(from: start + 1, count: t, to: yb.baseAddress! + r * t)
                    if last { (yb.baseAddress! + r * t).update(repeating: BatchBuffers.ignoreIndex, count: t - remainder) }
                }
                if rows < batchSize {
                    (xb.baseAddress! + rows * t).update(repeating: 0, count: (batchSize - rows) * t)
                    (yb.baseAddress! + rows * t).update(repeating: BatchBuffers.ignoreIndex, count: (batchSize - rows) * t)
                }
            }
        }
        window += rows
        return rows
    }
}
