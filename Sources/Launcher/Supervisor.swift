import Foundation

/// One child process of a local cluster.
public struct ChildSpec: Sendable {
    public var name: String
    public var arguments: [String]
    /// Restart it when it dies (actors and verifiers); the learner's exit ends the run.
    public var restartable: Bool
    /// What to run instead of the supervisor's executable (`mpirun` for a learner of several ranks).
    public var executable: String?
    /// Variables added to its environment.
    public var environment: [String: String] = [:]
    /// The emulated machine it runs on (moved there as soon as it starts; each restart too).
    public var machine: EmulatedMachine?
    public init(name: String, arguments: [String], restartable: Bool, executable: String? = nil) {
        self.name = name; self.arguments = arguments; self.restartable = restartable; self.executable = executable
    }
}

/// Starts the cluster's processes, prefixes their output with their names, restarts
/// crashed workers, and shuts everything down on Ctrl-C, SIGTERM or the learner's exit.
/// Children watch for the launcher's death themselves (`--watch-parent`), so killing
/// the launcher with SIGKILL leaves no orphans.
public final class Supervisor: @unchecked Sendable {
    public let executable: String
    public let specs: [ChildSpec]
    private let output: FileHandle
    private let outputLock = NSLock()
    private var children: [String: Process] = [:]
    private var restarts: [String: Int] = [:]
    private var events: [(name: String, process: Process)] = []
    private let eventLock = NSCondition()
    private var signalled: Int32 = 0
    private var sources: [DispatchSourceSignal] = []
    /// Extra restarts of one worker before the launcher gives up on it.
    public var maxRestarts = 20

    /// `output` takes the prefixed log lines (standard error when stdout carries JSON).
    public init(executable: String, specs: [ChildSpec], output: FileHandle = .standardOutput) {
        self.executable = executable
        self.specs = specs
        self.output = output
    }

    public func say(_ line: String) { emit("launch", line) }

    /// Runs the cluster; returns the learner's exit status.
    public func run() -> Int32 {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { [self] in
                eventLock.lock(); signalled = sig; eventLock.signal(); eventLock.unlock()
            }
            s.resume()
            sources.append(s)
        }
        for spec in specs {
            do { try start(spec) } catch {
                say("cannot start \(spec.name): \(error)")
                shutdown(grace: 2)
                return 1
            }
        }
        var lastStatus = Date()
        while true {
            eventLock.lock()
            while events.isEmpty && signalled == 0 {
                if !eventLock.wait(until: Date(timeIntervalSinceNow: 15)) { break }
            }
            let exited = events
            events.removeAll()
            let sig = signalled
            eventLock.unlock()
            if sig != 0 {
                say("received \(sig == SIGINT ? "SIGINT" : "SIGTERM"): stopping the learner (it writes a checkpoint), then the workers")
                return shutdown(grace: 60)
            }
            for (name, p) in exited {
                guard children[name] === p else { continue }
                children[name] = nil
                let how = p.terminationReason == .uncaughtSignal ? "was killed by signal \(p.terminationStatus)" : "exited with status \(p.terminationStatus)"
                let spec = specs.first { $0.name == name }!
                if !spec.restartable {
                    say("\(name) \(how); stopping the workers")
                    shutdown(grace: 5)
                    return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
                }
                if p.terminationReason == .exit && p.terminationStatus == 0 {
                    say("\(name) finished")  // told to stop by the learner
                    continue
                }
                let n = restarts[name, default: 0] + 1
                restarts[name] = n
                guard n <= maxRestarts else {
                    say("\(name) \(how); it has been restarted \(maxRestarts) times, giving up on it")
                    continue
                }
                say("\(name) \(how); restarting it (restart \(n))")
                Thread.sleep(forTimeInterval: min(0.2 * Double(n), 3))  // back off a crash loop
                do { try start(spec) } catch { say("cannot restart \(name): \(error)") }
            }
            if Date().timeIntervalSince(lastStatus) > 15 {
                lastStatus = Date()
                let live = specs.filter { children[$0.name]?.isRunning == true }.map(\.name)
                say("live: \(live.joined(separator: ", "))" + (restarts.isEmpty ? "" : "; restarts: " + restarts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            }
        }
    }

    public var pids: [String: Int32] { children.mapValues(\.processIdentifier) }

    private func start(_ spec: ChildSpec) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: spec.executable ?? executable)
        p.arguments = spec.arguments
        if !spec.environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(spec.environment) { $1 } }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        let lines = LineBuffer { [self] in emit(spec.name, $0) }
        out.fileHandleForReading.readabilityHandler = { h in
            let chunk = h.availableData
            if chunk.isEmpty { h.readabilityHandler = nil; lines.flush() } else { lines.append(chunk) }
        }
        p.terminationHandler = { [self] proc in
            eventLock.lock(); events.append((spec.name, proc)); eventLock.signal(); eventLock.unlock()
        }
        try p.run()
        try spec.machine?.place(p.processIdentifier)
        children[spec.name] = p
        say("started \(spec.name) (pid \(p.processIdentifier))")
    }

    /// SIGTERM to the learner first, then to the rest; SIGKILL whatever outlives `grace`.
    @discardableResult
    private func shutdown(grace: Double) -> Int32 {
        var status: Int32 = 130
        let learner = specs.filter { !$0.restartable }.map(\.name)
        let order = learner + specs.filter(\.restartable).map(\.name)
        for (i, names) in [Array(order.prefix(learner.count)), Array(order.dropFirst(learner.count))].enumerated() {
            let procs = names.compactMap { children[$0] }.filter(\.isRunning)
            for p in procs { kill(p.processIdentifier, SIGTERM) }
            let deadline = Date(timeIntervalSinceNow: i == 0 ? grace : 5)
            for p in procs {
                while p.isRunning && Date() < deadline { _ = waitEvent(until: deadline) }
                if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
                if i == 0 { status = p.terminationStatus }
            }
        }
        return status
    }

    private func waitEvent(until deadline: Date) -> Bool {
        eventLock.lock(); defer { eventLock.unlock() }
        if events.isEmpty { return eventLock.wait(until: deadline) }
        events.removeAll()
        return true
    }

    private func emit(_ name: String, _ line: String) {
        let text = "[\(name)] \(line)\n"
        outputLock.lock()
        output.write(Data(text.utf8))
        outputLock.unlock()
    }
}

/// Splits a child's output into lines (libdispatch calls the pipe's handler serially).
final class LineBuffer: @unchecked Sendable {
    private var partial = Data()
    private let line: (String) -> Void
    init(_ line: @escaping (String) -> Void) { self.line = line }

    func append(_ chunk: Data) {
        partial.append(chunk)
        while let nl = partial.firstIndex(of: UInt8(ascii: "\n")) {
            line(String(decoding: partial[partial.startIndex..<nl], as: UTF8.self))
            partial.removeSubrange(partial.startIndex...nl)
        }
    }

    func flush() {
        if !partial.isEmpty { line(String(decoding: partial, as: UTF8.self)) }
        partial.removeAll()
    }
}
