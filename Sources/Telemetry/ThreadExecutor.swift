import Foundation

/// Runs the metrics server's tasks on a thread of its own, not on Swift's cooperative pool:
/// `MetricsServer.init` waits for the server to bind, and a caller that is itself on the
/// pool (with every pool thread busy, as in a loaded test run on 2 cores) would otherwise
/// wait for a task that never gets a thread.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        // The thread keeps the executor alive; it idles once its server has stopped (one per server).
        let thread = Thread { self.serve() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
