import Foundation
import Testing
import Transport
import Wire

/// Garbage sent to every port the learner binds is logged, counted and survived.
@Suite("Learner survives malformed messages", .serialized)
struct MalformedMessageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var binary: String? {
        ["release", "debug"].map { "\(root)/.build/\($0)/nanoreasoner" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Raw bytes over plain TCP: libzmq's handshake fails and it drops the connection.
    func rawTCP(port: Int, _ bytes: [UInt8]) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if ok == 0 { _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, bytes.count, 0) } }
    }

    @Test func garbageOnEveryPortIsLoggedAndSurvived() throws {
        let bin = try #require(Self.binary, "build the binary first")
        // The learner alone, with the tiny base from the launcher tests' recipe.
        let base = NSTemporaryDirectory() + "nanoreasoner-malformed-base-\(getpid())"
        let pre = Process()
        pre.executableURL = URL(fileURLWithPath: bin)
        pre.arguments = ["pretrain", "--out", base, "--steps", "20", "--layers", "1", "--heads", "2", "--width", "32", "--batch-size", "8"]
        pre.standardOutput = FileHandle.nullDevice
        pre.standardError = FileHandle.nullDevice
        try pre.run()
        pre.waitUntilExit()
        // 32000…32719: below the ephemeral ports (32768…) and above the launcher tests' ports.
        let port = 32_000 + Int(getpid() % 180) * 4
        let out = NSTemporaryDirectory() + "nanoreasoner-malformed-\(getpid())"
        let learner = Process()
        learner.executableURL = URL(fileURLWithPath: bin)
        learner.currentDirectoryURL = URL(fileURLWithPath: Self.root)
        let sets = ["run.init_from=\(base)", "run.out=\(out)", "cluster.base_port=\(port)", "algorithm.steps=3",
                    "algorithm.prompts_per_step=2", "algorithm.group_size=2", "algorithm.max_new_tokens=16",
                    "algorithm.dynamic_sampling=false", "eval.final_problems=0", "cluster.max_in_flight=4", "cluster.verifiers=1",
                    // Plain text, so the garbage reaches the decoders; under CURVE it stops at the
                    // handshake (SecureClusterTests), and the fuzz target covers the decoders alone.
                    "cluster.security=none"]
        learner.arguments = ["learner", "configs/default.yaml"] + sets.flatMap { ["--set", $0] }
        let pipe = Pipe()
        learner.standardOutput = pipe
        learner.standardError = pipe
        let lines = LineCollector(pipe)
        try learner.run()
        defer { if learner.isRunning { kill(learner.processIdentifier, SIGKILL) } }
        try #require(lines.waitFor("listening:", timeout: 60) != nil, "\(lines.text)")

        // Plain TCP garbage at all four ports (the weights PUB port accepts nothing else).
        for p in port...(port + 3) { rawTCP(port: p, Array("GET / HTTP/1.0\r\n\r\n".utf8) + (0..<200).map { UInt8($0 % 251) }) }

        let ctx = ZMQContext()
        let valid = Message.hello(Hello(role: .actor, workerId: "x", incarnation: 1, host: "h")).encoded()
        var wrongVersion = valid; wrongVersion[4] = 99
        var corrupt = valid; corrupt[corrupt.count - 1] ^= 0xFF
        let bad: [[UInt8]] = [Array("hello".utf8), Array(valid.prefix(valid.count - 3)), wrongVersion, corrupt,
                              Message.weights(Weights(version: 1, params: [1])).encoded()]
        let dealer = try ZMQSocket(ctx, .dealer)
        try dealer.setIdentity("intruder")
        try dealer.connect("tcp://127.0.0.1:\(port)")
        for b in bad { try dealer.send(b) }
        let push = try ZMQSocket(ctx, .push)
        try push.connect("tcp://127.0.0.1:\(port + 1)")
        for b in bad { try push.send(b) }
        let v = try ZMQSocket(ctx, .dealer)
        try v.setIdentity("intruder-v")
        try v.connect("tcp://127.0.0.1:\(port + 3)")
        for b in bad { try v.send(b) }
        try #require(lines.waitFor("rejected a", timeout: 30) != nil, "\(lines.text)")

        // The learner still works: a real actor and verifier complete the run.
        let workers = ["actor", "verifier"].map { role -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = [role, "--learner", "127.0.0.1", "--port", String(port), "--id", "\(role)-ok"] + (role == "actor" ? ["--batch", "2"] : [])
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for w in workers { try w.run() }
        defer { for w in workers where w.isRunning { kill(w.processIdentifier, SIGKILL) } }
        #expect(lines.waitFor("ledger:", timeout: 180) != nil, "\(lines.text)")
        learner.waitUntilExit()
        #expect(learner.terminationStatus == 0)
        let rejected = lines.text.components(separatedBy: "rejected a").count - 1
        #expect(rejected >= 3 * bad.count - 2, "each malformed message was logged: \(lines.text)")
        for port in ["work", "trajectories", "verify"] { #expect(lines.text.contains("message on \(port)")) }
    }
}

/// Collects a pipe's lines so a test can wait for one.
final class LineCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer = ""
    private var closed = false

    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [self] h in
            let d = h.availableData
            condition.lock()
            if d.isEmpty { closed = true; h.readabilityHandler = nil } else { buffer += String(decoding: d, as: UTF8.self) }
            condition.broadcast()
            condition.unlock()
        }
    }

    var text: String { condition.lock(); defer { condition.unlock() }; return buffer }

    func waitFor(_ s: String, timeout: Double) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while !buffer.contains(s) {
            if closed || !condition.wait(until: deadline) { return buffer.contains(s) ? s : nil }
        }
        return s
    }
}
