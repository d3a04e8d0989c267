import Foundation
import Policy
import Tasks
import Trainer
import Worker
import Yams

/// One experiment: the RL recipe, where it starts and writes, and the cluster's shape.
/// Read from a YAML file in `configs/`; `--set key=value` overrides any key.
public struct ExperimentConfig: Sendable {
    public var rl = RLConfig()
    /// Low-rank adapters instead of full fine-tuning (rank 0: full).
    public var lora = LoRASettings()
    public var cluster = ClusterSettings()
    /// Base checkpoint (or run directory) the policy starts from.
    public var initFrom = "runs/base"
    /// Run directory: checkpoint, metrics log, plot, summary. Empty: `runDirectory(cluster:)` names one.
    public var out = ""
    /// External verifier command (empty: the built-in arithmetic verifier).
    public var externalVerifier = ""
    public var externalVerifierTimeout = 5.0
    /// RL on these JSONL problems (`task.file`, `task.held_out`); empty: the base's own task.
    public var taskFile = ""
    public var taskHeldOut = ""
    /// What a chat model is told after each question (`task.instruction`): empty, the answer
    /// format's own instruction; `none`, nothing (the prompt as it is).
    public var taskInstruction = ""
    /// `/metrics` and `/health` over HTTP on this port (0: off); `launch` gives its actors the next ports.
    public var metricsPort = 0
    public var metricsHost = "127.0.0.1"
    public init() {}

    /// The instruction that follows a chat model's questions, or nil for none.
    public var chatInstruction: String? {
        switch taskInstruction {
        case "": return rl.reward.answerFormat.instruction
        case "none": return nil
        default: return taskInstruction
        }
    }

    /// The task files the config names, or nil when the run keeps its base's task.
    public var taskFiles: TaskFiles? {
        taskFile.isEmpty ? nil : TaskFiles(train: taskFile, heldOut: taskHeldOut)
    }

    /// `run.out`, or when it is empty `runs/<algorithm>` for `train` and
    /// `runs/cluster-<algorithm>` for the cluster, so the two never write into one directory.
    public func runDirectory(cluster: Bool) -> String {
        out.isEmpty ? "runs/\(cluster ? "cluster-" : "")\(rl.algorithm.rawValue)" : out
    }

    /// Reads a config file, then applies `overrides` ("section.key=value").
    public static func load(path: String?, overrides: [String] = []) throws -> ExperimentConfig {
        var c = ExperimentConfig()
        if let path {
            let file = path.hasSuffix(".yaml") || path.hasSuffix(".yml") || FileManager.default.fileExists(atPath: path)
                ? path : "configs/\(path).yaml"
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigError.unreadable(file)
            }
            try c.apply(yaml: text, source: file)
        }
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else { throw ConfigError.badOverride(o) }
            try c.set(String(o[..<eq]).trimmingCharacters(in: .whitespaces),
                      String(o[o.index(after: eq)...]).trimmingCharacters(in: .whitespaces), source: "--set")
        }
        try c.validate()
        return c
    }

    /// Applies every `section: {key: value}` of a YAML document.
    public mutating func apply(yaml: String, source: String) throws {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch { throw ConfigError.syntax(source, "\(error)") }
        guard let root = node else { return }  // an empty file keeps the defaults
        guard let sections = root.mapping else { throw ConfigError.syntax(source, "the top level must be a mapping of sections") }
        for (sectionKey, body) in sections {
            let section = sectionKey.string ?? "?"
            let line = sectionKey.mark.map { ":\($0.line)" } ?? ""
            guard let entries = body.mapping else {
                throw ConfigError.syntax("\(source)\(line)", "section '\(section)' must be a mapping of keys")
            }
            for (k, v) in entries {
                let where_ = "\(source)" + (k.mark.map { ":\($0.line)" } ?? "")
                guard let value = v.scalar?.string else {
                    throw ConfigError.badValue(key: "\(section).\(k.string ?? "?")", value: "\(v)", expected: "a single value", at: where_)
                }
                try set("\(section).\(k.string ?? "?")", value, source: where_)
            }
        }
    }

    /// Sets one dotted key from its text, naming the key and what it expected on error.
    public mutating func set(_ key: String, _ value: String, source: String) throws {
        guard let entry = ConfigKeys.all.first(where: { $0.name == key }) else {
            let near = ConfigKeys.all.map(\.name).filter { $0.hasPrefix(key.split(separator: ".").first.map(String.init) ?? "") }
            throw ConfigError.unknownKey(key, at: source, known: near.isEmpty ? ConfigKeys.all.map(\.name) : near)
        }
        do { try entry.apply(&self, value) } catch let ConfigKeys.ParseFailure.expected(what) {
            throw ConfigError.badValue(key: key, value: value, expected: what, at: source)
        }
    }

    public func validate() throws {
        do { try rl.validate() } catch let TrainerError.invalidConfig(why) { throw ConfigError.invalid(why) }
        let c = cluster
        func bad(_ k: String, _ why: String) -> ConfigError { .invalid("\(k) \(why)") }
        if lora.rank < 0 { throw bad("lora.rank", "must be ≥ 0 (0: full fine-tuning), got \(lora.rank)") }
        if lora.enabled {
            do { _ = try lora.config() } catch { throw ConfigError.invalid("\(error)") }
            if c.referenceOnActors && rl.loss.beta > 0 {
                throw bad("cluster.reference_on_actors", "is not for LoRA runs yet (the reference is the base the learner holds): leave it false")
            }
        }
        if rl.reward.processWeight > 0 && !externalVerifier.isEmpty {
            throw bad("reward.process_weight", "checks the built-in task's traces; with reward.external_verifier set, put any process reward in that command and leave this 0")
        }
        if taskFile.isEmpty != taskHeldOut.isEmpty {
            throw bad(taskFile.isEmpty ? "task.file" : "task.held_out",
                      "is empty: task.file (training problems) and task.held_out (the split scored before and after) go together")
        }
        if rl.reward.processWeight > 0 && !taskFile.isEmpty {
            throw bad("reward.process_weight", "checks the built-in task's worked traces; a task file's completions are not those traces: leave it 0 with task.file")
        }
        if !(0...65_535).contains(metricsPort) || (metricsPort > 0 && metricsPort + c.actors > 65_535) {
            throw bad("metrics.port", "must be 0 (off) or a port with room for the actors' after it (≤ \(65_535 - c.actors)), got \(metricsPort)")
        }
        if c.actors < 1 { throw bad("cluster.actors", "must be ≥ 1, got \(c.actors)") }
        if c.verifiers < 0 { throw bad("cluster.verifiers", "must be ≥ 0, got \(c.verifiers)") }
        if !(1...65_532).contains(c.basePort) { throw bad("cluster.base_port", "must be in 1…65532, got \(c.basePort)") }
        if c.actorBatch < 1 { throw bad("cluster.actor_batch", "must be ≥ 1, got \(c.actorBatch)") }
        if c.broadcastEvery < 1 { throw bad("cluster.broadcast_every", "must be ≥ 1, got \(c.broadcastEvery)") }
        if !(0...64).contains(c.weightFanout) {
            throw bad("cluster.weight_fanout", "must be in 0…64 (0: every actor subscribes to the learner; 1: a chain), got \(c.weightFanout)")
        }
        if c.maxInFlight < rl.promptsPerStep {
            throw bad("cluster.max_in_flight", "must be ≥ algorithm.prompts_per_step (\(rl.promptsPerStep)), got \(c.maxInFlight)")
        }
        if !(c.workerTimeout > c.heartbeatInterval * 2) {
            throw bad("cluster.worker_timeout", "must exceed twice cluster.heartbeat_interval, got \(c.workerTimeout)")
        }
        if !(c.heartbeatInterval > 0) { throw bad("cluster.heartbeat_interval", "must be > 0") }
        if !(c.verifyTimeout > 0) { throw bad("cluster.verify_timeout", "must be > 0") }
        if c.actorThreads < 1 { throw bad("cluster.actor_threads", "must be ≥ 1") }
        if !(0...19).contains(c.actorNice) { throw bad("cluster.actor_nice", "must be in 0…19, got \(c.actorNice)") }
        if c.learnerThreads < 1 { throw bad("cluster.learner_threads", "must be ≥ 1") }
        if !(1...1024).contains(c.learnerRanks) { throw bad("cluster.learner_ranks", "must be in 1…1024, got \(c.learnerRanks)") }
        if !(0...1024).contains(c.machineCPUs) { throw bad("cluster.machine_cpus", "must be in 0…1024 cores (0: no emulated machines), got \(c.machineCPUs)") }
        if !(0...1024).contains(c.learnerMachineCPUs) { throw bad("cluster.learner_machine_cpus", "must be in 0…1024 cores, got \(c.learnerMachineCPUs)") }
        if c.rankCheckEvery < 0 { throw bad("cluster.rank_check_every", "must be ≥ 0 (0: never), got \(c.rankCheckEvery)") }
        if c.maxMessageBytes < 1 << 16 { throw bad("cluster.max_message_bytes", "must be ≥ 65536") }
        if !(0...1).contains(c.auditFraction) { throw bad("cluster.audit_fraction", "must be in 0…1, got \(c.auditFraction)") }
        if !(c.maxLogprobGap > 0) { throw bad("cluster.max_logprob_gap", "must be > 0, got \(c.maxLogprobGap)") }
        if !(16...1_000_000).contains(c.maxQueue) { throw bad("cluster.max_queue", "must be in 16…1000000, got \(c.maxQueue)") }
        if c.forgeryLimit < 1 { throw bad("cluster.forgery_limit", "must be ≥ 1, got \(c.forgeryLimit)") }
        if c.maxWorkers < c.actors + c.verifiers {
            throw bad("cluster.max_workers", "must be ≥ cluster.actors + cluster.verifiers (\(c.actors + c.verifiers)), got \(c.maxWorkers)")
        }
    }

    /// Where the cluster's CURVE keys live: `cluster.keys`, or the run directory's `keys/`.
    public var keyDirectory: String {
        cluster.keys.isEmpty ? (runDirectory(cluster: true) as NSString).appendingPathComponent("keys") : cluster.keys
    }

    /// The names `launch` gives its local workers (and their key folders).
    public var localWorkerNames: [String] { ClusterKeys.workerNames(actors: cluster.actors, verifiers: cluster.verifiers) }

    /// Every key with its current value, as a YAML document (what `launch --print-config` shows).
    public var yaml: String {
        var out = "", section = ""
        for k in ConfigKeys.all {
            let parts = k.name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts[0] != section { section = parts[0]; out += "\(section):\n" }
            out += "  \(parts[1]): \(k.current(self))\n"
        }
        return out
    }
}

public enum ConfigError: Error, CustomStringConvertible {
    case unreadable(String)
    case syntax(String, String)
    case unknownKey(String, at: String, known: [String])
    case badValue(key: String, value: String, expected: String, at: String)
    case badOverride(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unreadable(let f): return "cannot read config file \(f) (the configs/ directory holds the shipped ones)"
        case .syntax(let at, let why): return "\(at): not valid YAML: \(why)"
        case .unknownKey(let k, let at, let known): return "\(at): unknown key '\(k)'; known keys: \(known.joined(separator: ", "))"
        case .badValue(let k, let v, let e, let at): return "\(at): \(k) = '\(v)': expected \(e)"
        case .badOverride(let o): return "--set \(o): expected section.key=value"
        case .invalid(let why): return "invalid config: \(why)"
        }
    }
}
