// Encoder: GPT's token + position embedding, out[b,t,:] = wte[idx[b,t],:] + wpe[t,:], forward and backward.

/// idx (B,T) Int32 token ids in [0, V), wte (V,C), wpe (maxT ≥ T, C), out (B,T,C) overwritten.
public func encoderForward(out: UnsafeMutablePointer<Float>, idx: UnsafePointer<Int32>,
                           wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, b: Int, t: Int, c: Int) {
    for bt in 0..<(b * t) {
        Ops.add(out + bt * c, wte + Int(idx[bt]) * c, wpe + (bt % t) * c, c)
    }
}

/// dout (B,T,C), idx (B,T). dwte (V,C) += dout at each token's row; dwpe (maxT,C) += Σ_b dout[b,t,:].
/// dwte may be nil (frozen embeddings); with tied weights pass the shared gradient buffer.
public func encoderBackward(dwte: UnsafeMutablePointer<Float>?, dwpe: UnsafeMutablePointer<Float>,
                            dout: UnsafePointer<Float>, idx: UnsafePointer<Int32>, b: Int, t: Int, c: Int) {
    for bt in 0..<(b * t) {
        let g = dout + bt * c
        if let dwte { Ops.addInPlace(dwte + Int(idx[bt]) * c, g, c) }
        Ops.addInPlace(dwpe + (bt % t) * c, g, c)
    }
}
