import Foundation
import Policy
import Pretrain
import Tasks
import TinyGPT

/// Finding a policy on disk: a run directory (`runs/base`) or its `checkpoint/` inside.
public enum PolicyFiles {
    /// The checkpoint directory for a run or checkpoint path.
    public static func checkpointDir(_ path: String) -> String { Policy.checkpointDir(path) }

    /// Our GPT-2 and the tokenizer it was trained with (what pretraining, RFT, the benchmarks
    /// and the cluster's workers run); a policy of another family is an error naming it.
    public static func load(_ path: String) throws -> (GPT, Tokenizer) {
        let p = try Policy.load(path)
        guard let model = p.model as? GPT, let tokenizer = p.codec as? Tokenizer else {
            throw PolicyFilesError("\(p.directory) holds a \(p.family) model; this command runs our GPT-2 only so far (sample, logprobs, eval, export and train take either)")
        }
        return (model, tokenizer)
    }

    /// trainer_state.json of a checkpoint (or run) directory.
    public static func stateFile(_ path: String) -> String {
        (checkpointDir(path) as NSString).appendingPathComponent(TrainerState.file)
    }

    /// The task config a checkpoint was trained with (the built-in default when it has no
    /// trainer_state.json).
    public static func taskConfig(of path: String) throws -> ArithmeticConfig {
        try pretrainConfig(of: path)?.task ?? ArithmeticConfig()
    }

    /// The problems a checkpoint was trained on: its task files, or the generator's config.
    public static func problemSet(of path: String) throws -> any ProblemSet {
        try pretrainConfig(of: path)?.problemSet() ?? ArithmeticTask()
    }

    /// The supervised config a checkpoint was trained with; nil when it has no trainer_state.json.
    /// One that is not ours (Hugging Face's Trainer writes a trainer_state.json in its
    /// checkpoint-N/ folders) is an error naming it, not a silent fall back to the default task.
    public static func pretrainConfig(of path: String) throws -> PretrainConfig? {
        let file = stateFile(path)
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        do { return try JSONDecoder().decode(TrainerState.self, from: data).config } catch {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let huggingFace = object.map { $0["global_step"] != nil || $0["log_history"] != nil } ?? false
            throw PolicyFilesError("\(file) is not NanoReasoner's trainer state"
                + (huggingFace ? " (it is Hugging Face Trainer's: it has global_step and log_history)" : "")
                + ", so the task this checkpoint learned is unknown: rename that file to use the built-in task, or give the problems with --tasks")
        }
    }
}

public struct PolicyFilesError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
