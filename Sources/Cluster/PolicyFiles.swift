import Foundation
import Pretrain
import Tasks
import TinyGPT

/// Finding a policy on disk: a run directory (`runs/base`) or its `checkpoint/` inside.
public enum PolicyFiles {
    /// The checkpoint directory for a run or checkpoint path.
    public static func checkpointDir(_ path: String) -> String {
        let nested = (path as NSString).appendingPathComponent("checkpoint")
        let here = FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(Checkpoint.configFile))
        let inside = FileManager.default.fileExists(atPath: (nested as NSString).appendingPathComponent(Checkpoint.configFile))
        return !here && inside ? nested : path
    }

    /// The model and the tokenizer it was trained with.
    public static func load(_ path: String) throws -> (GPT, Tokenizer) {
        let dir = checkpointDir(path)
        let model = try Checkpoint.loadModel(from: dir)
        let tokenizer = try Tokenizer.load(checkpoint: dir)
        guard tokenizer.vocabSize == model.config.vocabSize else {
            throw PolicyFilesError("\(dir): tokenizer has \(tokenizer.vocabSize) tokens but the model's vocab_size is \(model.config.vocabSize)")
        }
        return (model, tokenizer)
    }

    /// trainer_state.json of a checkpoint (or run) directory.
    public static func stateFile(_ path: String) -> String {
        (checkpointDir(path) as NSString).appendingPathComponent(TrainerState.file)
    }

    /// The task config a checkpoint was trained with (the default when it recorded none).
    public static func taskConfig(of path: String) -> ArithmeticConfig {
        pretrainConfig(of: path)?.task ?? ArithmeticConfig()
    }

    /// The supervised config a checkpoint was trained with (nil when it recorded none).
    public static func pretrainConfig(of path: String) -> PretrainConfig? {
        guard let data = FileManager.default.contents(atPath: stateFile(path)),
              let state = try? JSONDecoder().decode(TrainerState.self, from: data) else { return nil }
        return state.config
    }
}

public struct PolicyFilesError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
