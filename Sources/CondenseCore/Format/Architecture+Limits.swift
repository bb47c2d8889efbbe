// Architecture+Limits: documented upper bounds on every architecture field, checked before any list or buffer is built.
extension Architecture {
    /// The largest values a model may declare (docs/FORMAT.md, "Limits"). They are far above anything this tool
    /// trains on two cores, and low enough that every product below fits in an Int with room to spare.
    public enum Limits {
        public static let maxWidth = 1 << 20          // MLP inputs, hidden widths, classes
        public static let maxHiddenLayers = 1_024     // MLP hidden layers
        public static let maxLayers = 1_024           // GPT n_layer
        public static let maxHeads = 1_024            // GPT n_head
        public static let maxHeadDim = 4_096          // GPT head_dim
        public static let maxEmbd = 1 << 16           // GPT n_embd, and n_head × head_dim
        public static let maxFFN = 1 << 18            // GPT ffn_hidden
        public static let maxBlockSize = 1 << 16      // GPT block_size
        public static let maxVocab = 1 << 21          // GPT vocab_size (every Unicode scalar fits)
        /// Parameters in all: 2^32 float32 values are 16 GiB.
        public static let maxParameters = 1 << 32
    }

    /// Each field against its limit, then the parameter count with checked arithmetic.
    public func checkLimits(file: String) throws {
        func need(_ v: Int, _ limit: Int, _ key: String) throws {
            if v > limit { throw FormatError(file: file, path: "architecture.\(key)", "expected at most \(limit), found \(v)") }
        }
        switch self {
        case .mlp(let c):
            try need(c.inputs, Limits.maxWidth, "inputs")
            try need(c.classes, Limits.maxWidth, "classes")
            try need(c.hidden.count, Limits.maxHiddenLayers, "hidden (number of layers)")
            for (i, h) in c.hidden.enumerated() { try need(h, Limits.maxWidth, "hidden[\(i)]") }
        case .gpt(let c):
            try need(c.n_layer, Limits.maxLayers, "n_layer")
            try need(c.n_head, Limits.maxHeads, "n_head")
            try need(c.head_dim, Limits.maxHeadDim, "head_dim")
            try need(c.n_embd, Limits.maxEmbd, "n_embd")
            try need(c.n_head * c.head_dim, Limits.maxEmbd, "n_head × head_dim")
            try need(c.ffn_hidden, Limits.maxFFN, "ffn_hidden")
            try need(c.block_size, Limits.maxBlockSize, "block_size")
            try need(c.vocab_size, Limits.maxVocab, "vocab_size")
        }
        guard let n = checkedParameterCount(), n <= Limits.maxParameters else {
            throw FormatError(file: file, path: "architecture",
                              "implies more than \(Limits.maxParameters) parameters (the limit is 2^32, 16 GiB of float32)")
        }
    }

    /// The parameter count with overflow-checked arithmetic (nil on overflow); fields must already be in range.
    public func checkedParameterCount() -> Int? {
        var total = 0
        func add(_ dims: Int...) -> Bool {
            var p = 1
            for d in dims {
                let (m, o) = p.multipliedReportingOverflow(by: d)
                if o { return false }
                p = m
            }
            let (s, o) = total.addingReportingOverflow(p)
            total = s
            return !o
        }
        switch self {
        case .mlp(let c):
            let w = c.widths
            for i in 0..<(w.count - 1) where !(add(w[i + 1], w[i]) && add(w[i + 1])) { return nil }
        case .gpt(let c):
            let C = c.n_embd, A = c.n_head * c.head_dim, F = c.ffn_hidden
            guard add(c.vocab_size, C), add(c.block_size, C), add(2, C) else { return nil }
            guard add(c.n_layer, 4 * C + 4 * A * C + 3 * A + C + 2 * F * C + F + C) else { return nil }
            if !c.tie_embeddings && !add(c.vocab_size, C) { return nil }
        }
        return total
    }
}
