import Foundation

/// A process's own emulated machine: a Linux cgroup with a CPU quota (v1 `cpu.cfs_quota_us`
/// or v2 `cpu.max`, whichever the kernel mounts), so one host can stand in for a cluster of
/// small machines. Needs root.
public struct EmulatedMachine: Sendable {
    /// The cgroup's directory.
    public let path: String

    /// The environment a process reads to place itself (learner ranks started by mpirun,
    /// whose pids the launcher never sees): the machines' parent cgroup and each one's CPUs.
    public static let directoryVariable = "NANOREASONER_MACHINES"
    public static let cpusVariable = "NANOREASONER_MACHINE_CPUS"

    public enum Failure: Error, CustomStringConvertible {
        case unavailable(String)
        case write(String, String)
        public var description: String {
            switch self {
            case let .unavailable(why): return "emulated machines are unavailable: \(why)"
            case let .write(path, why): return "cannot write \(path): \(why)"
            }
        }
    }

    /// Where new machines go (a parent cgroup of our own under the cpu controller), or why not.
    public static func parent(named name: String) throws -> String {
        guard getuid() == 0 else { throw Failure.unavailable("CPU quotas through cgroups need root") }
        let fm = FileManager.default
        let root: String
        if fm.fileExists(atPath: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us") || fm.fileExists(atPath: "/sys/fs/cgroup/cpu/cgroup.procs") {
            root = "/sys/fs/cgroup/cpu"  // v1
        } else if let controllers = try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.controllers", encoding: .utf8), controllers.contains("cpu") {
            root = "/sys/fs/cgroup"  // v2: the cpu controller must be on for children
            try? write("+cpu", to: root + "/cgroup.subtree_control")
        } else {
            throw Failure.unavailable("the kernel mounts no cgroup cpu controller (neither /sys/fs/cgroup/cpu nor cgroup v2 with cpu)")
        }
        let dir = root + "/" + name
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard fm.fileExists(atPath: dir + "/cgroup.procs") else { throw Failure.unavailable("cannot create a cgroup at \(dir)") }
        if root == "/sys/fs/cgroup" { try? write("+cpu", to: dir + "/cgroup.subtree_control") }
        return dir
    }

    /// The quota's period: with the kernel's default 100 ms a throttled rank stalls up to 75 ms
    /// at every collective, which real machines of that size would not.
    public static let periodMicroseconds = 10_000

    /// A machine of `cpus` cores (0.25: a quarter of one) under `parent`.
    public static func make(_ name: String, cpus: Double, under parent: String) throws -> EmulatedMachine {
        let path = parent + "/" + name
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let period = periodMicroseconds, quota = max(1_000, Int(cpus * Double(period)))
        if FileManager.default.fileExists(atPath: path + "/cpu.max") {
            try write("\(quota) \(period)", to: path + "/cpu.max")
        } else {
            try write(String(period), to: path + "/cpu.cfs_period_us")
            try write(String(quota), to: path + "/cpu.cfs_quota_us")
        }
        return EmulatedMachine(path: path)
    }

    /// Moves process `pid` (and the threads it starts later) onto this machine.
    public func place(_ pid: Int32) throws { try Self.write(String(pid), to: path + "/cgroup.procs") }

    /// With the environment set (by `launch` for mpirun's ranks), puts this process on a
    /// machine of its own named `name`; nothing otherwise.
    public static func joinFromEnvironment(name: String) throws {
        let env = ProcessInfo.processInfo.environment
        guard let parent = env[directoryVariable], !parent.isEmpty, let cpus = env[cpusVariable].flatMap(Double.init), cpus > 0 else { return }
        try make(name, cpus: cpus, under: parent).place(getpid())
    }

    /// Removes the machines under `parent` and `parent` itself, once their processes have left
    /// (a child the launcher just reaped may still be listed for a moment: up to 2 s).
    public static func remove(parent: String) {
        let fm = FileManager.default
        for _ in 0..<100 {
            for child in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where !child.contains(".") {
                rmdir(parent + "/" + child)
            }
            if rmdir(parent) == 0 || !fm.fileExists(atPath: parent) { return }
            usleep(20_000)
        }
    }

    private static func write(_ text: String, to path: String) throws {
        guard let h = FileHandle(forWritingAtPath: path) else { throw Failure.write(path, "no such file or no permission") }
        defer { try? h.close() }
        do { try h.write(contentsOf: Data(text.utf8)) } catch { throw Failure.write(path, "\(error)") }
    }
}
