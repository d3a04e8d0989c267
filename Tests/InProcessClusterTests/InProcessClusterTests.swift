import Actor
import Cluster
import Foundation
import Learner
import Policy
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

    /// Over TCP on loopback with CURVE (`tcp`), or `inproc://` in one context.
    let tcp: Bool

    /// `base`: the policy the run starts from (a tiny untrained GPT-2 by default).
    init(steps: Int, verifiers: Int = 1, extra: [String] = [], tcp: Bool = false, base: String? = nil) throws {
        let out = NSTemporaryDirectory() + "nr-inproc-\(UUID().uuidString)"
        self.tcp = tcp
        let port = tcp ? ["cluster.base_port=\(try FreePorts.find())"] : []
        config = try ExperimentConfig.load(path: nil, overrides: port + [
            "run.init_from=\(try base ?? Self.tinyBase())", "run.out=\(out)", "algorithm.steps=\(steps)", "algorithm.minutes=0",
            "algorithm.prompts_per_step=4", "algorithm.group_size=4", "algorithm.max_new_tokens=12",
            "algorithm.dynamic_sampling=false", "eval.final_problems=4", "eval.samples=2", "eval.final_samples=2",
            "cluster.actor_batch=2", "cluster.max_in_flight=8", "cluster.verifiers=\(verifiers)", "run.checkpoint_every=0",
        ] + extra)
    }

    /// How long the workers wait for a word from the learner (WorkerOptions' 300 s when nil).
    var workerSilenceLimit: Double?

    /// A worker's options: over TCP with its own key folder (made on demand), or inproc.
    func options(_ name: String) throws -> WorkerOptions {
        var o = WorkerOptions(workerId: name)
        if let s = workerSilenceLimit { o.silenceLimit = s }
        guard tcp else { return o }
        o.basePort = config.cluster.basePort
        try ClusterKeys.make(at: config.keyDirectory, workers: [name])
        o.security = try ClusterKeys.worker(at: "\(config.keyDirectory)/workers/\(name)").security
        return o
    }

    func log(_ line: String) { logLock.lock(); logLines.append(line); logLock.unlock() }
    var output: String { logLock.lock(); defer { logLock.unlock() }; return logLines.joined(separator: "\n") }

    /// Runs `body` on a thread of its own (safe to call from any thread).
    func spawn(_ name: String, _ body: @escaping () throws -> Void) {
        let done = DispatchSemaphore(value: 0)
        logLock.lock(); workers.append((name, done)); logLock.unlock()
        let t = Thread { [self] in
            do { try body() } catch { log("[\(name)] ended: \(error)") }
            done.signal()
        }
        t.name = name
        t.start()
    }

    func startActor(_ name: String) {
        spawn(name) { [self] in
            try RolloutActor(options: try options(name), batch: 2, threads: 1, context: tcp ? nil : context, endpoints: tcp ? nil : endpoints,
                             log: { self.log("[\(name)] \($0)") }).run()
        }
    }

    func startVerifier(_ name: String) {
        spawn(name) { [self] in
            try VerifierService(options: try options(name), context: tcp ? nil : context, endpoints: tcp ? nil : endpoints,
                                log: { self.log("[\(name)] \($0)") }).run()
        }
    }

    /// Runs the learner here with `actors` actors and the configured verifiers beside it;
    /// true when every worker returned after the learner said shutdown (within 30 s: an actor
    /// that was pushing a batch to the closed trajectories socket waits out its 10 s send timeout first).
    /// `verifiers` (default: the config's) start with the learner; `beside` runs once it
    /// listens, before it trains.
    func run(actors: Int, verifiers: Int? = nil, beside: () throws -> Void = {}) throws -> (summary: RunSummary, workersEnded: Bool) {
        if tcp { try ClusterKeys.make(at: config.keyDirectory, workers: config.localWorkerNames) }
        let learner = try Learner(config: config, resume: false, endpoints: tcp ? nil : endpoints, context: tcp ? nil : context,
                                  log: { self.log("[learner] \($0)") })
        for i in stride(from: 1, through: actors, by: 1) { startActor("actor-\(i)") }
        for i in stride(from: 1, through: verifiers ?? config.cluster.verifiers, by: 1) { startVerifier("verifier-\(i)") }
        try beside()
        let summary = try learner.run.run()
        logLock.lock(); let workers = self.workers; logLock.unlock()
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
        // The first version an actor loads is the newest when it joins: 0, or later when it joined
        // late (seen once, under a full test run's load).
        #expect(cluster.output.contains("[actor-2] loaded policy version") && cluster.output.contains("[learner] verifier-1 joined"))
        // Each worker's peak memory arrives with its heartbeats (threads of one process here: the process's).
        let memory = try #require(s.peakResidentBytes)
        #expect(memory["learner"]! > 10 << 20 && memory["actor-1"]! > 10 << 20 && memory["verifier-1"]! > 10 << 20, "\(memory)")
    }

    /// A chat model of the Llama family (the tiny Qwen2 fixture, its BPE tokenizer and chat
    /// template): the actors build it from the spec the learner sends, sample its prompts as
    /// its template writes them, and compute its reference log-probs; nothing is lost.
    @Test func aLlamaFamilyChatModelTrainsInTheCluster() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/llama/qwen2-tiny").standardizedFileURL.path
        // The fixture's context is 128 tokens of a 300-token vocabulary: the prompts go without the format's instruction.
        let cluster = try InProcessCluster(steps: 3, extra: ["cluster.reference_on_actors=true", "task.instruction=none"], base: fixture)
        let (s, ended) = try cluster.run(actors: 2)
        #expect(s.steps == 3 && !s.stoppedEarly, "\(cluster.output)")
        #expect(s.ledger.trained == 3 * 4 && s.ledger.lost == 0 && s.rejectedMessages.isEmpty)
        #expect(ended)
        #expect(cluster.output.contains("[actor-1] loaded policy version"))
        let saved = try Policy.load(s.checkpoint)
        #expect(saved.family == "qwen2" && saved.codec is ChatCodec)
    }

    /// A LoRA run in the cluster: each actor reads the frozen base from run.init_from once and
    /// every version carries only the adapters, sent directly or relayed from actor to actor;
    /// the learner's audit of the behaviour log-probs (the first pass recomputes them) finds
    /// every group sampled as its actor says.
    @Test(arguments: [0, 1])
    func aLoRARunSendsOnlyTheAdapters(fanout: Int) throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/llama/qwen2-tiny").standardizedFileURL.path
        let cluster = try InProcessCluster(steps: 3, extra: ["lora.rank=4", "lora.alpha=8", "task.instruction=none",
                                                             "algorithm.lr=0.05", "cluster.max_logprob_gap=0.01",
                                                             "cluster.weight_fanout=\(fanout)"], base: fixture)
        let (s, ended) = try cluster.run(actors: 2)
        #expect(s.steps == 3 && !s.stoppedEarly, "\(cluster.output)")
        #expect(s.ledger.trained == 3 * 4 && s.ledger.lost == 0 && s.ledger.droppedForged == 0 && s.rejectedMessages.isEmpty)
        #expect(ended)
        for actor in ["actor-1", "actor-2"] {
            #expect(cluster.output.contains("[\(actor)] reading the frozen base from \(fixture) (LoRA rank 4)"), "\(cluster.output)")
        }
        #expect(FileManager.default.fileExists(atPath: s.checkpoint + "/lora.safetensors"))
        #expect(cluster.output.contains("[actor-1] loaded policy version"))
        #expect(try Policy.load(s.checkpoint).family == "qwen2", "the merged checkpoint is a plain folder")
    }

    /// Weights sent as bfloat16 (`cluster.weights_precision`, for fully fine-tuning a model
    /// too large for fp32 on the wire): the actors sample with the rounded weights and say
    /// so in their log-probs, which the learner's recompute finds within its bound.
    @Test func bf16WeightsTrainEveryStepAndNoGroupLooksForged() throws {
        let cluster = try InProcessCluster(steps: 3, extra: ["cluster.weights_precision=bf16", "cluster.max_logprob_gap=0.05"])
        let (s, ended) = try cluster.run(actors: 2)
        #expect(s.steps == 3 && s.ledger.trained == 3 * 4 && s.ledger.lost == 0 && s.ledger.droppedForged == 0, "\(cluster.output)")
        #expect(ended && cluster.output.contains("[actor-1] loaded policy version"))
    }

    /// Actors that hold the reference (`cluster.reference_on_actors`): both load it from the
    /// learner, the reference log-probs they send pass the audit of every group, and nothing
    /// is forged or lost.
    @Test func actorsComputeTheReferenceLogprobsAndPassTheAudit() throws {
        let cluster = try InProcessCluster(steps: 4, extra: ["cluster.reference_on_actors=true", "cluster.audit_fraction=1"])
        let (s, ended) = try cluster.run(actors: 2)
        #expect(s.steps == 4 && s.ledger.lost == 0 && s.ledger.droppedForged == 0, "\(cluster.output)")
        #expect(s.security.forgedGroups == 0)
        for actor in ["actor-1", "actor-2"] {
            #expect(cluster.output.contains("[\(actor)] loaded the reference policy"), "\(cluster.output)")
        }
        #expect(ended)
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

    /// A learner that hands out nothing for longer than the workers' silence limit (it
    /// evaluates: minutes with a real model) still answers their heartbeats, so none gives up.
    @Test func workersOutlastALearnerThatHandsOutNothingForLongerThanTheirSilenceLimit() throws {
        let cluster = try InProcessCluster(steps: 1, extra: ["cluster.heartbeat_interval=0.1"])
        cluster.workerSilenceLimit = 1
        let (s, ended) = try cluster.run(actors: 1) {
            // Listening, not yet serving: the workers hear only the answers to their heartbeats.
            while !cluster.output.contains("[actor-1] joined run") || !cluster.output.contains("[verifier-1] joined run") {
                Thread.sleep(forTimeInterval: 0.05)
            }
            Thread.sleep(forTimeInterval: 3 * cluster.workerSilenceLimit!)
            // Checked here: a run whose actor gave up would wait for its groups for ever.
            try #require(!cluster.output.contains("no word from the learner"), "\(cluster.output)")
        }
        #expect(s.steps == 1 && s.ledger.lost == 0, "\(cluster.output)")
        #expect(!cluster.output.contains("no word from the learner") && !cluster.output.contains("restarted"), "\(cluster.output)")
        #expect(ended)
    }

    /// PPO (its value head on the learner only) and GSPO through the cluster, with the process
    /// reward the verifiers are sent: every verifier answer audited, none disagreeing.
    @Test(arguments: ["ppo", "gspo"])
    func theOtherAlgorithmsTrainInTheCluster(algo: String) throws {
        let cluster = try InProcessCluster(steps: 3, extra: ["algorithm.name=\(algo)", "reward.process_weight=0.2", "cluster.audit_fraction=1"])
        let (s, ended) = try cluster.run(actors: 1)
        #expect(s.steps == 3 && s.ledger.trained == 12 && s.ledger.lost == 0, "\(cluster.output)")
        #expect(s.security.auditedGroups > 0 && s.security.auditMismatches == 0)
        #expect(ended)
        #expect(FileManager.default.fileExists(atPath: s.checkpoint + "/value_head.json") == (algo == "ppo"))
    }
}
