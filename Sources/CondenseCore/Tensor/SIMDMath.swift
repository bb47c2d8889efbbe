// SIMDMath: vectorised exp and erf on SIMD16<Float>, and unaligned/partial loads and stores.
// Accuracy: exp within ~2 ulp (Cephes expf polynomial); erf within 1.5e-7 absolute
// (Abramowitz & Stegun 7.1.26, the same approximation PyTorch's vectorised CPU erf uses).

public typealias F16 = SIMD16<Float>

@inline(__always) func load16(_ p: UnsafePointer<Float>) -> F16 {
    UnsafeRawPointer(p).loadUnaligned(as: F16.self)
}

@inline(__always) func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self)
}

/// Loads count < 16 elements, padding the remaining lanes with `pad`.
@inline(__always) func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, pad: Float = 0) -> F16 {
    var v = F16(repeating: pad)
    for i in 0..<count { v[i] = p[i] }
    return v
}

/// Stores the first count < 16 lanes.
@inline(__always) func storePartial(_ v: F16, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { p[i] = v[i] }
}

// Swift's pointwiseMin/Max follow IEEE minimum/maximum (NaN rules) and compile to a slow per-lane loop
// (measured 10 ns per element against 0.2 ns): these compare-and-select forms vectorise.
/// Lane-wise min(a, b); a lane where b is NaN yields a.
@inline(__always) func vmin(_ a: F16, _ b: F16) -> F16 { a.replacing(with: b, where: b .< a) }
/// Lane-wise max(a, b); a lane where b is NaN yields a.
@inline(__always) func vmax(_ a: F16, _ b: F16) -> F16 { a.replacing(with: b, where: b .> a) }
/// Lane-wise |a|, by clearing the sign bit.
@inline(__always) func vabs(_ a: F16) -> F16 {
    unsafeBitCast(unsafeBitCast(a, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: F16.self)
}

@inline(__always) func hsum(_ v: F16) -> Float {
    let a = v.lowHalf + v.highHalf
    let b = a.lowHalf + a.highHalf
    let c = b.lowHalf + b.highHalf
    return c[0] + c[1]
}

@inline(__always) func hmax(_ v: F16) -> Float {
    var m = v[0]
    for i in 1..<16 where v[i] > m { m = v[i] }
    return m
}

/// e^x for each lane. Inputs are clamped to [-87.3, 88]: below, the result is ~1e-38 rather than 0.
@inline(__always) public func simdExp(_ x: F16) -> F16 {
    let xc = vmin(vmax(x, F16(repeating: -87.3)), F16(repeating: 88.0))
    // n = round(x·log2 e), by the 1.5·2^23 trick (round-to-nearest in the mantissa, no SSE4.1 needed).
    let magic: Float = 12_582_912
    let fx = xc * 1.442_695_04 + magic
    let n = fx - magic
    var r = xc - n * 0.693_359_375
    r = r - n * -2.121_944_40e-4
    var y = F16(repeating: 1.987_569_15e-4)
    y = y * r + 1.398_199_95e-3
    y = y * r + 8.333_451_9e-3
    y = y * r + 4.166_579_59e-2
    y = y * r + 1.666_666_55e-1
    y = y * r + 5.000_000_12e-1
    y = y * (r * r) + r + 1
    let ni = unsafeBitCast(fx, to: SIMD16<Int32>.self) &- 0x4B40_0000  // integer n, from the mantissa bits
    let scale = unsafeBitCast((ni &+ 127) &<< 23, to: F16.self)
    return y * scale
}

/// erf(z) and e^(−z²) for each lane (the second comes free and GELU's derivative needs it).
@inline(__always) public func simdErfExp(_ z: F16) -> (erf: F16, expNegSq: F16) {
    let az = vabs(z)
    let t = 1 / (1 + 0.327_591_1 * az)
    var p = F16(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    p = p * t
    let e = simdExp(-(az * az))
    let r = 1 - p * e  // erf(|z|); the sign bit of z is copied in (a select here measured 3× slower)
    let sign = unsafeBitCast(z, to: SIMD16<UInt32>.self) & 0x8000_0000
    return (unsafeBitCast(unsafeBitCast(r, to: SIMD16<UInt32>.self) | sign, to: F16.self), e)
}

@inline(__always) public func simdErf(_ z: F16) -> F16 { simdErfExp(z).erf }
