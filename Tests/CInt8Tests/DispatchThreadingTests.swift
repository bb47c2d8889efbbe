// Path forcing (CONDENSE_INT8_PATH, ci8_set_path), thread settings, multithreaded == single-threaded, concurrent callers.
import CInt8
import Foundation
import TestSupport
import Testing

/// These tests change process-wide settings, so they run one at a time; every other test passes an explicit config.
@Suite("CInt8 dispatch and threads", .serialized)
struct DispatchThreadingTests {
    static func checkDefaultPathComputes(_ label: String) {
        var rng = SplitMix64(seed: 99)
        let (m, n, k) = (5, 65, 37)
        let w = randomWeights(n, k, &rng)
        let x = randomActs(m, k, &rng)
        let p = Packed(w, n: n, k: k)
        var y = [Int32](repeating: 0, count: m * n)
        #expect(ci8_gemm_s32(x, m, k, p.ptr, &y, n, nil) == ok)
        #expect(mismatch(y, referenceS32(x, w, m: m, n: n, k: k)) == nil, "\(label)")
    }

    @Test("CONDENSE_INT8_PATH forces each supported path, and reports unsupported or unknown names")
    func envForcing() {
        let saved = getenv("CONDENSE_INT8_PATH").map { String(cString: $0) }
        defer {
            if let saved { setenv("CONDENSE_INT8_PATH", saved, 1) } else { unsetenv("CONDENSE_INT8_PATH") }
            _ = ci8_reload_env()
        }
        let best = ci8_best_path_id()
        for path in allPaths {
            setenv("CONDENSE_INT8_PATH", pathName(path), 1)
            let active = ci8_reload_env()
            if ci8_path_supported(path) != 0 {
                #expect(active == path)
                #expect(ci8_path_forcing_failed() == 0)
                #expect(String(cString: ci8_path_info()).hasPrefix(pathName(path)))
                Self.checkDefaultPathComputes("env \(pathName(path))")
            } else {
                #expect(active == best)
                #expect(ci8_path_forcing_failed() == 1)
            }
        }
        setenv("CONDENSE_INT8_PATH", "avx9000", 1)
        #expect(ci8_reload_env() == best)
        #expect(ci8_path_forcing_failed() == 1)
        unsetenv("CONDENSE_INT8_PATH")
        #expect(ci8_reload_env() == best)
        #expect(ci8_path_forcing_failed() == 0)
    }

    @Test("ci8_set_path forces each supported path and refuses others")
    func setterForcing() {
        defer { _ = ci8_set_path(CI8_PATH_DEFAULT.rawValue) }
        for path in allPaths {
            let before = ci8_active_path()
            let rc = ci8_set_path(path)
            if ci8_path_supported(path) != 0 {
                #expect(rc == ok)
                #expect(ci8_active_path() == path)
                Self.checkDefaultPathComputes("setter \(pathName(path))")
            } else {
                #expect(rc == Int32(CI8_EUNSUPPORTED))
                #expect(ci8_active_path() == before)
            }
        }
        #expect(ci8_set_path(42) == Int32(CI8_EUNSUPPORTED))
        #expect(ci8_set_path(CI8_PATH_DEFAULT.rawValue) == ok)
        #expect(ci8_active_path() == ci8_best_path_id())
        #expect(String(cString: ci8_best_path()) == pathName(ci8_best_path_id()))
    }

    @Test("CONDENSE_THREADS and ci8_set_threads set the thread count; the default is the online CPU count")
    func threadSettings() {
        let saved = getenv("CONDENSE_THREADS").map { String(cString: $0) }
        defer {
            if let saved { setenv("CONDENSE_THREADS", saved, 1) } else { unsetenv("CONDENSE_THREADS") }
            _ = ci8_reload_env()
            ci8_set_threads(0)
        }
        unsetenv("CONDENSE_THREADS")
        _ = ci8_reload_env()
        ci8_set_threads(0)
        #expect(ci8_get_threads() == Int32(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        setenv("CONDENSE_THREADS", "3", 1)
        _ = ci8_reload_env()
        #expect(ci8_get_threads() == 3)
        ci8_set_threads(5)
        #expect(ci8_get_threads() == 5)
        Self.checkDefaultPathComputes("5 threads")
        ci8_set_threads(0)
        #expect(ci8_get_threads() == 3)
        setenv("CONDENSE_THREADS", "zero", 1)
        _ = ci8_reload_env()
        #expect(ci8_get_threads() == Int32(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

@Suite("CInt8 threading results")
struct ThreadingResultTests {
    @Test("multithreaded results equal single-threaded bit for bit", arguments: supportedPaths)
    func threadsBitIdentical(path: Int32) {
        var rng = SplitMix64(seed: 0x7 ^ UInt64(path))
        let (m, n, k) = (130, 300, 777)
        let w = randomWeights(n, k, &rng)
        let p = Packed(w, n: n, k: k)
        let x = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let xu = randomActs(m, k, &rng)
        let sw = (0..<n).map { _ in Float.random(in: 0.001...0.01, using: &rng) }
        func run(_ threads: Int32) -> ([Float], [Int32]) {
            var y = [Float](repeating: .nan, count: m * n)
            let rc = withConfig(path: path, threads: threads) { cfg in
                ci8_linear_dynamic(x, m, k, p.ptr, sw, nil, Int32(CI8_ACT_GELU.rawValue), &y, n, nil, cfg)
            }
            #expect(rc == ok)
            return (y, gemmS32(xu, p, m: m, path: path, threads: threads).1)
        }
        let one = run(1)
        #expect(mismatch(one.1, referenceS32(xu, w, m: m, n: n, k: k)) == nil)
        for t: Int32 in [2, 3, 7] {
            let many = run(t)
            #expect(mismatch(many.0, one.0) == nil, "threads \(t)")
            #expect(mismatch(many.1, one.1) == nil, "threads \(t)")
        }
    }

    @Test("concurrent callers get correct results")
    func concurrentCallers() {
        let path = ci8_best_path_id()
        var rng = SplitMix64(seed: 31)
        let (n, k) = (200, 300)
        let w = randomWeights(n, k, &rng)
        let p = Packed(w, n: n, k: k)
        let inputs = (0..<8).map { i in randomActs(1 + 9 * i, k, &rng) }
        let refs = inputs.enumerated().map { i, x in referenceS32(x, w, m: 1 + 9 * i, n: n, k: k) }
        let lock = NSLock()
        var mismatches = 0
        DispatchQueue.concurrentPerform(iterations: 32) { it in
            let i = it % 8
            let (rc, y) = gemmS32(inputs[i], p, m: 1 + 9 * i, path: path, threads: 2)
            if rc != ok || y != refs[i] {
                lock.lock()
                mismatches += 1
                lock.unlock()
            }
        }
        #expect(mismatches == 0)
    }

    @Test("ci8_parallel_for runs every task exactly once, for any task and thread count, nested calls included")
    func parallelForCoversEveryTask() {
        // counts[i] is written only by task i (the documented contract), so a lost or repeated task shows as ≠ 1.
        for n in [0, 1, 2, 3, 17, 1000] {
            for threads: Int32 in [0, 1, 2, 3, 40] {
                let counts = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
                counts.initialize(repeating: 0, count: max(n, 1))
                defer { counts.deallocate() }
                ci8_parallel_for(n, threads, { ctx, i in
                    let c = ctx!.assumingMemoryBound(to: Int32.self)
                    c[i] += 1
                    // a call from inside a task runs on the calling thread alone, and must not deadlock
                    if i == 0 { ci8_parallel_for(1, 2, { _, _ in }, nil) }
                }, counts)
                let wrong = (0..<n).filter { counts[$0] != 1 }
                #expect(wrong.isEmpty, "n \(n) threads \(threads): tasks \(wrong.prefix(5)) ran \(wrong.prefix(5).map { counts[$0] }) times")
            }
        }
    }

    @Test("bad arguments are refused with the documented codes")
    func badArguments() {
        var err: Int32 = 0
        let w: [Int8] = [1, -128, 3, 4]
        #expect(ci8_pack_weights(w, 1, 4, 4, &err) == nil)
        #expect(err == Int32(CI8_ERANGE))
        #expect(ci8_pack_weights(w, 0, 4, 4, &err) == nil)
        #expect(err == Int32(CI8_EINVAL))
        #expect(ci8_pack_weights(w, 1, 4, 3, &err) == nil)
        #expect(err == Int32(CI8_EINVAL))
        let big = [Int8](repeating: 1, count: Int(CI8_MAX_K) + 1)
        #expect(ci8_pack_weights(big, 1, big.count, big.count, &err) == nil)
        #expect(err == Int32(CI8_ERANGE))
        let p = Packed([1, 2, 3, 4, 5, 6], n: 2, k: 3)
        let x: [UInt8] = [1, 2, 3]
        var y = [Int32](repeating: 0, count: 2)
        #expect(ci8_gemm_s32(x, 1, 2, p.ptr, &y, 2, nil) == Int32(CI8_EINVAL)) // ldx < K
        #expect(ci8_gemm_s32(x, 1, 3, p.ptr, &y, 1, nil) == Int32(CI8_EINVAL)) // ldy < N
        #expect(ci8_gemm_s32(x, 0, 3, p.ptr, &y, 2, nil) == Int32(CI8_EINVAL)) // M = 0
        let bad = withConfig(path: 42, threads: 1) { cfg in ci8_gemm_s32(x, 1, 3, p.ptr, &y, 2, cfg) }
        #expect(bad == Int32(CI8_EUNSUPPORTED))
        var yf = [Float](repeating: 0, count: 2)
        let xf: [Float] = [0.5, -1, 2]
        let sw: [Float] = [1, 1]
        #expect(ci8_linear_static(xf, 1, 3, p.ptr, 0, sw, nil, 0, &yf, 2, nil) == Int32(CI8_EINVAL))
        #expect(ci8_linear_dynamic(xf, 1, 3, p.ptr, sw, nil, 9, &yf, 2, nil, nil) == Int32(CI8_EINVAL))
    }

    @Test("measurement helpers run (tiny sizes; numbers are not checked)")
    func measurementSmoke() {
        if ci8_path_supported(CI8_PATH_AVX512VNNI.rawValue) != 0 {
            #expect(ci8_vnni_peak_gops(1000, 1) > 0)
        }
        var cfg = ci8_config(path: CI8_PATH_DEFAULT.rawValue, threads: 1)
        #expect(ci8_bench_gemm(3, 40, 70, 1, 1, &cfg) > 0)
    }
}
