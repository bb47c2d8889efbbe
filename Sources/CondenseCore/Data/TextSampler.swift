// TextSampler: seeded random windows of T+1 tokens giving inputs x (B, T) and next-token targets y (B, T); resumable.
public struct TextSamplerState: Codable, Equatable, Sendable {
    public var rngState: [UInt64]
    public var tokenCount: Int
    public var batchSize: Int
    public var context: Int
}

public struct TextSampler {
    public let tokens: TokenSequence
    public let batchSize: Int
    /// T, the window length.
    public let context: Int
    private var rng: RNG

    public init(tokens: [Int32], batchSize: Int, context: Int, seed: UInt64) throws {
        try self.init(tokens: TokenSequence(tokens), batchSize: batchSize, context: context, seed: seed)
    }

    public init(tokens: TokenSequence, batchSize: Int, context: Int, seed: UInt64) throws {
        try TextSampler.validate(tokens.count, batchSize, context)
        self.tokens = tokens
        self.batchSize = batchSize
        self.context = context
        rng = RNG(seed: seed)
    }

    /// Resumes from a checkpointed state; the token sequence must have the same length as when it was saved.
    public init(tokens: [Int32], state: TextSamplerState) throws {
        try self.init(tokens: TokenSequence(tokens), state: state)
    }

    public init(tokens: TokenSequence, state: TextSamplerState) throws {
        let source = "TextSampler state"
        guard state.tokenCount == tokens.count else {
            throw DataError(source, expected: "\(state.tokenCount) tokens (as checkpointed)", found: "\(tokens.count)")
        }
        guard state.rngState.count == 4 else {
            throw DataError(source, expected: "4 RNG state words", found: "\(state.rngState.count)")
        }
        try TextSampler.validate(tokens.count, state.batchSize, state.context)
        self.tokens = tokens
        batchSize = state.batchSize
        context = state.context
        rng = RNG(state: state.rngState)
    }

    public var state: TextSamplerState {
        TextSamplerState(rngState: rng.state, tokenCount: tokens.count, batchSize: batchSize, context: context)
    }

    /// Fills x and y (each B·T Int32, row-major (B, T)) with B windows starting at uniform random offsets.
    public mutating func next(x: inout [Int32], y: inout [Int32]) throws {
        try BatchBuffers.check(x, count: batchSize * context, name: "input", "TextSampler")
        try BatchBuffers.check(y, count: batchSize * context, name: "target", "TextSampler")
        let t = context
        let starts = tokens.count - t  // start ∈ 0..<starts keeps start + T ≤ count − 1
        x.withUnsafeMutableBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                for b in 0..<batchSize {
                    let s = rng.below(starts)
                    tokens.copy(from: s, count: t, to: xb.baseAddress! + b * t)
                    tokens.copy(from: s + 1, count: t, to: yb.baseAddress! + b * t)
                }
            }
        }
    }

    private static func validate(_ count: Int, _ batchSize: Int, _ context: Int) throws {
        try BatchBuffers.checkSize(batchSize, "batch size", "TextSampler")
        try BatchBuffers.checkSize(context, "context length", "TextSampler")
        guard count > context else {
            throw DataError("TextSampler", expected: "at least \(context + 1) tokens for windows of \(context)+1",
                            found: "\(count)")
        }
    }
}
