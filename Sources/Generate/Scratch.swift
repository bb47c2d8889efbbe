// Scratch: the engine's activation buffers for N packed rows, grown on demand and reused between calls.
import CondenseCore

final class Scratch {
    private(set) var rows: Int
    var x, ln, mean, rstd, qkv, atty, proj, fc, logits, scores: Tensor
    var rowSeq: UnsafeMutablePointer<Int32>, rowPos: UnsafeMutablePointer<Int32>

    /// Buffers for `rows` rows of `config` (none when config is nil).
    init(rows: Int, config: GPTConfig?) {
        self.rows = rows
        let c = config?.n_embd ?? 0, a = config?.attnWidth ?? 0, f = config?.ffn_hidden ?? 0
        let v = config?.vocab_size ?? 0, h = config?.n_head ?? 0, t = config?.block_size ?? 0
        x = Tensor(zeros: [rows, c]); ln = Tensor(zeros: [rows, c])
        mean = Tensor(zeros: [rows]); rstd = Tensor(zeros: [rows])
        qkv = Tensor(zeros: [rows, 3 * a]); atty = Tensor(zeros: [rows, a]); proj = Tensor(zeros: [rows, c])
        fc = Tensor(zeros: [rows, f]); logits = Tensor(zeros: [rows, v])
        scores = Tensor(zeros: [rows, h, t])                    // attention probabilities, one row per (row, head)
        rowSeq = .allocate(capacity: max(rows, 1)); rowPos = .allocate(capacity: max(rows, 1))
    }

    deinit { rowSeq.deallocate(); rowPos.deallocate() }

    /// Grows the buffers to at least `rows` rows (contents are not kept).
    func ensure(rows n: Int, config: GPTConfig) {
        if n <= rows { return }
        let grown = Scratch(rows: max(n, 2 * rows), config: config)
        rows = grown.rows
        x = grown.x; ln = grown.ln; mean = grown.mean; rstd = grown.rstd; qkv = grown.qkv; atty = grown.atty
        proj = grown.proj; fc = grown.fc; logits = grown.logits; scores = grown.scores
        swap(&rowSeq, &grown.rowSeq); swap(&rowPos, &grown.rowPos)
    }
}
