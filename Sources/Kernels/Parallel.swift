import Foundation

/// Splits `0..<count` into contiguous chunks and runs them on all cores.
///
/// Element-wise kernels are memory-bound and cheap per element, so the work is
/// cut into at most `Parallel.threads` pieces; tiny ranges run inline to avoid
/// the dispatch cost.
public enum Parallel {
    /// Worker count for element-wise kernels (BLAS keeps its own threads).
    nonisolated(unsafe) public static var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @inline(__always)
    public static func forChunks(_ count: Int, minChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
        let pieces = min(threads, max(1, count / minChunk))
        if pieces <= 1 {
            body(0..<count)
            return
        }
        let per = (count + pieces - 1) / pieces
        DispatchQueue.concurrentPerform(iterations: pieces) { p in
            let lo = p * per
            let hi = min(count, lo + per)
            if lo < hi { body(lo..<hi) }
        }
    }
}
