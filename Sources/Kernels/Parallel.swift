import Foundation

/// Splits work into contiguous chunks and runs them on all cores.
///
/// Element-wise kernels are memory-bound and cheap per element, so the work is
/// cut into at most `Parallel.threads` pieces; tiny ranges run inline to avoid
/// the dispatch cost. Inside a `partition` piece every kernel runs inline on its
/// thread: the pieces already keep the cores busy.
///
/// The worker count is not a global: a caller that wants fewer (an actor sharing the
/// machine, the learner beside its actors) runs its work inside `with(threads:)`, which
/// sets it for the calling thread until the closure returns.
public enum Parallel {
    /// This machine's cores: the worker count outside any `with(threads:)`.
    public static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// Worker count for kernels called on this thread (BLAS keeps its own threads).
    public static var threads: Int {
        let n = Int(bitPattern: pthread_getspecific(threadsKey))
        return n > 0 ? n : cores
    }

    /// Runs `body` with kernels called on this thread using `threads` workers.
    public static func with<T>(threads n: Int, _ body: () throws -> T) rethrows -> T {
        let outer = pthread_getspecific(threadsKey)
        pthread_setspecific(threadsKey, UnsafeRawPointer(bitPattern: max(n, 1)))
        defer { pthread_setspecific(threadsKey, outer) }
        return try body()
    }

    /// Workers a kernel may use from here: 1 inside a `partition` piece.
    @inline(__always)
    public static var available: Int { pthread_getspecific(partitionKey) == nil ? threads : 1 }

    @inline(__always)
    public static func forChunks(_ count: Int, minChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
        let pieces = min(available, max(1, count / minChunk))
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

    /// Runs `body` once per range, each on its own core, with the kernels it calls kept
    /// on that core. For work that splits into independent pieces end to end (the
    /// sampler's rows through every layer), one hand-off per call instead of one per kernel.
    public static func partition(_ ranges: [Range<Int>], _ body: (Range<Int>) -> Void) {
        if ranges.count <= 1 {
            ranges.first.map(body)
            return
        }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { i in
            let outer = pthread_getspecific(partitionKey)
            pthread_setspecific(partitionKey, insidePartition)
            defer { pthread_setspecific(partitionKey, outer) }
            body(ranges[i])
        }
    }

    /// Splits `0..<count` into at most `threads` near-equal ranges, cutting only where
    /// `canCut(i)` allows a range to start at i.
    public static func ranges(_ count: Int, canCut: (Int) -> Bool = { _ in true }) -> [Range<Int>] {
        let pieces = min(available, count)
        guard pieces > 1 else { return count > 0 ? [0..<count] : [] }
        var out: [Range<Int>] = []
        var lo = 0
        for p in 1..<pieces {
            var cut = max(lo, count * p / pieces)
            while cut < count && !canCut(cut) { cut += 1 }
            if cut > lo && cut < count { out.append(lo..<cut); lo = cut }
        }
        out.append(lo..<count)
        return out
    }
}

private let partitionKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
private let insidePartition = UnsafeRawPointer(bitPattern: 1)
private let threadsKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
