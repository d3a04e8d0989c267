import Foundation

/// Emulated machines' network: each machine a Linux network namespace of its own, joined
/// to one bridge by a veth pair whose two ends are shaped with `tc tbf` to the link's rate
/// (so a machine sends and receives at most that). Needs root and iproute2. No latency is
/// added: this needs `netem`, which the VMs' kernels lack, so links are as fast as veth
/// otherwise (tens of microseconds).
public final class EmulatedNetwork: @unchecked Sendable {
    public let machines: Int
    public let megabitsPerSecond: Int
    private let prefix: String
    private let subnet: String
    private var made: [String] = []

    public enum Failure: Error, CustomStringConvertible {
        case unavailable(String)
        case command(String, String)
        public var description: String {
            switch self {
            case let .unavailable(why): return "emulated networks are unavailable: \(why)"
            case let .command(cmd, out): return "`\(cmd)` failed: \(out)"
            }
        }
    }

    /// Machine `i`'s address on the bridge.
    public func address(of i: Int) -> String { "\(subnet).\(i + 2)" }
    /// The namespace machine `i` runs in.
    public func namespace(of i: Int) -> String { "\(prefix)-\(i)" }
    /// `argv` run on machine `i`.
    public func command(on i: Int, _ argv: [String]) -> [String] { ["/usr/sbin/ip", "netns", "exec", namespace(of: i)] + argv }

    /// `machines` namespaces with links of `megabitsPerSecond`, named after this process; removed
    /// again by `remove()`. What a process that died left behind (its pid is in the names) is
    /// removed first, so a killed bench's bridge cannot shadow this one's subnet.
    public init(machines: Int, megabitsPerSecond: Int) throws {
        guard getuid() == 0 else { throw Failure.unavailable("network namespaces and tc need root") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), FileManager.default.isExecutableFile(atPath: "/usr/sbin/tc") else {
            throw Failure.unavailable("ip and tc (iproute2) are not installed")
        }
        Self.removeLeftovers()
        let pid = Int(getpid())
        self.machines = machines
        self.megabitsPerSecond = megabitsPerSecond
        prefix = "nr\(pid)"  // "nr" + a pid of up to 7 digits + "-63h" fits a 15-character interface name
        subnet = "10.213.\(pid % 250)"
        do { try build() } catch {
            remove()
            throw error
        }
    }

    private var bridge: String { prefix + "br" }

    private func build() throws {
        try Self.run(["link", "add", bridge, "type", "bridge"])
        made.append("link:" + bridge)
        try Self.run(["addr", "add", "\(subnet).1/24", "dev", bridge])
        try Self.run(["link", "set", bridge, "up"])
        for i in 0..<machines { try addMachine(i) }
    }

    private func addMachine(_ i: Int) throws {
        let ns = namespace(of: i), host = "\(prefix)-\(i)h", inside = "\(prefix)-\(i)c"
        try Self.run(["netns", "add", ns])
        made.append("netns:" + ns)
        try Self.run(["link", "add", host, "type", "veth", "peer", "name", inside])
        made.append("link:" + host)
        try Self.run(["link", "set", inside, "netns", ns])
        try Self.run(["link", "set", host, "master", bridge, "up"])
        try Self.run(["-n", ns, "addr", "add", "\(address(of: i))/24", "dev", inside])
        try Self.run(["-n", ns, "link", "set", inside, "up"])
        try Self.run(["-n", ns, "link", "set", "lo", "up"])
        // Both directions shaped: what the machine sends (inside) and what it receives (host side).
        let shape = ["root", "tbf", "rate", "\(megabitsPerSecond)mbit", "burst", "256kb", "latency", "50ms"]
        try Self.run(["-n", ns, "qdisc", "add", "dev", inside] + shape, tool: "/usr/sbin/tc")
        try Self.run(["qdisc", "add", "dev", host] + shape, tool: "/usr/sbin/tc")
    }

    /// Deletes the namespaces and links (what was made, in reverse).
    public func remove() {
        for item in made.reversed() {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            _ = try? Self.run(parts[0] == "netns" ? ["netns", "delete", parts[1]] : ["link", "delete", parts[1]])
        }
        made = []
    }

    /// Deletes the namespaces and links that `EmulatedNetwork`s of processes no longer running
    /// left behind; returns their names.
    @discardableResult
    public static func removeLeftovers() -> [String] {
        func owner(_ name: String) -> Int32? {  // "nr<pid>-<i>", "nr<pid>-<i>h" or "nr<pid>br"
            guard name.hasPrefix("nr") else { return nil }
            let digits = name.dropFirst(2).prefix { $0.isNumber }
            let rest = name.dropFirst(2 + digits.count)
            guard let pid = Int32(digits), rest == "br" || rest.hasPrefix("-") else { return nil }
            return pid
        }
        func dead(_ name: String) -> Bool {
            guard let pid = owner(name) else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        var removed: [String] = []
        // `ip netns list` prints "name" or "name (id: n)"; `ip -o link` prints "n: name[@peer]: …".
        let spaces = ((try? run(["netns", "list"])) ?? "").split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        for ns in spaces where dead(ns) && (try? run(["netns", "delete", ns])) != nil { removed.append(ns) }
        let links = ((try? run(["-o", "link", "show"])) ?? "").split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: ":", maxSplits: 2)
            guard fields.count >= 2 else { return nil }
            return fields[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init)
        }
        for link in links where dead(link) && (try? run(["link", "delete", link])) != nil { removed.append(link) }
        return removed
    }

    @discardableResult
    static func run(_ args: [String], tool: String = "/usr/sbin/ip") throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failure.command(([tool] + args).joined(separator: " "), out) }
        return out
    }
}
