import Foundation
import ModelFiles

/// A Llama-family checkpoint is a Hugging Face folder: config.json and model.safetensors
/// (or shards with model.safetensors.index.json), F32, F16 or BF16. We write F32 with HF's
/// names, so `AutoModelForCausalLM.from_pretrained` loads what we save unchanged.
public enum LlamaCheckpoint {
    public static let configFile = "config.json"
    public static let modelFile = "model.safetensors"

    /// Names transformers may leave in a folder that are not parameters.
    static let ignoredSuffixes = ["rotary_emb.inv_freq"]

    /// Reads config.json alone.
    public static func loadConfig(from dir: String) throws -> LlamaConfig {
        let path = (dir as NSString).appendingPathComponent(configFile)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(path, "file is missing or unreadable (a Hugging Face model folder has config.json)")
        }
        return try LlamaConfig(configJSON: data, path: path)
    }

    /// Loads the model in `dir`: every tensor present with its shape, none unknown, the
    /// vocabulary of the embedding equal to config.json's.
    public static func load(from dir: String) throws -> Llama {
        let config = try loadConfig(from: dir)
        let model = try Llama(config: config)
        let folder = try SafetensorsFolder(directory: dir)
        let where_ = "\(dir) (\(folder.names.count) tensors)"
        let slots = model.layout.hfSlots
        let expected = Set(slots.map(\.name))
        for name in folder.names where !expected.contains(name) {
            if ignoredSuffixes.contains(where: { name.hasSuffix($0) }) { continue }
            // A tied model saved with its head too: the head is the embedding, so it is not read.
            if name == "lm_head.weight" && config.tiedHead { continue }
            throw ModelFileError(where_, "tensor \(name) is not part of a \(config.family.rawValue) model as config.json describes it")
        }
        for s in slots {
            guard let shape = folder.shape(s.name) else {
                throw ModelFileError(where_, "tensor \(s.name) is missing (config.json says \(config.layers) layers)")
            }
            guard shape == s.shape else {
                throw ModelFileError(where_, "tensor \(s.name) has shape \(shape) but config.json implies \(s.shape)")
            }
            let dst = model[s.tensor, layer: s.layer] + s.offsetInSlice
            try folder.read(s.name, into: UnsafeMutableBufferPointer(start: dst, count: s.count))
        }
        return model
    }

    /// The adapters of a model trained with LoRA, beside its merged weights: what a resumed
    /// run reads back onto its base (HF's loaders ignore the file).
    public static let loraFile = "lora.safetensors"

    /// Writes config.json and model.safetensors (F32, HF names) plus `extraFiles` as the folder
    /// `dir`, replaced whole (`CheckpointFolder`). A model with LoRA adapters is written merged
    /// (a plain HF folder again), its adapters in `loraFile` beside it. The weights (and
    /// `tensorFiles`: the optimizer's moments) are streamed to disk, never one Data.
    public static func save(_ model: Llama, extraFiles: [String: Data] = [:], tensorFiles: [String: TensorFile] = [:],
                            configExtras: [String: Any] = [:], to dir: String) throws {
        var files = extraFiles
        files[configFile] = model.config.configJSON(extra: configExtras)
        // Each adapted tensor is merged into a copy of its own (a few MB each), the base left as it is.
        var merged: [String: UnsafeMutableBufferPointer<Float>] = [:]
        defer { merged.values.forEach { $0.deallocate() } }
        if let lora = model.lora {
            files[loraFile] = Safetensors.encode(lora.tensors, metadata: ["format": "pt", "lora_alpha": "\(lora.config.alpha)"])
            for s in model.layout.hfSlots {
                guard let target = lora.config.targets.first(where: { $0.hfName(layer: s.layer) + ".weight" == s.name }) else { continue }
                let w = UnsafeMutableBufferPointer<Float>.allocate(capacity: s.count)
                w.baseAddress!.initialize(from: model[s.tensor, layer: s.layer] + s.offsetInSlice, count: s.count)
                _ = lora.merge(into: w.baseAddress!, target: target, layer: s.layer)
                merged[s.name] = w
            }
        }
        let tensors = model.layout.hfSlots.map { s in
            (name: s.name, shape: s.shape,
             data: merged[s.name].map { UnsafeBufferPointer($0) }
                ?? UnsafeBufferPointer(start: model[s.tensor, layer: s.layer] + s.offsetInSlice, count: s.count))
        }
        var streamed = tensorFiles
        streamed[modelFile] = TensorFile(tensors, metadata: ["format": "pt"])
        try CheckpointFolder.write(files, tensorFiles: streamed, to: dir)
    }

    /// Reads `loraFile` in `dir` into the model's adapters (attached with the same rank and targets).
    public static func loadAdapters(into model: Llama, from dir: String) throws {
        guard let lora = model.lora else { throw LlamaError.invalidConfig("the model has no LoRA adapters to read into") }
        let path = (dir as NSString).appendingPathComponent(loraFile)
        let file = try SafetensorsFile(path: path)
        for t in lora.tensors {
            guard file.shape(t.name) == t.shape else {
                throw ModelFileError(path, "adapter \(t.name) is \(file.shape(t.name).map { "\($0)" } ?? "missing") but lora.rank and lora.targets make it \(t.shape): resume with the run's own lora settings")
            }
            try file.read(t.name, into: UnsafeMutableBufferPointer(mutating: t.data))
        }
    }

}
