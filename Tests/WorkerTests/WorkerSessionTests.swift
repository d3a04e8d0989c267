import Foundation
import Policy
import Sampler
import Testing
import TinyGPT
import Transport
import Verifier
import Wire
import Worker

/// A worker's session against a stand-in learner over `inproc://`.
@Suite("WorkerSession")
struct WorkerSessionTests {
    /// The learner's side: the verify ROUTER and the trajectories PULL (heartbeats).
    struct FakeLearner {
        let context = ZMQContext()
        let endpoints = Endpoints(inproc: "nr-session-\(UUID().uuidString)")
        let router: ZMQSocket, pull: ZMQSocket
        init() throws {
            router = try ZMQSocket(context, .router)
            pull = try ZMQSocket(context, .pull)
            try router.bind(endpoints.verify)
            try pull.bind(endpoints.trajectories)
        }
        /// Frames from the worker's dealer: [identity, body].
        func receive(timeout: Double) throws -> (id: [UInt8], message: Message)? {
            guard let f = try router.receive(timeout: timeout), f.count == 2 else { return nil }
            return (f[0], try Message.decode(f[1]))
        }
        func send(_ id: [UInt8], _ m: Message) throws { _ = try router.send([id, m.encoded()]) }
        /// Heartbeats that arrive within `seconds`.
        func beats(during seconds: Double) throws -> Int {
            let end = Date().addingTimeInterval(seconds)
            var n = 0
            while Date() < end {
                if let f = try pull.receive(timeout: 0.01), case .heartbeat? = try? Message.decode(f[0]) { n += 1 }
            }
            return n
        }
    }

    static func settings(heartbeat: Double, maxMessageBytes: Int = 1 << 20) -> String {
        let s = WorkerSettings(sampling: SamplingParams(), groupSize: 2,
                               model: .gpt2(GPTConfig(vocabSize: 30, contextLength: 16, layers: 1, heads: 2, width: 8)),
                               reward: RewardConfig(), seed: 1, heartbeatInterval: heartbeat, maxMessageBytes: maxMessageBytes,
                               externalVerifier: "", externalVerifierTimeout: 5)
        return String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }

    @Test func helloWelcomeThenHeartbeatsAtTheLearnersInterval() throws {
        let learner = try FakeLearner()
        let session = try WorkerSession(role: .verifier, options: WorkerOptions(workerId: "v-test"), context: learner.context,
                                        endpoints: learner.endpoints, log: { _ in })
        defer { session.close() }
        try session.keepAlive()  // says hello
        let hello = try #require(try learner.receive(timeout: 5))
        guard case .hello(let h) = hello.message else { Issue.record("expected hello, got \(hello.message.type)"); return }
        #expect(h.role == .verifier && h.workerId == "v-test")
        try learner.send(hello.id, .welcome(Welcome(runId: 9, policyVersion: 3, settingsJSON: Self.settings(heartbeat: 0.05))))
        let event = try session.receive(timeout: 5)
        guard case .joined(let run, let version, let s)? = event else { Issue.record("expected joined"); return }
        #expect(run == 9 && version == 3 && s.heartbeatInterval == 0.05 && session.messageLimit == 1 << 20)
        _ = try learner.beats(during: 0.1)  // let the new interval take hold
        let n = try learner.beats(during: 0.6)
        #expect(n >= 6, "at 0.05 s about 12 beats in 0.6 s, got \(n) (the old fixed 0.5 s gave 1 or 2)")
    }

    @Test func rejoinOnRequestAndTheRunsMessageLimit() throws {
        let learner = try FakeLearner()
        let session = try WorkerSession(role: .verifier, options: WorkerOptions(workerId: "v-2"), context: learner.context,
                                        endpoints: learner.endpoints, log: { _ in })
        defer { session.close() }
        try session.keepAlive()
        let hello = try #require(try learner.receive(timeout: 5))
        try learner.send(hello.id, .welcome(Welcome(runId: 1, policyVersion: 0, settingsJSON: Self.settings(heartbeat: 0.5, maxMessageBytes: 1 << 16))))
        _ = try session.receive(timeout: 5)
        // A message above the run's limit is rejected and counted, not handled.
        let big = Message.scoreRequest(ScoreRequest(requestId: 1, prompt: "p", answer: "a", completions: [String(repeating: "x", count: 1 << 17)]))
        try learner.send(hello.id, big)
        #expect(try session.receive(timeout: 5) == nil && session.rejects.total == 1)
        // "Unknown worker": the session forgets its settings and says hello again at once.
        try learner.send(hello.id, .shutdown(Shutdown(reason: Shutdown.rejoin)))
        #expect(try session.receive(timeout: 5) == nil && session.settings == nil)
        try session.keepAlive()
        let again = try #require(try learner.receive(timeout: 5))
        if case .hello = again.message {} else { Issue.record("expected a second hello, got \(again.message.type)") }
    }
}
