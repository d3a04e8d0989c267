import Foundation

/// A FIFO between threads: the broker thread puts, the training thread takes.
final class BlockingQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private let condition = NSCondition()

    func put(_ x: Element) {
        condition.lock()
        items.append(x)
        condition.signal()
        condition.unlock()
    }

    /// The oldest item, waiting at most `timeout` seconds.
    func take(timeout: Double) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while items.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        return items.removeFirst()
    }

    var count: Int { condition.lock(); defer { condition.unlock() }; return items.count }
}
