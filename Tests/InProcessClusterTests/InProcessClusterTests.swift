import Actor
import Cluster
import Foundation
import Learner
import Tasks
import Testing
import TinyGPT
import Trainer
import Transport
import VerifierWorker
import Worker

/// The whole cluster in this process: the learner on the test's thread, actors and
/// verifiers on threads of their own, over `inproc://` sockets in one context. The same
/// code as the processes `launch` starts, tested in seconds and without the binary.
final class InProcessCluster {
    let context = ZMQContext()
    let endpoints = Endpoints(inproc: "nr-test-\(UUID().uuidString)")
    let config: ExperimentConfig
    private(set) var logLines: [String] = []
    private let logLock = NSLock()
    private var workers: [(name: String, done: DispatchSemaphore)] = []

    /// A tiny untrained policy saved as a base checkpoint.
    static func tinyBase() throws -> String {
        let dir = NSTemporaryDirectory() + "nr-inproc-base-\(UUID().uuidString)"
        let model = try GPT(config: GPTConfig(vocabSize: Tokenizer.standard.vocabSize, contextLength: 64, layers: 1, heads: 2, width: 16))
        model.initialize(seed: 3)
        try Checkpoint.save(model: model, optimizer: nil, extraFiles: [Tokenizer.checkpointFile: Tokenizer.standard.descriptionJSON()],
                            configExtras: Tokenizer.huggingFaceConfigIds, to: dir)
        return dir
    }

    init(steps: Int, verifiers: Int = 1, extra: [String] = []) throws {
        let out = NSTemporaryDirectory() + "nr-inproc-\(UUID().uuidString)"
        config = try ExperimentConfig.load(path: nil, overrides: [
            "run.init_from=\(try Self.tinyBase())", "run.out=\(out)", "algorithm.steps=\(steps)", "algorithm.minutes=0",
            "algorithm.prompts_per_step=4", "algorithm.group_size=4", "algorithm.max_new_tokens=12",
            "algorithm.dynamic_sampling=false", "eval.final_problems=4", "eval.samples=2", "eval.final_samples=2",
            "cluster.actor_batch=2", "cluster.max_in_flight=8", "cluster.verifiers=\(verifiers)", "run.checkpoint_every=0",
        ] + extra)
    }

    func log(_ line: String) { logLock.lock(); logLines.append(line); logLock.unlock() }
    var output: String { logLock.lock(); defer { logLock.unlock() }; return logLines.joined(separator: "\n") }

    private func spawn(_ name: String, _ body: @escaping () throws -> Void) {
        let done = DispatchSemaphore(value: 0)
        workers.append((name, done))
        let t = Thread { [self] in
            do { try body() } catch { log("[\(name)] ended: \(error)") }
            done.signal()
        }
        t.name = name
        t.start()
    }

    func startActor(_ name: String) {
        spawn(name) { [self] in
            try RolloutActor(options: WorkerOptions(workerId: name), batch: 2, threads: 1, context: context, endpoints: endpoints,
                             log: { self.log("[\(name)] \($0)") }).run()
        }
    }

    func startVerifier(_ name: String) {
        spawn(name) { [self] in
            try VerifierService(options: WorkerOptions(workerId: name), context: context, endpoints: endpoints,
                                log: { self.log("[\(name)] \($0)") }).run()
        }
    }

    /// Runs the learner here with `actors` actors and the configured verifiers beside it;
    /// true when every worker returned after the learner said shutdown (within 30 s: an actor
    /// that was pushing a batch to the closed trajectories socket waits out its 10 s send timeout first).
    func run(actors: Int) throws -> (summary: RunSummary, workersEnded: Bool) {
        let learner = try Learner(config: config, resume: false, endpoints: endpoints, context: context, log: { self.log("[learner] \($0)") })
        for i in 1...actors { startActor("actor-\(i)") }
        for i in stride(from: 1, through: config.cluster.verifiers, by: 1) { startVerifier("verifier-\(i)") }
        let summary = try learner.run.run()
        let ended = workers.allSatisfy { $0.done.wait(timeout: .now() + 30) == .success }
        return (summary, ended)
    }
}

@Suite("Cluster in one process (inproc)")
struct InProcessClusterTests {
    @Test func aRunWithTwoActorsAndAVerifierTrainsEveryStepAndLosesNothing() throws {
        let cluster = try InProcessCluster(steps: 5)
        let (s, ended) = try cluster.run(actors: 2)
        #expect(s.steps == 5 && !s.stoppedEarly, "\(cluster.output)")
        #expect(s.ledger.trained == 5 * 4 && s.ledger.lost == 0)
        #expect(s.ledger.scored >= s.ledger.trained && s.rejectedMessages.isEmpty)
        #expect(s.before != nil && s.after != nil)
        #expect(ended, "every worker leaves when the learner says shutdown")
        #expect(cluster.output.contains("[actor-2] loaded policy version 0") && cluster.output.contains("[learner] verifier-1 joined"))
    }

    @Test func withoutAVerifierPoolTheLearnerScoresItself() throws {
        let cluster = try InProcessCluster(steps: 3, verifiers: 0)
        let (s, ended) = try cluster.run(actors: 1)
        #expect(s.steps == 3 && s.ledger.trained == 12 && s.ledger.lost == 0, "\(cluster.output)")
        #expect(ended)
    }

    @Test func aShortHeartbeatIntervalAndTimeoutKeepTheWorkersAlive() throws {
        let cluster = try InProcessCluster(steps: 2, extra: ["cluster.heartbeat_interval=0.1", "cluster.worker_timeout=0.45"])
        let (s, _) = try cluster.run(actors: 1)
        // The workers beat at the learner's 0.1 s, inside its 0.45 s timeout (WorkerSessionTests counts the beats).
        #expect(s.steps == 2 && !cluster.output.contains("presumed dead"), "\(cluster.output)")
    }
}
