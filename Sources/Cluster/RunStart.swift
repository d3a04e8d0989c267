import Foundation
import Kernels
import Policy
import Tasks
import TinyGPT
import Trainer
import Verifier

/// What a run starts from, for `train` and the learner alike: the policy (the base's, or
/// with `resume` the run's own checkpoint), its tokenizer and task, and a resumed run's state.
public struct RunStart {
    public var policy: any CausalLM
    /// The policy's prompts and completions' text: our tokenizer, or a chat model's template.
    public var codec: any PromptCodec
    public var task: any ProblemSet
    public var state: RunState?
    /// Copied into every checkpoint: the base's trainer state (it records the task config).
    public var baseFiles: [String: Data] = [:]
    /// A resumed run's KL reference: the base it started from (`run.init_from`), not the
    /// checkpoint it resumes (nil when the run starts at the base).
    public var reference: (any CausalLM)?

    public init(config: ExperimentConfig, runDir: String, resume: Bool) throws {
        let source = resume ? (runDir as NSString).appendingPathComponent("checkpoint") : config.initFrom
        state = resume ? try RLRun.savedState(runDir: runDir) : nil
        // A chat model is asked each problem in words, told the format its answer is read in.
        // With LoRA the checkpoint holds merged weights: a resumed run reads its base again and
        // the adapters saved beside them.
        let loaded = try Policy.load(config.lora.enabled ? config.initFrom : source, instruction: config.chatInstruction)
        if config.lora.enabled { try loaded.attachLoRA(config.lora, seed: config.rl.seed, adaptersFrom: resume ? Policy.checkpointDir(source) : nil) }
        (policy, codec) = (loaded.model, loaded.codec)
        task = try config.taskFiles.map { try FileTask(files: $0) } ?? PolicyFiles.problemSet(of: source)
        if let files = task as? FileTask {
            // Our character-level tokenizer cannot spell every text; a byte-level BPE can.
            if let tokenizer = codec as? Tokenizer { try files.checkCovered(by: tokenizer) }
            if config.rl.reward.processWeight > 0 {
                throw ConfigError.invalid("reward.process_weight checks the built-in task's worked traces; this run's problems come from \(files.files.train): leave it 0")
            }
        }
        if resume, config.rl.loss.beta > 0 {
            do { reference = try Policy.load(config.initFrom).model } catch {
                throw TrainerError.cannotResume("the KL reference is the base at run.init_from (\(config.initFrom)), which does not load: \(error)")
            }
        }
        if let data = FileManager.default.contents(atPath: PolicyFiles.stateFile(source)) {
            baseFiles["trainer_state.json"] = data
        }
    }

    /// The ledger the run continues with, or a new one.
    public func ledger(config: RLConfig, maxInFlight: Int) -> WorkLedger {
        state?.ledger(maxInFlight: maxInFlight) ?? .fresh(config: config, maxInFlight: maxInFlight)
    }

    /// The run's verifier in this process: the external command when the config names one.
    public static func verifier(_ config: ExperimentConfig) throws -> LocalSource.Verify {
        LocalSource.verify(try RunVerifier(reward: config.rl.reward, externalCommand: config.externalVerifier,
                                           timeout: config.externalVerifierTimeout))
    }

    /// The whole single-process run: this policy, sampled and scored here.
    public func localRun(config: ExperimentConfig, runDir: String, log: @escaping (String) -> Void) throws -> RLRun {
        let verify = try Self.verifier(config)
        let source = LocalSource(config: config.rl, policy: policy, codec: codec, task: task,
                                 ledger: ledger(config: config.rl, maxInFlight: 1 << 30), verify: verify)
        return try RLRun(config: config.rl, runDir: runDir, policy: policy, codec: codec, task: task,
                         source: source, state: state, baseFiles: baseFiles, reference: reference, verify: verify, log: log)
    }
}
