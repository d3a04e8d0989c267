import Foundation
import Kernels
import Llama
import ModelFiles

/// LoRA as a config states it (`lora.rank`, `lora.alpha`, `lora.targets`); rank 0 is full
/// fine-tuning. Sent to actors with the model's shape, so they attach the same adapters.
public struct LoRASettings: Codable, Sendable, Equatable {
    public var rank = 0
    /// The adapters' output is scaled by alpha / rank.
    public var alpha: Float = 32
    /// Hugging Face projection names, comma-separated, or "all".
    public var targets = "all"

    public init(rank: Int = 0, alpha: Float = 32, targets: String = "all") {
        self.rank = rank; self.alpha = alpha; self.targets = targets
    }

    public var enabled: Bool { rank > 0 }

    /// The adapters' shape, checked: the names known, rank and alpha positive.
    public func config() throws -> LoRAConfig {
        let names = targets == "all" ? LoRATarget.allCases.map(\.rawValue)
            : targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = try names.map { name -> LoRATarget in
            guard let t = LoRATarget(rawValue: name) else {
                throw LlamaError.invalidConfig("lora.targets: \(name) is not a projection; use \"all\" or some of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ","))")
            }
            return t
        }
        let c = LoRAConfig(rank: rank, alpha: alpha, targets: parsed)
        try c.validate()
        return c
    }
}

extension Policy {
    /// Freezes the base and adds fresh adapters (a Llama-family model only: our GPT-2 trains
    /// in full); with `adaptersFrom`, a checkpoint folder, its saved adapters are read back.
    public func attachLoRA(_ settings: LoRASettings, seed: UInt64, adaptersFrom: String? = nil) throws {
        guard let llama = model as? Llama else {
            throw LlamaError.invalidConfig("LoRA adapts the Llama family's projections; this \(family) model trains in full: set lora.rank to 0")
        }
        try llama.attachLoRA(try settings.config(), seed: seed)
        if let adaptersFrom { try LlamaCheckpoint.loadAdapters(into: llama, from: adaptersFrom) }
    }
}

/// What actors of a LoRA run build: the frozen base, read once from `base` (a checkpoint folder
/// every actor's machine can read: the run's `run.init_from`), and adapters of `lora`'s shape,
/// whose values are all each weights message carries (a few MB instead of the whole model).
public struct AdaptedBase: Codable, Sendable, Equatable {
    public var base: String
    public var lora: LoRASettings

    public init(base: String, lora: LoRASettings) {
        self.base = base; self.lora = lora
    }
}

extension ModelSpec {
    /// A model of this shape: zero weights until the learner's arrive or, with `adapters`, the
    /// base read from disk with adapters attached (their values arrive as weights).
    public func make(adapters: AdaptedBase?) throws -> any CausalLM {
        guard let a = adapters else { return try make() }
        let policy = try Policy.load(a.base)
        guard ModelSpec(of: policy.model) == self else {
            throw ModelFileError(a.base, "this base is not the model the learner trains: every machine needs the run's run.init_from at this path")
        }
        try policy.attachLoRA(a.lora, seed: 0)
        return policy.model
    }
}
