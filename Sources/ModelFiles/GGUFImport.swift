import Foundation

/// Turns a llama.cpp GGUF file of a Llama or Qwen2 model into a Hugging Face folder that
/// `from_pretrained` loads: config.json, generation_config.json, model.safetensors (F32,
/// Hugging Face names, Llama's rotary permutation undone), tokenizer.json and
/// tokenizer_config.json.
///
/// Everything is checked before anything is written; the folder is written beside `out`
/// under a temporary name and renamed at the end, so a failed import leaves nothing
/// half-written. Tensors are dequantised and written one at a time.
public enum GGUFImport {
    /// What an import did.
    public struct Summary: CustomStringConvertible, Codable {
        public let architecture: String
        public let layers: Int
        /// Parameters written (a tied output head is not counted twice).
        public let parameters: Int
        public let vocabularySize: Int
        /// ggml type name → number of tensors of that type in the GGUF file.
        public let tensorTypes: [String: Int]
        public let seconds: Double

        public var description: String {
            let types = tensorTypes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return "\(architecture), \(layers) layers, \(parameters) parameters, vocabulary \(vocabularySize), tensors: \(types); \(String(format: "%.1f", seconds)) s"
        }
    }

    /// One line per tensor written: (tensors done, tensors in all, what was written).
    public typealias Progress = (_ done: Int, _ total: Int, _ line: String) -> Void

    public static func run(gguf: String, out: String, progress: Progress? = nil) throws -> Summary {
        let start = Date()
        let file = try GGUFFile(path: gguf)
        let config = try GGUFModelConfig(file)
        let plan = try GGUFTensorPlan(file, config)
        let tokenizer = try GGUFTokenizer(file, config: config)

        let fm = FileManager.default
        let final = URL(fileURLWithPath: out).standardizedFileURL
        if fm.fileExists(atPath: final.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: final.path)) ?? ["?"]
            guard contents.isEmpty else {
                throw ModelFileError(final.path, "already exists; remove it or choose another output folder")
            }
        }
        // Unique per call, so two imports (even in one process) never share a temporary folder.
        let tmp = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).import-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? fm.removeItem(at: tmp)
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        } catch {
            throw ModelFileError(tmp.path, "could not create the folder: \(error.localizedDescription)")
        }
        do {
            func write(_ json: JSONText, _ name: String) throws {
                let path = tmp.appendingPathComponent(name)
                do { try Data((json.rendered(pretty: true) + "\n").utf8).write(to: path) } catch {
                    throw ModelFileError(path.path, "could not write: \(error.localizedDescription); check free disk space and permissions")
                }
            }
            try write(config.configJSON(), "config.json")
            try write(config.generationConfigJSON(), "generation_config.json")
            try write(tokenizer.tokenizerJSON(), "tokenizer.json")
            try write(tokenizer.tokenizerConfigJSON(), "tokenizer_config.json")
            try writeWeights(file, plan, to: tmp.appendingPathComponent(SafetensorsFolder.singleFile).path, progress: progress)
            if fm.fileExists(atPath: final.path) { try fm.removeItem(at: final) }
            do { try fm.moveItem(at: tmp, to: final) } catch {
                throw ModelFileError(final.path, "could not move the imported folder into place: \(error.localizedDescription)")
            }
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }

        var types: [String: Int] = [:]
        for t in file.tensors { types[t.type.name, default: 0] += 1 }
        let summary = Summary(architecture: config.architecture.rawValue, layers: config.layers,
                              parameters: plan.items.reduce(0) { $0 + $1.count }, vocabularySize: config.vocabSize,
                              tensorTypes: types, seconds: Date().timeIntervalSince(start))
        return summary
    }

    /// Dequantises each tensor into one reused buffer (the largest tensor's size) and
    /// streams it to the safetensors file, so memory stays near one tensor, not one model.
    static func writeWeights(_ file: GGUFFile, _ plan: GGUFTensorPlan, to path: String, progress: Progress?) throws {
        let writer = try SafetensorsWriter(path: path, tensors: plan.items.map { ($0.huggingFace, $0.shape) }, metadata: ["format": "pt"])
        let largest = plan.items.map(\.count).max() ?? 0
        let largestPermuted = plan.items.filter { $0.unpermuteHeads != nil }.map(\.count).max() ?? 0
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: largest)
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: largestPermuted)
        defer { buffer.deallocate(); scratch.deallocate() }
        for (i, item) in plan.items.enumerated() {
            let values = UnsafeMutableBufferPointer(rebasing: buffer[0..<item.count])
            if let heads = item.unpermuteHeads {
                let raw = UnsafeMutableBufferPointer(rebasing: scratch[0..<item.count])
                try file.read(item.gguf, into: raw)
                GGUFTensorPlan.unpermute(UnsafeBufferPointer(raw), into: values, heads: heads, columns: item.shape[1])
            } else {
                try file.read(item.gguf, into: values)
            }
            try writer.write(item.huggingFace, UnsafeBufferPointer(values))
            if let progress, let t = file.tensor(item.gguf) {
                progress(i + 1, plan.items.count, "\(item.gguf) \(t.type.name) → \(item.huggingFace)")
            }
        }
        try writer.finish()
    }
}
