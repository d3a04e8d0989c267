import Foundation

/// Finds `count` consecutive free TCP ports on loopback for a cluster run (benchmarks, tests).
public enum FreePorts {
    /// A base port p with p…p+count-1 all bindable right now (tried by binding each one).
    /// The default range stays below Linux's ephemeral ports (32768…), which outgoing
    /// connections take at any moment.
    public static func find(count: Int = 4, range: ClosedRange<Int> = 20_000...32_000) throws -> Int {
        let context = ZMQContext()
        return try withExtendedLifetime(context) {
            for _ in 0..<50 {
                let base = Int.random(in: range.lowerBound...(range.upperBound - count))
                if bindable(context, base, count) { return base }
            }
            throw ZMQError(call: "finding \(count) consecutive free ports in \(range) (50 tries)", errno: EADDRINUSE)
        }
    }

    private static func bindable(_ context: ZMQContext, _ base: Int, _ count: Int) -> Bool {
        var held: [ZMQSocket] = []
        defer { held.removeAll() }
        for p in base..<(base + count) {
            guard let s = try? ZMQSocket(context, .pull), (try? s.bind("tcp://127.0.0.1:\(p)")) != nil else { return false }
            held.append(s)
        }
        return true
    }
}
