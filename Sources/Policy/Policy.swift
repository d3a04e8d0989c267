import BPE
import Foundation
import Kernels
import Llama
import ModelFiles
import Tasks
import TinyGPT

/// A policy on disk, of either family, with the codec its prompts go through: the one place
/// that learns which family a checkpoint is (config.json's model_type).
public final class Policy {
    public let model: any CausalLM
    public let codec: any PromptCodec
    /// The checkpoint folder it was read from.
    public let directory: String

    public init(model: any CausalLM, codec: any PromptCodec, directory: String) {
        self.model = model
        self.codec = codec
        self.directory = directory
    }

    /// "gpt2", "llama" or "qwen2".
    public var family: String { ModelFamily.name(of: model) }

    /// The checkpoint directory for a run or checkpoint path: `runs/x` holds `checkpoint/`.
    public static func checkpointDir(_ path: String) -> String {
        let nested = (path as NSString).appendingPathComponent("checkpoint")
        let config = "config.json"
        let here = FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(config))
        let inside = FileManager.default.fileExists(atPath: (nested as NSString).appendingPathComponent(config))
        return !here && inside ? nested : path
    }

    /// Loads the policy at `path` (a checkpoint folder, or a run folder holding `checkpoint/`).
    /// A chat model's prompts go through its chat template, with `system` instead of the
    /// template's default system prompt when given, and problems are asked in words followed
    /// by `instruction` (nil: prompts are sent as they are).
    public static func load(_ path: String, system: String? = nil, instruction: String? = nil) throws -> Policy {
        let dir = checkpointDir(path)
        let configPath = (dir as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw ModelFileError(configPath, "no config.json here: give a checkpoint folder (ours, a Hugging Face one, or `nanoreasoner import` of a GGUF)")
        }
        let type = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["model_type"] as? String
        if type == "gpt2" { return try loadGPT(dir) }
        let model = try LlamaCheckpoint.load(from: dir)
        let tokenizer = try BPETokenizer(directory: dir)
        guard tokenizer.vocabSize <= model.config.vocabSize else {
            throw ModelFileError(dir, "the tokenizer has \(tokenizer.vocabSize) ids but the embedding has \(model.config.vocabSize) rows: they are not one model's")
        }
        var files: [String: Data] = [:]
        for name in ChatCodec.fileNames {
            if let d = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent(name)) { files[name] = d }
        }
        let codec = ChatCodec(tokenizer: tokenizer, template: try tokenizer.requireChatTemplate(), system: system,
                              instruction: instruction, files: files)
        return Policy(model: model, codec: codec, directory: dir)
    }

    /// Our GPT-2 and the character-level tokenizer it was trained with.
    static func loadGPT(_ dir: String) throws -> Policy {
        let model = try Checkpoint.loadModel(from: dir)
        let tokenizer = try Tokenizer.load(checkpoint: dir)
        guard tokenizer.vocabSize == model.config.vocabSize else {
            throw ModelFileError(dir, "tokenizer has \(tokenizer.vocabSize) tokens but the model's vocab_size is \(model.config.vocabSize)")
        }
        return Policy(model: model, codec: tokenizer, directory: dir)
    }

    /// Writes the policy as a Hugging Face folder at `dir` with our own writer (F32 safetensors),
    /// with its tokenizer's files and the generation config and trainer state beside it.
    public func export(to dir: String) throws {
        var files = codec.checkpointFiles(contextLength: model.contextLength)
        for name in ["generation_config.json", "trainer_state.json"] {
            if let d = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) { files[name] = d }
        }
        try ModelFamily.save(model, optimizer: nil, files: files, configExtras: codec.configIds, to: dir)
    }
}

/// The families, named and saved: the rest of the code holds `any CausalLM`.
public enum ModelFamily {
    public static func name(of model: any CausalLM) -> String {
        switch model {
        case is GPT: return "gpt2"
        case let llama as Llama: return llama.config.family.rawValue
        default: return String(describing: type(of: model))
        }
    }

    /// Writes `model` (and the optimizer's moments, for resuming) as a Hugging Face folder,
    /// atomically, with `files` beside it and `configExtras` added to config.json.
    public static func save(_ model: any CausalLM, optimizer: AdamW?, files: [String: Data], configExtras: [String: Int],
                            to dir: String) throws {
        switch model {
        case let gpt as GPT:
            try Checkpoint.save(model: gpt, optimizer: optimizer, extraFiles: files, configExtras: configExtras, to: dir)
        case let llama as Llama:
            try LlamaCheckpoint.save(llama, extraFiles: files, tensorFiles: optimizer.map { [Checkpoint.optimizerFile: Checkpoint.optimizerTensors($0)] } ?? [:],
                                     configExtras: configExtras, to: dir)
        default:
            preconditionFailure("no checkpoint writer for \(type(of: model))")
        }
    }
}
