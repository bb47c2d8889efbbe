// FloatBounds: derived float32 rounding-error bounds that the tests use as tolerances, so each derivation is written once.
import Foundation

/// Rounding-error bounds for float32 arithmetic, from the standard model fl(a ∘ b) = (a ∘ b)(1 + δ), |δ| ≤ u.
///
/// Why the tests need them: the order of a float32 reduction is not a property of the code alone. OpenBLAS picks its
/// sgemm kernel from the CPU (Haswell, Zen, SkylakeX, Cooperlake, … each blocks and vectorizes K differently), SIMD
/// widths change where partial sums split, and thread counts change who sums which rows. A tolerance that is a
/// constant which happened to pass on one machine fails on the next. Every bound below holds for every summation
/// order, so a test that uses one passes on any x86-64 CPU.
///
/// A test states its tolerance as one of these bounds times the magnitude of the values it compares, and says, beside
/// it, why the bound is still far below the size of the error the test is there to catch.
public enum FloatBounds {
    /// Unit roundoff of float32 with round-to-nearest: u = 2⁻²⁴ ≈ 5.96e-8 (half of Float.ulpOfOne).
    public static let u: Double = 0x1p-24

    /// γ_n = n·u / (1 − n·u), the worst-case relative error of n chained float32 roundings.
    /// A float32 sum of n + 1 terms, in any order and any blocking, lies within γ_n·Σ|terms| of the exact sum; a dot
    /// product of length n (n products, n − 1 sums) lies within γ_n·Σ|a_i·b_i| (a fused multiply-add only removes
    /// roundings, so the bound covers FMA kernels too). Higham, "Accuracy and Stability of Numerical Algorithms",
    /// 2nd ed., §3.1.
    public static func gamma(_ n: Int) -> Double {
        let nu = Double(max(n, 0)) * u
        precondition(nu < 1, "γ_n is undefined for n·u ≥ 1 (n = \(n))")
        return nu / (1 - nu)
    }

    /// Worst case |fl(Σ a_i·b_i) − Σ a_i·b_i| for a float32 dot product of `length` terms whose products have
    /// absolute sum `absSum` = Σ|a_i·b_i| (any order). For a plain sum, pass the terms' absolute sum.
    public static func dot(length: Int, absSum: Double) -> Double { gamma(length) * absSum }

    /// Two float32 evaluations of the same reduction in different orders (two BLAS kernels, two thread splits, a
    /// gemv against a gemm) each lie within `dot(length:absSum:)` of the exact value, so they differ by at most twice it.
    public static func twoOrders(length: Int, absSum: Double) -> Double { 2 * dot(length: length, absSum: absSum) }

    /// Probabilistic γ̃_n(λ) = exp(λ·√n·u + n·u²/(1 − u)) − 1 ≈ λ·√n·u.
    /// If the rounding errors are independent with mean zero (the model of Higham & Mary, "A new approach to
    /// probabilistic rounding error analysis", SIAM J. Sci. Comput. 41(5), 2019), a dot product of length n lies
    /// within γ̃_n(λ)·Σ|a_i·b_i| of the exact value except with probability at most 2n·exp(−λ²(1 − u)²/2); for the
    /// default λ = 8 that is below 3e-14 per term, so a test that checks a million outputs fails spuriously with
    /// probability below 1e-7. Use it where the worst case, linear in n, is too loose to catch anything.
    public static func probableGamma(_ n: Int, lambda: Double = 8) -> Double {
        let n = Double(max(n, 0))
        return Foundation.exp(lambda * n.squareRoot() * u + n * u * u / (1 - u)) - 1
    }

    /// A float32 network forward against the exact function, as a fraction of the output scale max|y|.
    ///
    /// First-order model: each of `reductions` float32 reductions on the longest path from input to output (every
    /// linear layer, attention's q·k and p·v, a LayerNorm's mean and variance count as one each) has length ≤ `length`
    /// and injects an error ≤ γ̃_K(λ)·Σ|terms|. With weights of random sign, as every fixture has, a reduction's
    /// Σ|terms| is about √K times the scale of its result (a sum of K signed terms grows like √K, their absolute sum
    /// like K), so each injects ≤ γ̃_K(λ)·√K of its output's scale. The layers after it carry that error with a gain of
    /// about one relative to their own output's scale: the fixtures' weights are N(0, 1/K)-like (they preserve scale),
    /// and LayerNorm rescales error and signal alike. The injected errors add, so the bound is reductions·γ̃_K(λ)·√K.
    /// Errors that matter in such tests (a wrong unit kept, a wrong layer, a formula slip) change logits by a sizeable
    /// fraction of their scale, which each test compares against this bound.
    public static func forward(reductions: Int, length: Int, lambda: Double = 8) -> Double {
        Double(reductions) * probableGamma(length, lambda: lambda) * Double(max(length, 1)).squareRoot()
    }

    /// A float32 softmax p_j = e_j / Σe, e_j = exp(z_j − max z), of exact inputs `z`, first order: z_j − m rounds
    /// (u·|z_j − m|, which exp turns into a relative error), the exp adds ≤ `expError` relative, the positive sum adds
    /// γ_n to the e-weighted mean of those errors, and 1/Σ and the product add 2u. Returns the exact p, each p_j's
    /// relative error bound, and Σe's relative error bound (what a log-sum-exp inherits).
    public static func softmax(_ z: [Double], expError: Double) -> (p: [Double], relative: [Double], sumRelative: Double) {
        guard let m = z.max() else { return ([], [], 0) }
        let e = z.map { Foundation.exp($0 - m) }, s = e.reduce(0, +)
        let expErr = z.map { u * abs($0 - m) + expError }
        let sumErr = gamma(z.count) + zip(e, expErr).reduce(0.0) { $0 + $1.0 / s * $1.1 }
        return (e.map { $0 / s }, expErr.map { $0 + sumErr + 2 * u }, sumErr)
    }

    /// A float32 log-sum-exp logZ = m + log Σ exp(z − m) of exact inputs, as an absolute bound: Σ's relative error
    /// (from `softmax`) becomes an absolute one in log, the log itself is within 1 ulp (2u·|log Σ|), and m + log Σ
    /// rounds once (u·|logZ|).
    public static func logSumExp(_ z: [Double], expError: Double) -> Double {
        guard let m = z.max() else { return 0 }
        let logS = Foundation.log(z.reduce(0) { $0 + Foundation.exp($1 - m) })
        return softmax(z, expError: expError).sumRelative + 2 * u * abs(logS) + u * abs(m + logS)
    }

    /// The reductions on the longest path of a nanoGPT forward, for `forward(reductions:length:)`: per block ln_1,
    /// c_attn, q·k, p·v, c_proj, ln_2, c_fc, c_proj (8), then ln_f and lm_head. Their longest length is
    /// max(n_embd, n_head·head_dim, ffn_hidden, T).
    public static func gptReductions(layers: Int) -> Int { 8 * layers + 2 }

    /// max_i |a_i − b_i| / max_i |b_i|: the largest error of `a` against the reference `b`, in units of the reference's
    /// scale (the form `forward(reductions:length:)` bounds). A reference that is all zero gives the absolute error.
    public static func maxErrorOverScale(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
        let scale = b.reduce(0.0) { max($0, Double(abs($1))) }
        let worst = zip(a, b).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) }
        return scale > 0 ? worst / scale : worst
    }

    /// Σ|a_i·b_i| in Double: the magnitude that `dot(length:absSum:)` scales by.
    public static func absDot<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double
    where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
        zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
    }
}
