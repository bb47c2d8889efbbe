// BLAS: thin row-major sgemm and sgemv wrappers over OpenBLAS, and control of OpenBLAS's thread count.
import CBLAS
import Foundation

public enum BLAS {
    /// C (m,n) = alpha·op(A)·op(B) + beta·C, all row-major. op(A) is (m,k), op(B) is (k,n).
    /// A is stored (m,k) with leading dimension lda ≥ k, or (k,m) with lda ≥ m when transA.
    /// B is stored (k,n) with ldb ≥ n, or (n,k) with ldb ≥ k when transB. ldc ≥ n.
    /// beta = 0 overwrites C (C may then hold garbage, even NaN); beta = 1 accumulates.
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {  // op(A)·op(B) is zero: C = beta·C (OpenBLAS rejects some k = 0 calls)
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 { for j in 0..<n { row[j] *= beta } }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The sgemm above with tight (packed) leading dimensions.
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float = 0, c: UnsafeMutablePointer<Float>
    ) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
              a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: beta, c: c, ldc: n)
    }

    /// y = alpha·op(A)·x + beta·y, row-major A stored (m,n) with lda ≥ n. op(A) = A: x has n entries, y m;
    /// op(A) = Aᵀ when trans: x has m entries, y n. beta = 0 overwrites y.
    @inline(__always)
    public static func sgemv(trans: Bool = false, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        let ylen = trans ? n : m
        if ylen == 0 { return }
        if (trans ? m : n) == 0 {
            if beta == 0 { y.update(repeating: 0, count: ylen) } else { Ops.scale(y, beta, ylen) }
            return
        }
        cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                    x, 1, beta, y, 1)
    }

    /// OpenBLAS's worker-thread count (process-wide).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Runs body with OpenBLAS limited to n threads, then restores the count that held before the outermost
    /// such call. Use around code that parallelises itself, so BLAS calls inside do not oversubscribe the cores.
    /// Safe to nest and to call from several threads at once (the count is process-wide: the innermost n wins).
    public static func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        lock.lock()
        if depth == 0 { saved = threads }
        depth += 1
        threads = n
        lock.unlock()
        defer {
            lock.lock()
            depth -= 1
            if depth == 0 { threads = saved }
            lock.unlock()
        }
        return try body()
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0
    nonisolated(unsafe) private static var saved = 1
}
