import Foundation

/// Any executable as a verifier: it reads one JSON request per line on stdin,
///
///     {"id": 3, "prompt": "47+85=", "completion": "<think>…</think><answer>132</answer>", "answer": "132"}
///
/// and writes one JSON score per line on stdout, `{"reward": 1.0, "correct": true, "format": true}`
/// (`correct` and `format` optional). A request that takes longer than `timeout`, a
/// verifier that exits, or a line that is not such JSON gives a zero score with the
/// reason in `Score.error`; the process is restarted for the next request. Never hangs.
public final class ExternalVerifier {
    public let command: [String]
    public let timeout: TimeInterval
    private var process: Process?
    private var stdin: FileHandle?
    private var lines = LineBuffer()
    private var nextId = 0
    /// Counts of failures by kind, for logs.
    public private(set) var timeouts = 0, crashes = 0, malformed = 0

    public init(command: [String], timeout: TimeInterval = 5) throws {
        guard let first = command.first, !first.isEmpty else { throw ExternalVerifierError.noCommand }
        self.command = command
        self.timeout = timeout
        try start()
    }

    deinit { stop() }

    public func score(prompt: String, completion: String, answer: String) -> Score {
        nextId += 1
        let id = nextId
        let request: [String: Any] = ["id": id, "prompt": prompt, "completion": completion, "answer": answer]
        do {
            if process == nil || !(process!.isRunning) { try start() }
            var data = try JSONSerialization.data(withJSONObject: request)
            data.append(0x0A)
            try stdin!.write(contentsOf: data)
        } catch {
            crashes += 1
            stop()
            return failure("could not send the request to \(command[0]): \(error)")
        }
        guard let line = lines.next(timeout: timeout) else {
            if let p = process, !p.isRunning {
                crashes += 1
                let status = p.terminationStatus
                stop()
                return failure("\(command[0]) exited with status \(status) before answering")
            }
            timeouts += 1
            stop()  // a late answer must not be taken for the next request's
            return failure("\(command[0]) did not answer within \(timeout)s")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let reward = (obj["reward"] as? NSNumber)?.floatValue, reward.isFinite else {
            malformed += 1
            return failure("malformed output from \(command[0]): \(line.prefix(200))")
        }
        let correct = (obj["correct"] as? Bool) ?? (reward > 0)
        let formed = (obj["format"] as? Bool) ?? false
        return Score(reward: reward, correct: correct, wellFormed: formed, extracted: ArithmeticVerifier.extractAnswer(completion))
    }

    private func failure(_ why: String) -> Score {
        Score(reward: 0, correct: false, wellFormed: false, extracted: nil, error: why)
    }

    private func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = command
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = FileHandle.standardError
        let buffer = LineBuffer()
        outPipe.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            if d.isEmpty { h.readabilityHandler = nil; buffer.close() } else { buffer.append(d) }
        }
        do { try p.run() } catch { throw ExternalVerifierError.cannotStart(command.joined(separator: " "), "\(error)") }
        process = p
        stdin = inPipe.fileHandleForWriting
        lines = buffer
    }

    private func stop() {
        if let p = process, p.isRunning { p.terminate() }
        try? stdin?.close()
        process = nil
        stdin = nil
    }
}

public enum ExternalVerifierError: Error, CustomStringConvertible {
    case noCommand
    case cannotStart(String, String)
    public var description: String {
        switch self {
        case .noCommand: return "external verifier: no command given"
        case .cannotStart(let c, let why): return "external verifier: cannot start \"\(c)\": \(why)"
        }
    }
}

/// Lines arriving from a pipe, waited for with a timeout.
final class LineBuffer: @unchecked Sendable {
    private var pending = Data()
    private var ready: [String] = []
    private var closed = false
    private let lock = NSCondition()

    func append(_ d: Data) {
        lock.lock()
        pending.append(d)
        while let nl = pending.firstIndex(of: 0x0A) {
            ready.append(String(decoding: pending[pending.startIndex..<nl], as: UTF8.self))
            pending.removeSubrange(pending.startIndex...nl)
        }
        lock.broadcast()
        lock.unlock()
    }

    func close() {
        lock.lock()
        closed = true
        lock.broadcast()
        lock.unlock()
    }

    func next(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while ready.isEmpty && !closed {
            if !lock.wait(until: deadline) { break }
        }
        return ready.isEmpty ? nil : ready.removeFirst()
    }
}
