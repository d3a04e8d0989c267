import BPE
import Cluster
import Foundation
import Kernels
import Llama
import ModelFiles
import Sampler
import Tasks
import TinyGPT

/// A policy on disk, of either family, with the codec its prompts go through: the one place
/// the commands learn which family a checkpoint is (config.json's model_type).
public final class Policy {
    public enum Model {
        /// Our character-level GPT-2 (model_type gpt2).
        case gpt(GPT)
        /// A Hugging Face Llama or Qwen2 (model_type llama, qwen2).
        case llama(Llama)
    }

    public let model: Model
    public let codec: any PromptCodec
    /// The checkpoint folder it was read from.
    public let directory: String

    init(model: Model, codec: any PromptCodec, directory: String) {
        self.model = model
        self.codec = codec
        self.directory = directory
    }

    public var vocabSize: Int {
        switch model {
        case .gpt(let m): return m.config.vocabSize
        case .llama(let m): return m.config.vocabSize
        }
    }

    public var contextLength: Int {
        switch model {
        case .gpt(let m): return m.config.contextLength
        case .llama(let m): return m.config.contextLength
        }
    }

    /// "gpt2", "llama" or "qwen2", and the parameter count.
    public var summary: (family: String, parameters: Int) {
        switch model {
        case .gpt(let m): return ("gpt2", m.parameterCount)
        case .llama(let m): return (m.config.family.rawValue, m.parameterCount)
        }
    }

    public func makeSampler() -> Sampler {
        switch model {
        case .gpt(let m): return Sampler(model: m)
        case .llama(let m): return Sampler(model: m)
        }
    }

    /// Runs one row of ids and returns its logits [ids.count, V] (valid until the next forward).
    public func logits(_ ids: [Int32]) throws -> UnsafePointer<Float> {
        let layout = AttentionLayout.dense(rows: 1, length: ids.count)
        switch model {
        case .gpt(let m):
            try ids.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: layout) }
            return UnsafePointer(m.logits)
        case .llama(let m):
            try ids.withUnsafeBufferPointer { try m.forward($0.baseAddress!, layout: layout) }
            return UnsafePointer(m.logits)
        }
    }

    /// log p(ids[i] | ids[<i]) for i ≥ 1 (the first token has none).
    public func tokenLogprobs(_ ids: [Int32]) throws -> [Float] {
        guard ids.count >= 2 else { return [] }
        let V = vocabSize, rows = try logits(ids)
        return (1..<ids.count).map { i in rows[(i - 1) * V + Int(ids[i])] - logSumExp(rows + (i - 1) * V, V) }
    }

    /// Loads the policy at `path` (a checkpoint folder, or a run folder holding `checkpoint/`).
    /// A chat model's prompts go through its chat template, with `system` instead of the
    /// template's default system prompt when given.
    public static func load(_ path: String, system: String? = nil) throws -> Policy {
        let dir = PolicyFiles.checkpointDir(path)
        let configPath = (dir as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw ModelFileError(configPath, "no config.json here: give a checkpoint folder (ours, a Hugging Face one, or `nanoreasoner import` of a GGUF)")
        }
        let type = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["model_type"] as? String
        if type == "gpt2" {
            let (model, tokenizer) = try PolicyFiles.load(dir)
            return Policy(model: .gpt(model), codec: tokenizer, directory: dir)
        }
        let model = try LlamaCheckpoint.load(from: dir)
        let tokenizer = try BPETokenizer(directory: dir)
        guard tokenizer.vocabSize <= model.config.vocabSize else {
            throw ModelFileError(dir, "the tokenizer has \(tokenizer.vocabSize) ids but the embedding has \(model.config.vocabSize) rows: they are not one model's")
        }
        let template = try tokenizer.requireChatTemplate()
        return Policy(model: .llama(model), codec: ChatCodec(tokenizer: tokenizer, template: template, system: system), directory: dir)
    }
}

extension Policy {
    /// Files of a checkpoint folder that are not the weights: the tokenizer, its template, the
    /// generation config and our trainer state travel with an export unchanged.
    static let companionFiles = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json",
                                 "generation_config.json", "tokenizer_description.json", "trainer_state.json"]

    /// Writes the policy as a Hugging Face folder at `dir` with our own writer (F32 safetensors).
    public func export(to dir: String) throws {
        var extra: [String: Data] = [:]
        for name in Self.companionFiles {
            if let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) { extra[name] = data }
        }
        // The token ids HF reads from config.json (bos/eos/pad) stay as they were.
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        let config = FileManager.default.contents(atPath: configPath).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]
        let keep = config?.filter { ["bos_token_id", "eos_token_id", "pad_token_id"].contains($0.key) } ?? [:]
        switch model {
        case .gpt(let m):
            try Checkpoint.save(model: m, extraFiles: extra, configExtras: keep, to: dir)
        case .llama(let m):
            try LlamaCheckpoint.save(m, extraFiles: extra, configExtras: keep, to: dir)
        }
    }
}
