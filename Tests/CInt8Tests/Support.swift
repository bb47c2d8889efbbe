// Test helpers for CInt8: packing, calling the C entry points with an explicit path and thread count.
import CInt8
import Foundation
import TestSupport

let ok = Int32(CI8_OK)

/// Every path ID, and the ones this machine supports.
let allPaths: [Int32] = [CI8_PATH_SCALAR, CI8_PATH_AVX2, CI8_PATH_AVXVNNI, CI8_PATH_AVX512VNNI].map { $0.rawValue }
let supportedPaths: [Int32] = allPaths.filter { ci8_path_supported($0) != 0 }

func pathName(_ p: Int32) -> String { String(cString: ci8_path_name(p)) }

/// Owns packed weights.
final class Packed {
    let ptr: OpaquePointer
    let n: Int, k: Int
    init(_ w: [Int8], n: Int, k: Int) {
        var err: Int32 = 0
        ptr = w.withUnsafeBufferPointer { ci8_pack_weights($0.baseAddress, n, k, k, &err) }!
        self.n = n
        self.k = k
    }
    deinit { ci8_packed_free(ptr) }
}

func randomWeights(_ n: Int, _ k: Int, _ rng: inout SplitMix64) -> [Int8] {
    (0..<(n * k)).map { _ in Int8(Int.random(in: -127...127, using: &rng)) }
}

func randomActs(_ m: Int, _ k: Int, _ rng: inout SplitMix64) -> [UInt8] {
    (0..<(m * k)).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

/// The plain C reference on unpacked data.
func referenceS32(_ x: [UInt8], _ w: [Int8], m: Int, n: Int, k: Int) -> [Int32] {
    var y = [Int32](repeating: 0, count: m * n)
    x.withUnsafeBufferPointer { xp in
        w.withUnsafeBufferPointer { wp in
            y.withUnsafeMutableBufferPointer { yp in
                ci8_reference_s32(xp.baseAddress, m, k, k, wp.baseAddress, n, k, yp.baseAddress, n)
            }
        }
    }
    return y
}

func withConfig<R>(path: Int32, threads: Int32, _ body: (UnsafePointer<ci8_config>) -> R) -> R {
    var cfg = ci8_config(path: path, threads: threads)
    return withUnsafePointer(to: &cfg) { body($0) }
}

/// ci8_gemm_s32 with an explicit path and thread count.
func gemmS32(_ x: [UInt8], _ p: Packed, m: Int, path: Int32, threads: Int32 = 2) -> (Int32, [Int32]) {
    var y = [Int32](repeating: -7, count: m * p.n)
    let rc = withConfig(path: path, threads: threads) { cfg in
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                ci8_gemm_s32(xp.baseAddress, m, p.k, p.ptr, yp.baseAddress, p.n, cfg)
            }
        }
    }
    return (rc, y)
}

/// ci8_gemm_f32 with an explicit path and thread count.
func gemmF32(_ x: [UInt8], _ p: Packed, m: Int, sxRows: [Float]?, sx: Float, sw: [Float], bias: [Float]?,
             act: ci8_act, path: Int32, threads: Int32 = 2) -> (Int32, [Float]) {
    var y = [Float](repeating: .nan, count: m * p.n)
    let rc = withConfig(path: path, threads: threads) { cfg in
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                withOptionalPointer(sxRows) { sxp in
                    withOptionalPointer(bias) { bp in
                        sw.withUnsafeBufferPointer { swp in
                            ci8_gemm_f32(xp.baseAddress, m, p.k, p.ptr, sxp, sx, swp.baseAddress, bp,
                                         Int32(act.rawValue), yp.baseAddress, p.n, cfg)
                        }
                    }
                }
            }
        }
    }
    return (rc, y)
}

func withOptionalPointer<T, R>(_ a: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// The exact real-number epilogue (in Double) for a true dot product d.
func exactEpilogue(_ d: Int32, sx: Float, sw: Float, b: Float, act: ci8_act) -> Double {
    let y = Double(d) * Double(sx) * Double(sw) + Double(b)
    switch act {
    case CI8_ACT_RELU: return max(y, 0)
    case CI8_ACT_GELU: return 0.5 * y * (1 + erf(y / 2.0.squareRoot()))
    default: return y
    }
}

/// nil when equal; else a short description (count and first differing index) instead of two whole arrays.
/// ci8_gemm_s32 of x (M, K) on `path` against the plain reference on the same weights w: nil when the call returns
/// CI8_OK and every output equals the reference, else what went wrong.
func gemmProblem(_ x: [UInt8], _ w: [Int8], _ p: Packed, m: Int, path: Int32) -> String? {
    let (rc, y) = gemmS32(x, p, m: m, path: path)
    if rc != ok { return "return code \(rc)" }
    return mismatch(y, referenceS32(x, w, m: m, n: p.n, k: p.k))
}

func mismatch<T: Equatable>(_ got: [T], _ want: [T]) -> String? {
    if got.count != want.count { return "count \(got.count) != \(want.count)" }
    var first = -1, n = 0
    for i in got.indices where got[i] != want[i] {
        if first < 0 { first = i }
        n += 1
    }
    return n == 0 ? nil : "\(n) of \(got.count) differ; first at \(first): \(got[first]) != \(want[first])"
}
