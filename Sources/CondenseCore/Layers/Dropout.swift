// Dropout: inverted dropout with a mask drawn from the seeded RNG, forward and backward.

/// inp (N), out (N) = inp·mask, mask (N) ∈ {0, 1/(1−p)}: each element dropped with probability p, in order,
/// one RNG draw per element. p = 0 is the identity: out = inp, no draw, mask untouched. out may be inp.
public func dropoutForward(out: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                           inp: UnsafePointer<Float>, n: Int, p: Float, rng: inout RNG) {
    precondition(p >= 0 && p < 1, "dropout p must be in [0, 1), got \(p)")
    if p == 0 {
        if UnsafePointer(out) != inp { out.update(from: inp, count: n) }
        return
    }
    let keep = 1 / (1 - p)
    for i in 0..<n { mask[i] = rng.uniform() < p ? 0 : keep }
    Ops.mul(out, inp, mask, n)
}

/// dout (N), mask (N) and p as in the forward. dinp (N) = dout·mask (dout when p = 0);
/// overwritten (dinp may be dout), or added when accumulateInput.
public func dropoutBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                            n: Int, p: Float, accumulateInput: Bool = false) {
    if p == 0 {
        if accumulateInput { Ops.addInPlace(dinp, dout, n) } else if UnsafePointer(dinp) != dout { dinp.update(from: dout, count: n) }
        return
    }
    var i = 0
    if accumulateInput {
        while i + 16 <= n { store16(load16(dinp + i) + load16(dout + i) * load16(mask + i), dinp + i); i += 16 }
        while i < n { dinp[i] += dout[i] * mask[i]; i += 1 }
    } else {
        Ops.mul(dinp, dout, mask, n)
    }
}
