import Trainer
import Verifier
import Wire

/// The table of config keys: name, how to parse and set it, how to print it.
/// One list, so the file format, `--set` and the error messages cannot drift apart.
public enum ConfigKeys {
    public struct Key: Sendable {
        public let name: String
        let apply: @Sendable (inout ExperimentConfig, String) throws -> Void
        let current: @Sendable (ExperimentConfig) -> String
    }

    enum ParseFailure: Error { case expected(String) }

    static func int(_ name: String, _ path: WritableKeyPath<ExperimentConfig, Int> & Sendable) -> Key {
        Key(name: name, apply: { c, v in
            guard let x = Int(v.replacingOccurrences(of: "_", with: "")) else { throw ParseFailure.expected("an integer") }
            c[keyPath: path] = x
        }, current: { "\($0[keyPath: path])" })
    }

    static func float(_ name: String, _ path: WritableKeyPath<ExperimentConfig, Float> & Sendable) -> Key {
        Key(name: name, apply: { c, v in
            guard let x = Float(v), x.isFinite else { throw ParseFailure.expected("a number") }
            c[keyPath: path] = x
        }, current: { "\($0[keyPath: path])" })
    }

    static func double(_ name: String, _ path: WritableKeyPath<ExperimentConfig, Double> & Sendable) -> Key {
        Key(name: name, apply: { c, v in
            guard let x = Double(v), x.isFinite else { throw ParseFailure.expected("a number") }
            c[keyPath: path] = x
        }, current: { "\($0[keyPath: path])" })
    }

    static func bool(_ name: String, _ path: WritableKeyPath<ExperimentConfig, Bool> & Sendable) -> Key {
        Key(name: name, apply: { c, v in
            switch v.lowercased() {
            case "true", "yes", "on", "1": c[keyPath: path] = true
            case "false", "no", "off", "0": c[keyPath: path] = false
            default: throw ParseFailure.expected("true or false")
            }
        }, current: { "\($0[keyPath: path])" })
    }

    static func string(_ name: String, _ path: WritableKeyPath<ExperimentConfig, String> & Sendable) -> Key {
        Key(name: name, apply: { c, v in c[keyPath: path] = v }, current: { c in
            let s = c[keyPath: path]
            return s.isEmpty ? "\"\"" : s
        })
    }

    public static let all: [Key] = [
        string("run.init_from", \.initFrom),
        string("run.out", \.out),
        int("run.checkpoint_every", \.rl.checkpointEvery),
        Key(name: "run.seed", apply: { c, v in
            guard let x = UInt64(v) else { throw ParseFailure.expected("a non-negative integer") }
            c.rl.seed = x
        }, current: { "\($0.rl.seed)" }),
        int("lora.rank", \.lora.rank),
        float("lora.alpha", \.lora.alpha),
        string("lora.targets", \.lora.targets),
        string("task.file", \.taskFile),
        string("task.held_out", \.taskHeldOut),
        string("task.instruction", \.taskInstruction),
        Key(name: "algorithm.name", apply: { c, v in
            guard let a = Algorithm(rawValue: v) else {
                throw ParseFailure.expected("one of \(Algorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.rl.algorithm = a
        }, current: { $0.rl.algorithm.rawValue }),
        int("algorithm.steps", \.rl.steps),
        int("algorithm.prompts_per_step", \.rl.promptsPerStep),
        int("algorithm.group_size", \.rl.groupSize),
        float("algorithm.lr", \.rl.learningRate),
        int("algorithm.warmup_steps", \.rl.warmupSteps),
        Key(name: "algorithm.epochs", apply: { c, v in
            guard let x = Int(v) else { throw ParseFailure.expected("an integer (1 for kimi, 2 for the others when not set)") }
            c.rl.epochs = x
        }, current: { "\($0.rl.passes)" }),
        float("algorithm.beta", \.rl.loss.beta),
        float("algorithm.tau", \.rl.loss.tau),
        bool("algorithm.kimi_mean_baseline", \.rl.loss.kimiMeanBaseline),
        float("algorithm.grad_clip", \.rl.gradClip),
        float("algorithm.clip_low", \.rl.loss.clipLow),
        float("algorithm.clip_high", \.rl.loss.clipHigh),
        float("algorithm.seq_clip_low", \.rl.loss.sequenceClipLow),
        float("algorithm.seq_clip_high", \.rl.loss.sequenceClipHigh),
        float("algorithm.gamma", \.rl.ppo.gamma),
        float("algorithm.lambda", \.rl.ppo.lambda),
        float("algorithm.value_clip", \.rl.ppo.valueClip),
        float("algorithm.value_coef", \.rl.ppo.valueCoef),
        float("algorithm.value_lr", \.rl.ppo.valueLearningRate),
        bool("algorithm.no_std", \.rl.noStd),
        bool("algorithm.per_token", \.rl.loss.perToken),
        bool("algorithm.dynamic_sampling", \.rl.dynamicSampling),
        int("algorithm.max_resample_rounds", \.rl.maxResampleRounds),
        int("algorithm.max_flat_batches", \.rl.maxFlatBatches),
        int("algorithm.micro_batch_tokens", \.rl.microBatchTokens),
        bool("algorithm.curriculum", \.rl.curriculum),
        double("algorithm.curriculum_floor", \.rl.curriculumFloor),
        float("algorithm.temperature", \.rl.temperature),
        float("algorithm.entropy_coef", \.rl.entropyCoef),
        int("algorithm.max_new_tokens", \.rl.maxNewTokens),
        double("algorithm.minutes", \.rl.timeLimitMinutes),
        float("reward.accuracy_weight", \.rl.reward.accuracyWeight),
        float("reward.format_weight", \.rl.reward.formatWeight),
        float("reward.process_weight", \.rl.reward.processWeight),
        Key(name: "reward.answer_format", apply: { c, v in
            guard let f = AnswerFormat(rawValue: v) else {
                throw ParseFailure.expected("one of \(AnswerFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.rl.reward.answerFormat = f
        }, current: { $0.rl.reward.answerFormat.rawValue }),
        string("reward.external_verifier", \.externalVerifier),
        double("reward.external_timeout", \.externalVerifierTimeout),
        int("eval.every", \.rl.evalEvery),
        int("eval.problems", \.rl.evalProblems),
        int("eval.samples", \.rl.evalSamples),
        int("eval.final_problems", \.rl.finalEvalProblems),
        int("eval.final_samples", \.rl.finalSamples),
        int("metrics.port", \.metricsPort),
        string("metrics.host", \.metricsHost),
        string("cluster.bind_host", \.cluster.bindHost),
        string("cluster.learner_host", \.cluster.learnerHost),
        int("cluster.base_port", \.cluster.basePort),
        int("cluster.actors", \.cluster.actors),
        int("cluster.verifiers", \.cluster.verifiers),
        int("cluster.actor_batch", \.cluster.actorBatch),
        int("cluster.actor_threads", \.cluster.actorThreads),
        int("cluster.learner_threads", \.cluster.learnerThreads),
        int("cluster.actor_nice", \.cluster.actorNice),
        int("cluster.max_staleness", \.rl.maxStaleness),
        int("cluster.broadcast_every", \.cluster.broadcastEvery),
        int("cluster.weight_fanout", \.cluster.weightFanout),
        int("cluster.max_in_flight", \.cluster.maxInFlight),
        double("cluster.worker_timeout", \.cluster.workerTimeout),
        double("cluster.heartbeat_interval", \.cluster.heartbeatInterval),
        double("cluster.verify_timeout", \.cluster.verifyTimeout),
        int("cluster.verify_retries", \.cluster.verifyRetries),
        int("cluster.max_message_bytes", \.cluster.maxMessageBytes),
        Key(name: "cluster.weights_precision", apply: { c, v in
            guard let p = WeightPrecision(rawValue: v) else { throw ParseFailure.expected("fp32 or bf16") }
            c.cluster.weightsPrecision = p
        }, current: { $0.cluster.weightsPrecision.rawValue }),
        Key(name: "cluster.security", apply: { c, v in
            guard ["curve", "none"].contains(v) else { throw ParseFailure.expected("curve or none") }
            c.cluster.security = v
        }, current: { $0.cluster.security }),
        string("cluster.keys", \.cluster.keys),
        double("cluster.audit_fraction", \.cluster.auditFraction),
        bool("cluster.reference_on_actors", \.cluster.referenceOnActors),
        int("cluster.learner_ranks", \.cluster.learnerRanks),
        int("cluster.rank_check_every", \.cluster.rankCheckEvery),
        string("cluster.mpirun_args", \.cluster.mpirunArgs),
        double("cluster.machine_cpus", \.cluster.machineCPUs),
        double("cluster.learner_machine_cpus", \.cluster.learnerMachineCPUs),
        double("cluster.max_logprob_gap", \.cluster.maxLogprobGap),
        int("cluster.forgery_limit", \.cluster.forgeryLimit),
        int("cluster.max_workers", \.cluster.maxWorkers),
        int("cluster.max_queue", \.cluster.maxQueue),

    ]
}
