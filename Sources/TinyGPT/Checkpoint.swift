import Foundation
import Kernels
import ModelFiles

/// A checkpoint is a directory Hugging Face `GPT2LMHeadModel.from_pretrained` can load:
///
///     model.safetensors   parameters, HF GPT-2 names, Conv1D layout
///     config.json         model_type gpt2 and the shape
///     optimizer.safetensors  AdamW moments and step (only when saved for resuming)
///     …                   any extra files the caller adds (tokenizer, trainer state)
///
/// The directory is written next to its final place and swapped in with renames,
/// so a crash mid-save leaves the previous checkpoint intact.
public enum Checkpoint {
    public static let modelFile = "model.safetensors"
    public static let configFile = "config.json"
    public static let optimizerFile = "optimizer.safetensors"

    /// Writes `model` (and optionally `optimizer`) plus `extraFiles` to `dir`.
    /// `configExtras` adds keys to config.json (e.g. the tokenizer's bos/eos/pad ids).
    public static func save(model: GPT, optimizer: AdamW? = nil, extraFiles: [String: Data] = [:],
                            configExtras: [String: Any] = [:], to dir: String) throws {
        var files = extraFiles
        files[modelFile] = encodeModel(model)
        files[configFile] = configJSON(model.config, extra: configExtras)
        try CheckpointFolder.write(files, tensorFiles: optimizer.map { [optimizerFile: optimizerTensors($0)] } ?? [:], to: dir)
    }

    /// Loads the model in `dir`, checking that every tensor is present with its shape.
    public static func loadModel(from dir: String) throws -> GPT {
        let config = try loadConfig(from: dir)
        let model = try GPT(config: config)
        let path = (dir as NSString).appendingPathComponent(modelFile)
        let (tensors, _) = try decode(path)
        let layout = model.layout
        for (name, tensor, layer) in layout.namedSlices {
            guard let t = tensors[name] else {
                throw CheckpointError(path, "tensor \(name) is missing (config.json says \(config.layers) layers)")
            }
            let want = tensor.shape(config)
            guard t.shape == want else {
                throw CheckpointError(path, "tensor \(name) has shape \(t.shape) but config.json implies \(want)")
            }
            t.values.withUnsafeBufferPointer { model[tensor, layer: layer].update(from: $0.baseAddress!, count: $0.count) }
        }
        return model
    }

    /// Restores AdamW moments and step saved with the model.
    public static func loadOptimizer(_ optimizer: AdamW, from dir: String) throws {
        let path = (dir as NSString).appendingPathComponent(optimizerFile)
        let (tensors, meta) = try decode(path)
        for (name, buf) in [("adamw.m", optimizer.m), ("adamw.v", optimizer.v)] {
            guard let t = tensors[name], t.values.count == buf.count else {
                throw CheckpointError(path, "\(name) is missing or has the wrong size (model has \(buf.count) parameters)")
            }
            t.values.withUnsafeBufferPointer { buf.pointer.update(from: $0.baseAddress!, count: $0.count) }
        }
        guard let step = meta["step"].flatMap(Int.init) else { throw CheckpointError(path, "metadata has no step") }
        optimizer.step = step
    }

    public static func loadConfig(from dir: String) throws -> GPTConfig {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw CheckpointError(dir, "no such checkpoint directory (make one with `nanoreasoner pretrain`)")
        }
        let path = (dir as NSString).appendingPathComponent(configFile)
        guard let obj = try? JSONSerialization.jsonObject(with: try readFile(path)) as? [String: Any] else {
            throw CheckpointError(path, "not a JSON object")
        }
        guard obj["model_type"] as? String == "gpt2" else {
            throw CheckpointError(path, "model_type is \(obj["model_type"] ?? "missing"); expected gpt2")
        }
        func int(_ key: String) throws -> Int {
            guard let v = obj[key] as? Int else { throw CheckpointError(path, "\(key) is missing or not an integer") }
            return v
        }
        let c = GPTConfig(vocabSize: try int("vocab_size"), contextLength: try int("n_positions"),
                          layers: try int("n_layer"), heads: try int("n_head"), width: try int("n_embd"))
        do { try c.validate() } catch { throw CheckpointError(path, "\(error)") }
        return c
    }

    /// Reads a file of the checkpoint, with an error naming it when absent.
    public static func readFile(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError(path, "file is missing") }
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw CheckpointError(path, "could not be read: \(error.localizedDescription)")
        }
    }

    /// Reads and decodes a safetensors file of the checkpoint.
    static func decode(_ path: String) throws -> (tensors: [String: Safetensors.Tensor], metadata: [String: String]) {
        try Safetensors.decode(try readFile(path), path: path)
    }

    static func encodeModel(_ model: GPT) -> Data {
        let layout = model.layout
        let slices = layout.namedSlices.map { s in
            (name: s.name, shape: s.tensor.shape(model.config),
             data: UnsafeBufferPointer(start: model[s.tensor, layer: s.layer], count: layout.sliceSizes[s.tensor.rawValue]))
        }
        return Safetensors.encode(slices, metadata: ["format": "pt"])
    }

    /// The optimizer's moments as `optimizerFile`, streamed to disk (valid while `opt` lives).
    public static func optimizerTensors(_ opt: AdamW) -> TensorFile {
        TensorFile([
            ("adamw.m", [opt.m.count], UnsafeBufferPointer(start: opt.m.pointer, count: opt.m.count)),
            ("adamw.v", [opt.v.count], UnsafeBufferPointer(start: opt.v.pointer, count: opt.v.count)),
        ], metadata: ["format": "pt", "step": String(opt.step)])
    }

    /// Hugging Face GPT2Config for this shape (dropout off, tanh GELU, tied head).
    public static func configJSON(_ c: GPTConfig, extra: [String: Any] = [:]) -> Data {
        var obj: [String: Any] = [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
            "vocab_size": c.vocabSize, "n_positions": c.contextLength, "n_ctx": c.contextLength,
            "n_embd": c.width, "n_layer": c.layers, "n_head": c.heads,
            "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
            "initializer_range": 0.02, "scale_attn_weights": true, "tie_word_embeddings": true,
            "use_cache": true, "torch_dtype": "float32",
        ]
        for (k, v) in extra { obj[k] = v }
        return try! JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
    }
}
