import Foundation
import Testing

/// Runs the built `nanoreasoner` binary as real processes: the cluster tests exercise
/// exactly what a user launches.
enum Harness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The release binary (`make test` builds it first), else the debug one.
    static var binary: String? {
        ["release", "debug"].map { "\(root)/.build/\($0)/nanoreasoner" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A tiny base policy (1 layer, width 32, 40 steps), made once per test run.
    static let tinyBase: String? = {
        guard let bin = binary else { return nil }
        let dir = NSTemporaryDirectory() + "nanoreasoner-tiny-base-\(getpid())"
        let p = Child(bin, ["pretrain", "--out", dir, "--steps", "40", "--layers", "1", "--heads", "2", "--width", "32",
                            "--batch-size", "16", "--save-every", "1000"])
        return p.waitExit(timeout: 300) == 0 ? dir : nil
    }()

    /// A base port nobody else in this test run uses (four ports from it).
    static func freshPort() -> Int {
        portLock.lock(); defer { portLock.unlock() }
        nextPort += 4
        return nextPort
    }
    private static let portLock = NSLock()
    // Below Linux's ephemeral range (32768…60999), where the workers' own outgoing
    // connections take their ports: a base port there was sometimes taken already.
    nonisolated(unsafe) private static var nextPort = 20_000 + Int(getpid() % 700) * 16

    /// Overrides for a small, quick run against the tiny base.
    static func smallRun(out: String, port: Int, steps: Int) -> [String] {
        ["run.init_from=\(tinyBase!)", "run.out=\(out)", "cluster.base_port=\(port)", "algorithm.steps=\(steps)",
         "algorithm.prompts_per_step=4", "algorithm.group_size=4", "algorithm.max_new_tokens=24",
         "algorithm.dynamic_sampling=false", "eval.final_problems=16", "eval.samples=4", "eval.final_samples=4", "cluster.actor_batch=2",
         "cluster.max_in_flight=8", "cluster.worker_timeout=2", "cluster.heartbeat_interval=0.25", "run.checkpoint_every=2"]
            .flatMap { ["--set", $0] }
    }

    /// Runs a test script; nil (after saying why, as a known issue) when it exits 77: it
    /// needs root or something this machine cannot have, and a skip must not pass silently.
    static func script(_ what: String, _ arguments: [String], timeout: Double = 300) -> (status: Int32?, child: Child)? {
        let c = Child("/bin/bash", arguments)
        let status = c.waitExit(timeout: timeout)
        guard status == 77 else { return (status, c) }
        print("\(what) skipped: \(c.output.split(separator: "\n").first ?? "")")
        withKnownIssue("\(what) unavailable: \(c.output)") { throw SkipError() }
        return nil
    }

    static func tempDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "nanoreasoner-\(name)-\(getpid())-\(UUID().uuidString.prefix(6))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}

/// A child process whose merged output can be waited on line by line.
final class Child: @unchecked Sendable {
    let process = Process()
    private let condition = NSCondition()
    private var lines: [String] = []
    private var partial = Data()
    /// The output pipe reached its end: every line is in.
    private var exited = false
    /// The process itself ended (a grandchild that inherited the pipe can hold its end open longer).
    private var terminated = false

    /// Collects stdout and stderr as lines, or only stderr when `stdoutTo` names a file for stdout.
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdoutTo: String? = nil) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: Harness.root)
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let pipe = Pipe()
        if let stdoutTo, FileManager.default.createFile(atPath: stdoutTo, contents: nil),
           let file = FileHandle(forWritingAtPath: stdoutTo) {
            process.standardOutput = file
        } else {
            process.standardOutput = pipe
        }
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [self] h in
            let chunk = h.availableData
            condition.lock()
            if chunk.isEmpty {
                h.readabilityHandler = nil
                if !partial.isEmpty { lines.append(String(decoding: partial, as: UTF8.self)) }
                exited = true
            } else {
                partial.append(chunk)
                while let nl = partial.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.append(String(decoding: partial[partial.startIndex..<nl], as: UTF8.self))
                    partial.removeSubrange(partial.startIndex...nl)
                }
            }
            condition.broadcast()
            condition.unlock()
        }
        process.terminationHandler = { [self] _ in
            condition.lock()
            terminated = true
            condition.broadcast()
            condition.unlock()
        }
        do { try process.run() } catch { (exited, terminated) = (true, true); lines.append("cannot start: \(error)") }
    }

    var pid: Int32 { process.processIdentifier }
    var output: String { condition.lock(); defer { condition.unlock() }; return lines.joined(separator: "\n") }

    /// The first line containing `text`, waiting at most `timeout` seconds for it.
    @discardableResult
    func waitFor(_ text: String, timeout: Double) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let l = lines.first(where: { $0.contains(text) }) { return l }
            if exited || !condition.wait(until: deadline) { return lines.first { $0.contains(text) } }
        }
    }

    /// The first line `matches`, waiting at most `timeout` seconds for it.
    func waitForLine(timeout: Double, where matches: (String) -> Bool) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let l = lines.first(where: matches) { return l }
            if exited || !condition.wait(until: deadline) { return nil }
        }
    }

    /// The first line containing `text` that comes after the first line containing `marker`.
    @discardableResult
    func waitFor(_ text: String, after marker: String, timeout: Double) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let m = lines.firstIndex(where: { $0.contains(marker) }),
               let l = lines[(m + 1)...].first(where: { $0.contains(text) }) { return l }
            if exited || !condition.wait(until: deadline) { return nil }
        }
    }

    /// The exit status (128+signal when killed), or nil if still running after `timeout`.
    func waitExit(timeout: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while !terminated && !exited && condition.wait(until: deadline) {}
        // Then the rest of the output, but not for the whole timeout: a process the child
        // started may still hold the pipe (a test once waited out its 300 s that way).
        let drained = min(deadline, Date(timeIntervalSinceNow: 5))
        while !exited && condition.wait(until: drained) {}
        condition.unlock()
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Whether a process id is still alive (not reaped and not a zombie).
func processAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return !stat.contains(") Z ")
}

/// Waits until none of `pids` is alive, at most `timeout` seconds.
func waitGone(_ pids: [Int32], timeout: Double) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if !pids.contains(where: processAlive) { return true }
        usleep(20_000)
    }
    return !pids.contains(where: processAlive)
}
