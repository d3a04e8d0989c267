import Foundation

/// Runs `count` independent jobs across the cores (used for per-head attention GEMMs,
/// which are too small for BLAS to thread on its own).
public enum DispatchPerform {
    @inline(__always)
    public static func run(_ count: Int, _ body: (Int) -> Void) {
        let workers = min(Parallel.available, count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        let per = (count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * per
            let hi = min(count, lo + per)
            if lo < hi { for i in lo..<hi { body(i) } }
        }
    }
}
