import Completions
import Foundation
import Kernels
import Llama
import TinyGPT

/// Batched generation with a KV cache: B prompts × G samples each.
///
/// Each prompt is prefilled once; its keys and values are shared by its group's
/// G rows, which then decode one token per step together (one GEMM per layer for
/// all live rows). Finished rows drop out of the batch. The model family enters through
/// one seam, its `DecodeEngine` (GPT-2's or the Llama family's layers over the cache).
public final class Sampler {
    let engine: any DecodeEngine

    /// A sampler for a model of either family.
    public init(model: any CausalLM) {
        switch model {
        case let gpt as GPT: engine = GPTDecoder(gpt)
        case let llama as Llama: engine = LlamaDecoder(llama)
        default: preconditionFailure("no decode engine for \(type(of: model)): add one beside GPTDecoder")
        }
    }

    /// Samples `samplesPerPrompt` completions for every prompt (token ids, BOS included).
    /// Returns completions grouped by prompt: result[b][g].
    public func generate(prompts: [[Int32]], samplesPerPrompt G: Int, params: SamplingParams,
                         rng: inout Xoshiro256) throws -> [[Completion]] {
        try params.validate()
        let cfg = engine.shape
        let B = prompts.count, R = B * G
        guard B > 0, G > 0 else { return [] }
        for p in prompts {
            guard !p.isEmpty else { throw SamplerError.emptyPrompt }
            guard p.count < cfg.contextLength else { throw SamplerError.promptTooLong(p.count, context: cfg.contextLength) }
            if let bad = p.first(where: { $0 < 0 || Int($0) >= cfg.vocabSize }) {
                throw SamplerError.tokenOutsideVocabulary(bad, vocabulary: cfg.vocabSize)
            }
        }
        let promptLens = prompts.map(\.count)
        let maxNew = promptLens.map { min(params.maxNewTokens, cfg.contextLength - $0) }
        let totalPrompt = promptLens.reduce(0, +)
        let cache = KVCache(layers: cfg.layers, width: cfg.kvWidth, prompts: B, promptCapacity: promptLens.max()!,
                            rows: R, rowCapacity: maxNew.max()!)
        engine.reserve(rows: max(totalPrompt, R), picks: max(B, R))

        // Prefill every prompt token; keep the logits of each prompt's last position.
        var queries: [Query] = []
        queries.reserveCapacity(totalPrompt)
        for (b, p) in prompts.enumerated() {
            for t in 0..<p.count {
                queries.append(Query(token: p[t], position: t, prompt: b, row: -1, promptVisible: t + 1, rowVisible: 0))
            }
        }
        var lastIndex: [Int] = []
        var acc = 0
        for n in promptLens { acc += n; lastIndex.append(acc - 1) }
        let prefilled = run(queries, logitsFor: lastIndex, cache: cache)

        var out = (0..<R).map { _ in Completion(tokens: [], logprobs: [], stopped: false) }
        var budget = [BudgetForcing.State](repeating: .init(), count: params.forcing == nil ? 0 : R)
        /// The sampled token, unless budget forcing writes one instead.
        func choose(_ r: Int, _ sampled: (Int32, Float)) -> (Int32, Float) {
            guard let f = params.forcing else { return sampled }
            let pick = budget[r].take().map { ($0, Float(0)) } ?? sampled
            budget[r].saw(pick.0, f)
            return pick
        }
        let stops = Set(params.stopTokens)
        let V = cfg.vocabSize
        var live: [Int] = []
        let dist = Distribution(capacity: V)
        for r in 0..<R {
            let b = r / G
            let (tok, lp) = choose(r, dist.sample(prefilled + b * V, V: V, params: params, rng: &rng))
            out[r].tokens.append(tok)
            out[r].logprobs.append(lp)
            if stops.contains(tok) { out[r].stopped = true } else if maxNew[b] > 1 { live.append(r) }
        }
        // Decode: one token per live row per step.
        while !live.isEmpty {
            queries.removeAll(keepingCapacity: true)
            for r in live {
                let b = r / G, n = out[r].tokens.count - 1
                queries.append(Query(token: out[r].tokens[n], position: promptLens[b] + n, prompt: b, row: r,
                                     promptVisible: promptLens[b], rowVisible: n + 1))
            }
            let logits = run(queries, logitsFor: Array(0..<queries.count), cache: cache)
            var next: [Int] = []
            for (i, r) in live.enumerated() {
                let (tok, lp) = choose(r, dist.sample(logits + i * V, V: V, params: params, rng: &rng))
                out[r].tokens.append(tok)
                out[r].logprobs.append(lp)
                if stops.contains(tok) { out[r].stopped = true } else if out[r].tokens.count < maxNew[r / G] { next.append(r) }
            }
            live = next
        }
        return (0..<B).map { b in Array(out[(b * G)..<((b + 1) * G)]) }
    }
}
